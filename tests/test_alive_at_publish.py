"""Alive from day one: the first publish writes the feed's first entry, and a page whose offline
copy has nothing to say is published with no bio block."""
import re

import feedparser

from anchor.models import ProfileModel
from anchor.profiles import copywriting, service, writes
from tests.factories import items
from tests.web_helpers import claim, post


def _feed(client, handle="nadia"):
    answer = client.get(f"/{handle}/feed.xml")
    assert answer.status_code == 200
    feed = feedparser.parse(answer.data)
    assert not feed.bozo and feed.version == "atom10"
    return feed


def _fresh(app, handle="nadia"):
    app.extensions["anchor.page_cache"].forget(handle)
    return ProfileModel.get(f"USER#{handle}", consistent_read=True)


def test_a_new_page_has_one_feed_entry_naming_its_top_artist_and_album(app):
    owner = app.test_client()
    claim(owner, "nadia")
    assert ProfileModel.get("USER#nadia").changeLog is None
    post(owner, "/dashboard/publish", {})
    profile = _fresh(app)
    top = items(profile)
    feed = _feed(app.test_client())
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.title == f"{profile.displayName}'s page is live"
    text = entry.content[0].value
    assert top["artists"][0]["name"] in text and top["albums"][0]["name"] in text
    # Going live is no change: the page shows no "what changed" list yet.
    assert 'id="changes-title"' not in app.test_client().get("/nadia").get_data(as_text=True)
    # Published again after a pause: still the one entry from the first day.
    post(owner, "/dashboard/unpublish", {})
    post(owner, "/dashboard/publish", {})
    _fresh(app)
    assert len(_feed(app.test_client()).entries) == 1


def test_the_live_entry_never_names_a_hidden_item(app):
    owner = app.test_client()
    claim(owner, "nadia")
    hidden = items(ProfileModel.get("USER#nadia"))["artists"][0]
    post(owner, f"/dashboard/items/{hidden['id']}/hide", {})
    post(owner, "/dashboard/publish", {})
    profile = _fresh(app)
    shown = [a for a in items(profile)["artists"] if a["id"] != hidden["id"]][0]
    text = _feed(app.test_client()).entries[0].content[0].value
    assert hidden["name"] not in text and shown["name"] in text


def test_the_next_refresh_is_diffed_from_what_was_live(app):
    owner = app.test_client()
    claim(owner, "nadia")
    post(owner, "/dashboard/publish", {})
    profile = _fresh(app)
    before = items(profile)
    data = profile.listening
    data["ranges"]["half_year"]["artists"] = data["ranges"]["half_year"]["artists"][::-1]
    with app.app_context():
        writes.write(service.get("nadia"), {"listening": data})
    _fresh(app)
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert 'id="changes-title">What changed' in page
    assert f"{before['artists'][-1]['name']} ({len(before['artists'])} → 1)".replace("'", "&#39;") in page
    assert len(_feed(app.test_client()).entries) == 2


def _nothing_to_say(profile):
    """The page's data with no counts and every album from one year: no fact for a bio."""
    data = profile.listening
    for part in data["ranges"].values():
        for album in part["albums"]:
            album["year"] = 1999
    return data


def test_a_page_with_nothing_to_say_is_published_without_a_bio(app):
    owner = app.test_client()
    claim(owner, "nadia")
    with app.app_context():
        profile = service.get("nadia")
        writes.write(profile, {"listening": _nothing_to_say(profile), "changeLog": None})
        outcome = copywriting.generate(service.get("nadia"), force=True)
    assert outcome.status == "written"
    profile = _fresh(app)
    assert profile.bio is None and profile.copyMeta["provider"] == "offline"
    assert not any((profile.pageCopy or {}).get("albumLines", {}).values())
    assert post(owner, "/dashboard/publish", {}).status_code in (302, 303)
    assert _fresh(app).isPublic
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert 'class="bio"' not in page and re.search(r"<h1>[^<]+</h1>", page)
    description = re.search(r'<meta name="description" content="([^"]+)"', page).group(1)
    assert description.endswith("top artists and albums on Anchor.band.")
