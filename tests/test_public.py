"""The public page: one read, tags, the same 404 for every miss, ETag/304, no outbound calls.

`dynamodb_calls` and `only_dynamodb` come from tests/call_guards.py.
"""
import re
from urllib.parse import urlsplit

import pytest

from anchor.models import ProfileModel
from tests.factories import items
from tests.page_fixtures import renders  # noqa: F401  (fixture)
from tests.web_helpers import claim, post, sign_in


@pytest.fixture
def published(app):
    owner = app.test_client()
    claim(owner, "nadia")
    post(owner, "/dashboard/publish", {})
    return ProfileModel.get("USER#nadia")


@pytest.fixture
def visitor(app):
    return app.test_client()


def test_page_shows_the_profile(published, visitor):
    response = visitor.get("/nadia")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    # One script only, the share button's (issue 29: a share sheet needs one), external and deferred.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", body, re.S)
    assert scripts == [""] and re.search(r'<script src="/static/share-button\.js\?v=\w+" defer>', body)
    assert published.bio.split(".")[0].replace("'", "&#39;") in body
    for album in items(published)["albums"][:3]:
        assert album["url"] in body
    assert "Data from" in body and "Spotify" in body
    assert len(response.data) <= 30 * 1024


def test_open_graph_and_twitter_tags(published, visitor, app):
    body = visitor.get("/nadia").get_data(as_text=True)
    tags = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', body))
    base = app.config["BASE_URL"]
    assert tags["og:url"] == f"{base}/nadia"
    assert tags["og:type"] == "profile"
    assert tags["og:title"].startswith(published.displayName)
    assert tags["og:image"].startswith(f"{base}/nadia/og.png?v=")
    assert tags["og:image:alt"] and tags["og:description"] and tags["description"]
    assert tags["twitter:card"] == "summary_large_image"
    assert f'<link rel="canonical" href="{base}/nadia">' in body
    assert re.search(r"<title>.+ \(@nadia\) · Anchor\.band</title>", body)


@pytest.fixture
def read_attributes(monkeypatch):
    """(key, strongly consistent) of each GetItem, in order."""
    from botocore.client import BaseClient
    asked = []
    original = BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if operation_name == "GetItem":
            asked.append((api_params["Key"]["pk"]["S"], api_params.get("ConsistentRead", False)))
        return original(self, operation_name, api_params)
    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return asked


def test_one_read_and_no_outbound_call(published, visitor, dynamodb_calls, only_dynamodb, app, read_attributes):
    app.extensions["anchor.page_cache"].forget("nadia")
    dynamodb_calls.clear()
    assert visitor.get("/nadia").status_code == 200
    # Cold: the visitor's item alone, eventually consistent (half a read unit).
    assert dynamodb_calls == [("DynamoDB", "GetItem")] and read_attributes[-1] == ("PAGE#nadia", False)
    dynamodb_calls.clear()
    assert visitor.get("/nadia").status_code == 200      # hot: the cached bytes, checked by one small read
    assert dynamodb_calls == [("DynamoDB", "GetItem")] and read_attributes[-1] == ("PAGE#nadia", True)


def test_outbound_guard_really_fails(only_dynamodb, spotify_sandbox):
    import requests
    with pytest.raises(Exception, match="outbound connection"):
        requests.get(spotify_sandbox.url + "/v1/me", timeout=2)


def test_same_404_for_unknown_unpublished_and_deleted(app, visitor):
    owner = app.test_client()
    claim(owner, "tomas")                                   # claimed, never published
    second = app.test_client()
    claim(second, "aiko")
    post(second, "/dashboard/publish", {})
    post(second, "/dashboard/delete", {"confirm_handle": "aiko"})
    answers = [visitor.get(f"/{h}") for h in ("nobody-here", "tomas", "aiko")]
    assert {a.status_code for a in answers} == {404}
    bodies = {a.get_data(as_text=True).replace(h, "") for a, h in zip(answers, ("nobody-here", "tomas", "aiko"))}
    assert len(bodies) == 1


