"""Render on write: the visitor's page is stored in the visitor's item (`PAGE#<handle>`) in the
same transaction as the profile change, served as it is, re-rendered once after a deploy changes
the render version, and never used for the owner."""
import gzip

import pytest

from anchor.models import ProfileModel
from anchor.models.pages import PageModel
from anchor.pages import render
from anchor.profiles import editing, service, writes
from anchor.web import stored_page
from tests.page_fixtures import published, renders  # noqa: F401  (fixtures)
from tests.web_helpers import post

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def page():
    """The visitor's item of nadia's page."""
    return PageModel.get("PAGE#nadia", consistent_read=True)


def test_publishing_stores_the_page_and_a_visitor_gets_its_bytes_with_one_read(
        app, published, dynamodb_calls, renders):
    item = page()
    profile = ProfileModel.get("USER#nadia")
    assert item.pageGz and item.pageEtag and item.isPublic and item.ownerId == profile.ownerId
    assert (profile.pageEtag, profile.pageRender) == (item.pageEtag, item.pageRender)   # no bytes
    assert "pageGz" not in ProfileModel._get_connection().get_item("USER#nadia")["Item"]
    with app.app_context():
        assert item.pageRender == render.render_version()
    dynamodb_calls.clear()
    answer = app.test_client().get("/nadia", headers=GZIP)
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.data == item.pageGz                           # byte for byte
    assert answer.headers["ETag"] == f'W/"{item.pageEtag}"'
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert dynamodb_calls == [("DynamoDB", "GetItem")]
    assert renders == []
    assert len(answer.data) <= 5 * 1024


