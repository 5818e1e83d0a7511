"""A page-changing write is on every visitor's next view in every process (issue 27, pages).

Two app processes (tests/two_processes.py) with warm page caches: the owner's edit goes through
process A, then 50 concurrent visitor views spread over A and B must all show the new page: the
page itself, a range page, the feed and the SVG card.
"""
import re
from concurrent.futures import ThreadPoolExecutor
from html import escape

import pytest

from anchor.models import ProfileModel
from anchor.profiles import service, writes
from tests.factories import items
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, post

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VIEWS = 50


@pytest.fixture
def pages(app, two_processes):
    """nadia published, two processes whose caches hold every variant of her page, her cookie."""
    owner = app.test_client()
    claim(owner, "nadia")
    post(owner, "/dashboard/publish")
    processes = two_processes(PAGE_CACHE_SECONDS=30)
    paths = ["/nadia", "/nadia?range=month", "/nadia/feed.xml", "/nadia/card.svg"]
    for process in processes.all:
        for path in paths * 2:
            assert process.get(path).status_code == 200, path
    return processes, paths, owner.get_cookie("session").value


def _views(processes, paths):
    """VIEWS concurrent visitor views, spread over both processes and every variant."""
    asks = [(processes.all[n % 2], paths[n % len(paths)]) for n in range(VIEWS)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda ask: (ask[1], ask[0].get(ask[1])), asks))
    assert all(answer.status_code == 200 for _, answer in answers)
    return answers


def _owner_post(process, cookie, path, data):
    token = CSRF.search(process.get("/dashboard", cookie).text).group(1)
    answer = process.post(path, cookie, data=dict(data, csrf_token=token))
    assert answer.status_code == 303, answer.status_code
    return answer


def _shown_in(text, name):
    return name in text or escape(name) in text or escape(name, quote=False) in text


def _names_artist(path, answer, artist):
    """True when a view lists the artist itself (an album row may name its artist too: the
    pages are checked for the artist's link, the card and feed for the name)."""
    if answer.headers["Content-Type"].startswith("text/html"):
        return escape(artist["url"]) in answer.text
    return _shown_in(answer.text, artist["name"])


def test_a_hidden_artist_is_off_every_view_in_both_processes_at_once(pages):
    processes, paths, cookie = pages
    artist = items(ProfileModel.get("USER#nadia"))["artists"][0]
    showing = {path for path, answer in _views(processes, paths) if _names_artist(path, answer, artist)}
    assert {"/nadia", "/nadia?range=month", "/nadia/card.svg"} <= showing
    old_card = _share_card(processes.b.get("/nadia").text)
    _owner_post(processes.a, cookie, f"/dashboard/items/{artist['id']}/hide", {})
    stale = [path for path, answer in _views(processes, paths) if _names_artist(path, answer, artist)]
    assert stale == []
    new_card = _share_card(processes.b.get("/nadia").text)     # the share card has a new URL …
    assert new_card != old_card
    moved = processes.b.get(old_card)                           # … and the old one leads to it
    assert moved.status_code == 302 and moved.headers["Location"].endswith(new_card)


def _share_card(page):
    """The path of the share card (og.png) a page names."""
    url = re.search(r'<meta property="og:image" content="([^"]+)">', page).group(1).replace("&amp;", "&")
    return "/" + url.split("/", 3)[3]


def test_a_new_name_is_on_every_view_in_both_processes_at_once(pages):
    processes, paths, cookie = pages
    old = ProfileModel.get("USER#nadia", consistent_read=True)
    assert all(_shown_in(answer.text, old.displayName) for _, answer in _views(processes, paths))
    _owner_post(processes.b, cookie, "/dashboard/name", {"display_name": "Nadia Renamed", "version": old.version})
    answers = _views(processes, paths)
    assert [path for path, answer in answers if "Nadia Renamed" not in answer.text] == []


# -- one process: a cached copy is checked against the item, whoever wrote it -----------------------
def test_a_write_made_elsewhere_is_on_the_next_view_of_every_cached_variant(app, dynamodb_calls):
    """A write straight through the write path (as another process or the worker makes it, with
    no `forget` here) is on the next view; a 304 only ever confirms the current page."""
    owner = app.test_client()
    claim(owner, "nadia")
    post(owner, "/dashboard/publish")
    assert ("Your edits show to visitors at once; a browser or cache that already holds a copy of your "
            "page may keep showing it for up to 80 seconds") in owner.get("/dashboard").get_data(as_text=True)
    visitor = app.test_client()
    paths = ["/nadia", "/nadia?range=month", "/nadia/feed.xml", "/nadia/card.svg"]
    etags = {path: visitor.get(path).headers["ETag"] for path in paths}       # now cached
    for path in paths:
        dynamodb_calls.clear()
        again = visitor.get(path, headers={"If-None-Match": etags[path]})
        assert again.status_code == 304 and dynamodb_calls == [("DynamoDB", "GetItem")]
    with app.app_context():
        writes.write(service.get("nadia"), {"displayName": "Nadia Elsewhere"}, bump=True)
    for path in paths:
        assert visitor.get(path, headers={"If-None-Match": etags[path]}).status_code == 200, path
        assert "Nadia Elsewhere" in visitor.get(path).get_data(as_text=True), path
    with app.app_context():
        writes.write(service.get("nadia"), {"isPublic": False})
    assert [visitor.get(path).status_code for path in paths] == [404] * len(paths)