def test_etag_and_304(published, visitor):
    first = visitor.get("/nadia")
    # Shared caches (the CDN) and browsers keep it a minute: how soon a page taken down is gone.
    assert first.headers["Cache-Control"] == "public, max-age=60, s-maxage=60, stale-if-error=86400"
    etag = first.headers["ETag"]
    again = visitor.get("/nadia", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    changed = visitor.get("/nadia", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_owner_edit_shows_at_once(app, published):
    owner = app.test_client()
    sign_in(owner, "nadia")
    visitor = app.test_client()
    assert visitor.get("/nadia").status_code == 200          # now cached
    post(owner, "/dashboard/name", {"display_name": "Nadia Renamed", "version": ProfileModel.get("USER#nadia").version})
    assert "Nadia Renamed" in visitor.get("/nadia").get_data(as_text=True)


@pytest.mark.parametrize("path,data", [("/dashboard/unpublish", {}),
                                       ("/dashboard/delete", {"confirm_handle": "nadia"})])
def test_visitor_gets_404_at_once_after_unpublish_or_delete(app, published, visitor, path, data):
    owner = app.test_client()
    sign_in(owner, "nadia")
    assert visitor.get("/nadia").status_code == 200          # now in the page cache
    assert post(owner, path, data).status_code == 303
    assert visitor.get("/nadia").status_code == 404


def test_visitor_sees_hidden_and_featured_items_at_once(app, published, visitor):
    owner = app.test_client()
    sign_in(owner, "nadia")
    albums = [a for a in items(published)["albums"] if a.get("url")]
    hidden, pinned = albums[0], albums[2]
    body = visitor.get("/nadia").get_data(as_text=True)     # now in the page cache
    assert hidden["url"] in body and body.index(albums[1]["url"]) < body.index(pinned["url"])
    assert post(owner, f"/dashboard/items/{hidden['id']}/hide", {}).status_code == 303
    assert hidden["url"] not in visitor.get("/nadia").get_data(as_text=True)
    assert post(owner, f"/dashboard/items/{pinned['id']}/feature", {}).status_code == 303
    body = visitor.get("/nadia").get_data(as_text=True)
    assert body.index(pinned["url"]) < body.index(albums[1]["url"])    # in the Featured block above
    ranked = body[body.index('<div class="columns">'):]
    assert ranked.index(albums[1]["url"]) < ranked.index(pinned["url"])   # and in its place by rank


def test_uppercase_handle_redirects_and_junk_404s(published, visitor):
    response = visitor.get("/NADIA")
    assert response.status_code == 301 and response.headers["Location"].endswith("/nadia")
    assert visitor.get("/a%3Cb").status_code == 404


def test_share_card_png(published, visitor):
    body = visitor.get("/nadia").get_data(as_text=True)
    image_url = re.search(r'<meta property="og:image" content="([^"]+)"', body).group(1)
    path = urlsplit(image_url).path + "?" + urlsplit(image_url).query
    response = visitor.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    from io import BytesIO
    from PIL import Image
    assert Image.open(BytesIO(response.data)).size == (1200, 630)
    stale = visitor.get("/nadia/og.png?v=old")
    assert stale.status_code == 302


def test_security_headers(published, visitor):
    response = visitor.get("/nadia")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_markup_in_names_is_inert(app, visitor):
    owner = app.test_client()
    claim(owner, "xss-probe")
    post(owner, "/dashboard/publish", {})
    page = visitor.get("/xss-probe")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script>window.__pwned" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body
    dash = owner.get("/dashboard").get_data(as_text=True)
    assert "<script>window.__pwned" not in dash and "&lt;script&gt;" in dash


def test_items_without_a_safe_link_render_unlinked(published, visitor, app):
    profile = ProfileModel.get("USER#nadia")
    data = profile.listening
    shown = data["ranges"]["half_year"]
    shown["artists"] = [dict(shown["artists"][0], url=None)] + shown["artists"][1:]
    profile.update(actions=[ProfileModel.listening.set(data)])
    app.extensions["anchor.page_cache"].forget("nadia")
    body = visitor.get("/nadia").get_data(as_text=True)
    assert 'href="None"' not in body and shown["artists"][0]["name"].replace("'", "&#39;") in body


def test_ranked_compact_page(published, visitor):
    body = visitor.get("/nadia").get_data(as_text=True)
    shown = items(published)
    ranks = re.findall(r'<span class="rank" aria-hidden="true">(\d+)</span>', body)
    assert ranks[:3] == ["1", "2", "3"] and len(ranks) == min(10, len(shown["artists"])) + min(12, len(shown["albums"]))
    assert 'width="56" height="56"' in body and 'class="ranked albums"' in body
    assert len(body.encode()) <= 30 * 1024


def test_range_links_each_a_cached_page_of_one_read(published, visitor, dynamodb_calls, app, renders):
    body = visitor.get("/nadia").get_data(as_text=True)
    assert '<nav class="ranges small" aria-label="Time range">' in body
    assert 'href="/nadia?range=month"' in body and 'href="/nadia?range=all"' in body
    assert 'href="/nadia" aria-current="page"' in body
    data = published.listening["ranges"]
    for param, name in (("month", "month"), ("all", "all_time")):
        dynamodb_calls.clear()
        page = visitor.get(f"/nadia?range={param}")
        assert page.status_code == 200 and dynamodb_calls == [("DynamoDB", "GetItem")]
        text = page.get_data(as_text=True)
        assert f'href="/nadia?range={param}" aria-current="page"' in text
        assert data[name]["artists"][0]["name"].replace("'", "&#39;") in text
        assert page.headers["Cache-Control"] == "public, max-age=60, s-maxage=60, stale-if-error=86400"
        dynamodb_calls.clear()
        renders.clear()                                  # cached: one small read, no render
        assert visitor.get(f"/nadia?range={param}").status_code == 200 and dynamodb_calls == [("DynamoDB", "GetItem")]
        assert renders == []
    assert visitor.get("/nadia?range=week").status_code == 404
    assert visitor.get("/nadia?range=half_year").status_code == 404


def _moved(profile):
    data = profile.listening
    shown = data["ranges"]["half_year"]
    shown["artists"] = shown["artists"][::-1]           # the last artist climbs to first place
    shown["albums"] = shown["albums"][1:]               # the first album leaves
    return data


def test_what_changed_and_its_feed(published, visitor, app):
    import feedparser
    from anchor.profiles import service, writes
    before = items(published)
    with app.app_context():
        writes.write(service.get("nadia"), {"listening": _moved(published)})
    app.extensions["anchor.page_cache"].forget("nadia")
    body = visitor.get("/nadia").get_data(as_text=True)
    assert 'id="changes-title">What changed' in body
    assert f"{before['artists'][-1]['name']} ({len(before['artists'])} → 1)".replace("'", "&#39;") in body
    assert "Left the top albums:</strong> " + before["albums"][0]["name"].replace("'", "&#39;") in body
    # Reversed, every artist but the middle one moved: a line names three and counts the rest.
    moves = re.findall(r"<li><strong>(?:Up|Down):</strong> (.*?)</li>", body, re.S)
    assert len(moves) == 2 and all(line.count("→") == 3 and re.search(r" and \d+ more$", line) for line in moves)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="[^"]+/nadia/feed\.xml">', body)
    answer = visitor.get("/nadia/feed.xml")
    assert answer.status_code == 200 and answer.mimetype == "application/atom+xml"
    feed = feedparser.parse(answer.data)
    assert not feed.bozo and feed.version == "atom10"
    # Newest first: this refresh's changes, then the entry written when the page went live.
    assert len(feed.entries) == 2 and before["albums"][0]["name"] in feed.entries[0].content[0].value
    assert feed.entries[1].title.endswith("page is live")
    assert feed.feed.link.endswith("/nadia")


def test_the_owner_gets_an_edit_link_that_no_visitor_is_served(app, published, visitor):
    owner = app.test_client()
    sign_in(owner, "nadia")
    mine = owner.get("/nadia")
    assert "Edit your page" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-cache" and "Cookie" in mine.headers["Vary"]
    theirs = visitor.get("/nadia", headers={"If-None-Match": mine.headers["ETag"]})
    assert theirs.status_code == 200 and "Edit your page" not in theirs.get_data(as_text=True)
    assert theirs.headers["ETag"] != mine.headers["ETag"]
    assert "Edit your page" not in visitor.get("/nadia").get_data(as_text=True)   # from the page cache


def test_card_svg_is_self_contained_xml(published, visitor):
    from xml.etree import ElementTree
    answer = visitor.get("/nadia/card.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    root = ElementTree.fromstring(answer.data)
    svg = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{svg}svg" and root.find(f"{svg}title").text.endswith("on Anchor.band")
    assert items(published)["artists"][0]["name"] in root.find(f"{svg}desc").text
    text = answer.get_data(as_text=True)
    assert "prefers-color-scheme:dark" in text
    assert not re.search(r"<script|href=|url\(|@import|<image|<foreignObject", text)
