"""Honest ranks (issue 29): ranked lists follow the counts in every range, with a featured item
present, on pages from all three sources and an upload; the Featured block (at most three, the
owner's notes escaped); hide in one range hides in all; the dashboard's range switch without
JavaScript. Real stand-ins and DynamoDB Local."""
import re
import time

import pytest

from anchor.models import ImportModel, ProfileModel
from anchor.pages.context import visitor_html
from anchor.pages.public_view import PARAM_OF
from anchor.profiles import service
from anchor.rules import NOTE_MAX
from devstack.spotify_export import write_export
from tests.source_web_helpers import claim_with, public_page
from tests.web_helpers import claim, csrf_token, post


@pytest.fixture
def app(source_app):
    return source_app


def _profile(handle):
    return ProfileModel.get(f"USER#{handle}", consistent_read=True)


def _upload(client, tmp_path, account):
    path = write_export(tmp_path / "my_spotify_data.zip", kind="extended", plays=3000, years=2, seed=5)
    with open(path, "rb") as handle:
        answer = client.post("/dashboard/upload", data={"file": (handle, path.name), "csrf_token": csrf_token(client),
                                                   "replace_source": "yes"},
                             content_type="multipart/form-data")
    assert answer.status_code == 303
    deadline = time.monotonic() + 60
    while ImportModel.get(f"IMPORT#{account}", consistent_read=True).status == "running":
        assert time.monotonic() < deadline, "the import never finished"
        time.sleep(0.1)


def _owner(app, source, tmp_path):
    """(signed-in client, handle) of a published page from `source` ("upload": a Spotify account's
    data download)."""
    client = app.test_client()
    if source in ("spotify", "upload"):
        claim(client, "nadia")
        handle = "nadia"
        if source == "upload":
            _upload(client, tmp_path, "spotify:nadia")
    else:
        listener = {"listenbrainz": "grimnir", "lastfm": "ella_bluenote"}[source]
        claim_with(client, source, listener)
        handle = listener.replace("_", "-")
    assert post(client, "/dashboard/publish", {}).status_code == 303
    assert service.source_of(_profile(handle)) == source
    return client, handle


def _ranked(page, kind):
    """[(rank, count or None, item html)] of a ranked list on the public page."""
    start = page.index(f'<ol class="ranked {kind}"')
    rows = re.findall(r"<li>(.*?)</li>", page[start:page.index("</ol>", start)], re.S)
    found = []
    for row in rows:
        rank = int(re.search(r'<span class="rank" aria-hidden="true">(\d+)</span>', row).group(1))
        count = re.search(r"([\d,]+) (?:plays|min)</span>", row)
        found.append((rank, int(count.group(1).replace(",", "")) if count else None, row))
    return found


def _query(range_name, profile):
    default = service.page_range(service.listening(profile))
    return "" if range_name == default else f"?range={PARAM_OF[range_name]}"


@pytest.mark.parametrize("source", ["spotify", "listenbrainz", "lastfm", "upload"])
def test_ranks_follow_the_counts_in_every_range_with_a_featured_item(app, source, tmp_path):
    client, handle = _owner(app, source, tmp_path)
    profile = _profile(handle)
    last = service.arrange(service.items(profile), profile.layout)["albums"][-1]   # the fewest plays
    assert post(client, f"/dashboard/items/{last['id']}/feature", {}).status_code == 303
    profile = _profile(handle)
    assert [f["id"] for f in service.layout(profile)["featured"]] == [last["id"]]
    ranges = service.available_ranges(profile)
    assert len(ranges) >= 2
    for range_name in ranges:
        page = app.test_client().get(f"/{handle}{_query(range_name, profile)}").get_data(as_text=True)
        assert page.index('id="featured-title"') < page.index('<ol class="ranked')
        source_order = service.items(profile, range_name)
        for kind in ("artists", "albums"):
            rows = _ranked(page, kind)
            assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), (range_name, kind)
            counts = [r[1] for r in rows]
            if source == "spotify":         # no counts: Spotify's own order is the ranking
                assert None in counts
                urls = [re.search(r'href="([^"]+)"', r[2]).group(1) for r in rows]
                assert urls == [i["url"] for i in source_order[kind]][:len(urls)], (range_name, kind)
            else:
                assert None not in counts and len(counts) >= 3, (source, range_name, kind)
                assert counts == sorted(counts, reverse=True), (source, range_name, kind, counts)