def test_identity_and_gzip_answers_share_a_weak_etag(app, published):
    visitor = app.test_client()
    zipped = visitor.get("/nadia", headers=GZIP)
    plain = visitor.get("/nadia", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == gzip.decompress(zipped.data)
    assert plain.headers["ETag"] == zipped.headers["ETag"] and plain.headers["ETag"].startswith('W/"')
    for headers in (GZIP, {}):
        again = visitor.get("/nadia", headers={**headers, "If-None-Match": zipped.headers["ETag"]})
        assert again.status_code == 304


def test_an_edit_stores_a_new_render(app, published):
    before = page()
    with app.app_context():
        current = service.get("nadia")
        editing.edit_bio(current, "A new bio that the visitor must see right away, written by the "
                         "owner herself and long enough to be a bio for the page.", current.version)
    after = page()
    assert after.pageEtag != before.pageEtag
    assert b"must see right away" in gzip.decompress(after.pageGz)
    assert ProfileModel.get("USER#nadia").pageEtag == after.pageEtag


def test_unpublishing_removes_the_stored_page(app, published):
    post(published, "/dashboard/unpublish", {})
    item = page()
    assert item.pageGz is None and item.pageEtag is None and item.isPublic is False
    assert ProfileModel.get("USER#nadia").pageEtag is None
    assert app.test_client().get("/nadia").status_code == 404


@pytest.mark.parametrize("path", ["/dashboard/unpublish", "/dashboard/delete"])
def test_a_page_left_on_an_unpublished_item_is_never_served(app, published, path):
    stored = page()
    post(published, path, {"confirm_handle": "nadia"} if path.endswith("delete") else {})
    left = page()
    assert left.pageGz is None and left.pageRender is None
    left.update(actions=[PageModel.pageGz.set(stored.pageGz), PageModel.pageEtag.set(stored.pageEtag),
                         PageModel.pageRender.set(stored.pageRender)])   # as if its removal had failed
    app.extensions["anchor.page_cache"].forget("nadia")
    assert app.test_client().get("/nadia", headers=GZIP).status_code == 404


def test_a_new_render_version_re_renders_once_and_writes_back(app, published, renders, monkeypatch):
    old = ProfileModel.get("USER#nadia")
    monkeypatch.setenv("ANCHOR_RELEASE", "next-release")        # a deploy
    render.forget_versions()
    writes = dict(render.counters)
    first = app.test_client().get("/nadia", headers=GZIP)
    assert first.status_code == 200 and len(renders) == 1
    assert render.counters["write_backs"] == writes["write_backs"] + 1
    stored = page()
    assert stored.pageRender != old.pageRender
    after = ProfileModel.get("USER#nadia")
    assert after.pageRender == stored.pageRender
    assert after.version == old.version and after.rev == old.rev       # nothing an owner would see
    app.extensions["anchor.page_cache"].forget("nadia")
    second = app.test_client().get("/nadia", headers=GZIP)
    assert second.data == stored.pageGz and len(renders) == 1            # the stored one, no render


def test_a_write_back_loses_to_a_concurrent_edit(app, published, monkeypatch):
    monkeypatch.setenv("ANCHOR_RELEASE", "next-release")
    render.forget_versions()
    with app.app_context():
        stale = service.get("nadia")
        body, etag = render.render_visitor_page(stale)
        current = service.get("nadia")
        editing.edit_bio(current, "Edited while a deploy's first view was rendering the page: the "
                         "edit must win and its render must stay on the item for visitors.", current.version)
        assert stored_page.write_back(stale, body, etag) is False
    assert b"the edit must win" in gzip.decompress(page().pageGz)


def test_the_owner_never_gets_the_stored_render(app, published, renders):
    answer = published.get("/nadia", headers=GZIP)
    assert answer.status_code == 200
    assert len(renders) == 1                                      # a fresh render
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert answer.data != page().pageGz


def test_a_failed_write_back_still_answers_the_page(app, published, monkeypatch):
    from pynamodb.connection import Connection
    from pynamodb.exceptions import TransactWriteError
    monkeypatch.setenv("ANCHOR_RELEASE", "next-release")
    render.forget_versions()
    failed = []

    def unavailable(self, *args, **kwargs):
        failed.append(1)
        raise TransactWriteError("DynamoDB is not answering")
    monkeypatch.setattr(Connection, "transact_write_items", unavailable)
    answer = app.test_client().get("/nadia", headers=GZIP)
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert failed == [1]


def test_a_write_of_private_fields_renders_nothing_and_keeps_the_page(app, published, renders):
    """Refresh bookkeeping (status, next refresh, the AI quota) is not on the page: no render."""
    from anchor import clock
    before = ProfileModel.get("USER#nadia")
    with app.app_context():
        current = service.get("nadia")
        renders.clear()
        writes.write(current, {"lastRefreshMessage": "Checked a minute ago.", "aiCount": 2,
                               "nextRefreshAt": clock.now()})
        assert renders == []
        writes.write(service.get("nadia"), {"displayName": "Nadia Reyes"})   # on the page
        assert len(renders) == 1
    after = ProfileModel.get("USER#nadia")
    assert after.lastRefreshMessage == "Checked a minute ago." and after.rev > before.rev
    assert b"Nadia Reyes" in gzip.decompress(page().pageGz)


def test_a_private_write_after_a_deploy_still_stores_the_new_render(app, published, renders,
                                                                     monkeypatch):
    """A stored page of an older render version is not settled: the next write renders it."""
    monkeypatch.setenv("ANCHOR_RELEASE", "next-release")
    render.forget_versions()
    with app.app_context():
        renders.clear()
        writes.write(service.get("nadia"), {"lastRefreshMessage": "Checked."})
        assert len(renders) == 1
        assert ProfileModel.get("USER#nadia").pageRender == render.render_version()
        assert page().pageRender == render.render_version()


def test_the_bulkhead_sheds_a_view_that_finds_no_dynamodb_slot_and_keeps_the_cached_ones(
        app, published):
    """gunicorn's post_fork limits a web process to threads − 1 DynamoDB calls in flight: a view
    that finds no slot in time answers 503 at once; a page in the process cache still answers."""
    import time

    from anchor.models import bulkhead
    visitor = app.test_client()
    assert visitor.get("/nadia", headers=GZIP).status_code == 200          # now in the page cache
    bulkhead.limit_concurrency(1, wait=0.05)
    gate = bulkhead._bulkhead["gate"]
    try:
        gate.acquire()                       # the one slot is taken by a call that hangs
        started = time.perf_counter()
        shed = visitor.get("/nobody-here-yet")
        assert shed.status_code == 503 and time.perf_counter() - started < 1.0
        assert b"briefly unavailable" in shed.data
        assert visitor.get("/nadia", headers=GZIP).status_code == 200       # cached: no DynamoDB
        gate.release()
        assert visitor.get("/nobody-here-yet").status_code == 404           # a slot again: read
    finally:
        bulkhead.limit_concurrency(None)