def test_the_featured_block_holds_three_with_escaped_notes_and_refuses_bad_input(app, tmp_path):
    client, handle = _owner(app, "listenbrainz", tmp_path)
    data = service.items(_profile(handle))
    picks = [data["albums"][4]["id"], data["artists"][3]["id"], data["albums"][0]["id"]]
    for item_id in picks:
        assert post(client, f"/dashboard/items/{item_id}/feature", {}).status_code == 303
    fourth = post(client, f"/dashboard/items/{data['artists'][0]['id']}/feature", {}, htmx=True)
    assert "You can feature up to 3 artists or albums" in fourth.get_data(as_text=True)
    assert len(service.layout(_profile(handle))["featured"]) == 3
    note = 'Tom & Jerry\'s "best" night'
    answer = post(client, f"/dashboard/items/{picks[0]}/note", {"note": note, "at": "featured"}, htmx=True)
    body = answer.get_data(as_text=True)
    assert "Saved your note." in body and 'id="feedback-featured" hx-swap-oob="innerHTML"' in body
    assert body.count('id="feedback-featured"') == 2         # the message, and its place in the swapped lists
    for bad, said in (("x" * (NOTE_MAX + 1), f"the limit is {NOTE_MAX}"), ("<b>loud</b>", "markup"),
                      ("see https://example.org", "web address")):
        refused = post(client, f"/dashboard/items/{picks[0]}/note", {"note": bad, "at": "featured"}, htmx=True)
        assert said in refused.get_data(as_text=True)
    not_featured = post(client, f"/dashboard/items/{data['artists'][0]['id']}/note", {"note": "Hi"}, htmx=True)
    assert "Feature it first" in not_featured.get_data(as_text=True)
    assert post(client, "/dashboard/items/not-mine/note", {"note": "Hi"}, htmx=True).status_code == 200
    page = public_page(app, handle).get_data(as_text=True)
    block = page[page.index('<section class="featured"'):page.index("</section>", page.index('<section class="featured"'))]
    assert block.count("<li>") == 3
    assert "Tom &amp; Jerry&#39;s &#34;best&#34; night" in block
    # A note stored some other way is still only text on the page.
    profile = _profile(handle)
    layout = service.layout(profile)
    layout["featured"][0]["note"] = "<script>alert(1)</script>"
    profile.update(actions=[ProfileModel.layout.set(layout)])
    with app.test_request_context("/"):
        html = visitor_html(_profile(handle)).decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Taking one out leaves two; the ranked lists never moved.
    assert post(client, f"/dashboard/items/{picks[1]}/feature", {"at": "featured"}).status_code == 303
    assert [f["id"] for f in service.layout(_profile(handle))["featured"]] == [picks[0], picks[2]]


def _in_every_range(profile):
    ranges = service.available_ranges(profile)
    sets = [{i["id"] for part in service.items(profile, name).values() for i in part} for name in ranges]
    common = set.intersection(*sets)
    return ranges, common


@pytest.mark.parametrize("source", ["spotify", "listenbrainz", "lastfm"])
def test_hiding_in_one_range_hides_it_in_every_range(app, source, tmp_path):
    client, handle = _owner(app, source, tmp_path)
    profile = _profile(handle)
    ranges, common = _in_every_range(profile)
    assert common, "the stand-in's ranges share no item"
    month = [i for i in service.items(profile, "month")["artists"] + service.items(profile, "month")["albums"]
             if i["id"] in common][0]
    answer = post(client, f"/dashboard/items/{month['id']}/hide", {"range": "month"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/dashboard?range=month#item-{month['id']}")
    profile = _profile(handle)
    for range_name in ranges:
        page = app.test_client().get(f"/{handle}{_query(range_name, profile)}").get_data(as_text=True)
        start = page.index('<div class="columns">')
        assert f">{month['name']}<" not in page[start:].replace("&#39;", "'").replace("&amp;", "&"), range_name
        dashboard = client.get(f"/dashboard{_query(range_name, profile)}").get_data(as_text=True)
        row = re.search(rf'<li id="item-{re.escape(month["id"])}" class="dash-row hidden-item"', dashboard)
        assert row, range_name


def test_the_dashboard_switches_range_with_plain_links(app, tmp_path):
    client, handle = _owner(app, "lastfm", tmp_path)
    profile = _profile(handle)
    page = client.get("/dashboard").get_data(as_text=True)
    nav = page[page.index('aria-label="Range the lists show"'):]
    nav = nav[:nav.index("</nav>")]
    assert 'href="/dashboard?range=month#items"' in nav and 'href="/dashboard?range=all#items"' in nav
    assert 'href="/dashboard#items" aria-current="page"' in nav
    for range_name in ("month", "all_time"):
        shown = client.get(f"/dashboard?range={PARAM_OF[range_name]}").get_data(as_text=True)
        listed = shown[shown.index('<ol class="dash-list albums"'):]
        ids = re.findall(r'<li id="item-([^"]+)"', listed[:listed.index("</ol>")])
        assert ids == [a["id"] for a in service.ranked(service.items(profile, range_name)["albums"])]
        assert f'<input type="hidden" name="range" value="{PARAM_OF[range_name]}">' in shown
    fallback = client.get("/dashboard?range=decade").get_data(as_text=True)
    assert fallback.count('<input type="hidden" name="range"') == 0 and "Top albums" in fallback


def test_every_answer_is_of_the_range_on_screen(app, tmp_path):
    client, handle = _owner(app, "lastfm", tmp_path)
    profile = _profile(handle)
    month = [a["id"] for a in service.items(profile, "month")["albums"]]
    half = [a["id"] for a in service.items(profile, "half_year")["albums"]]
    only_half = [i for i in half if i not in month]
    assert only_half, "the stand-in's ranges hold the same albums"
    page = client.get("/dashboard?range=month").get_data(as_text=True)
    assert """hx-vals='{"range": "month"}'""" in page
    # A name edit from the month view (HTMX sends the range): its version stamps are for the
    # forms on screen, so no out-of-band swap names a form that is not there.
    answer = post(client, "/dashboard/name", {"display_name": "Ella B.", "version": profile.version,
                                              "range": "month"}, htmx=True).get_data(as_text=True)
    stamped = set(re.findall(r'id="version-line-([^"]+)" value="\d+" hx-swap-oob', answer))
    assert stamped == set(month)
    # A plain line form in the month view comes back to the month view, at the form.
    album = month[-1]
    plain = post(client, f"/dashboard/albums/{album}/line",
                 {"line": "Bought it twice.", "version": _profile(handle).version, "range": "month"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/dashboard?range=month#line-{album}")
    shown = client.get("/dashboard?range=month").get_data(as_text=True)
    assert re.search(rf'<details class="line-edit" open>(?:(?!</details>).)*id="line-{re.escape(album)}"', shown, re.S)
