"""The owner's links through the app: dashboard add/move/remove (HTMX and plain), the page
showing them (rendered on write), `/<handle>/go/<n>` and its click counter across days."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from anchor import clock
from anchor.models import ClickCountModel, LimitCounterModel, ProfileModel
from anchor.profiles import clicks
from tests.call_guards import dynamodb_calls  # noqa: F401  (fixture)
from tests.web_helpers import anonymous_csrf_token, claim, post, sign_in

BANDCAMP = "https://nadia.bandcamp.com/"
MASTODON = "https://mastodon.social/@nadia"


def _profile():
    return ProfileModel.get("USER#nadia")


@pytest.fixture
def owner(app):
    client = app.test_client()
    claim(client, "nadia")
    post(client, "/dashboard/copy", {})
    post(client, "/dashboard/publish", {})
    return client


@pytest.fixture
def frozen():
    clock.freeze(datetime(2026, 12, 3, 23, 50, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


def _add(owner, url, label="", htmx=False):
    return post(owner, "/dashboard/links", {"url": url, "label": label}, htmx=htmx)


def test_add_with_htmx_swaps_the_list_and_renders_the_page(owner, app):
    answer = _add(owner, BANDCAMP, "New album", htmx=True)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and body.lstrip().startswith('<section class="card" id="links"')
    assert "<html" not in body and "Link added." in body and "Bandcamp · https://nadia.bandcamp.com/" in body
    stored = _profile().ownerLinks
    assert [(link["url"], link["label"], link["service"]) for link in stored] == [(BANDCAMP, "New album", "bandcamp")]
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert '<a class="owner-link" href="/nadia/go/1">' in page and "New album" in page
    assert f'<link rel="me" href="{BANDCAMP}">' in page
    assert page.index('class="owner-links"') < page.index('id="artists-title"')


def test_add_as_a_plain_form_redirects_back_to_the_links(owner):
    answer = _add(owner, MASTODON)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/dashboard#links")
    assert "Link added." in owner.get("/dashboard").get_data(as_text=True)
    assert _profile().ownerLinks[0]["service"] == "mastodon"


@pytest.mark.parametrize("url,says", [
    ("javascript:alert(1)", "Only https://"),
    ("data:text/html,hi", "Only https://"),
    ("http://nadia.bandcamp.com/", "Only https://"),
    ("https://nadia:pw@nadia.bandcamp.com/", "user name or password"),
    ("https://example.com/" + "a" * 2100, "the limit is 2,048"),
    ("https://example.com/\x1b[31m", "control character"),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_hostile_addresses_are_refused_and_nothing_is_written(owner, url, says, htmx):
    before = _profile()
    answer = _add(owner, url, htmx=htmx)
    shown = answer.get_data(as_text=True) if htmx else owner.get("/dashboard").get_data(as_text=True)
    assert says in shown.replace("&#34;", '"').replace("&#39;", "'")
    after = _profile()
    assert after.ownerLinks is None and after.rev == before.rev and after.pageEtag == before.pageEtag


def test_a_ninth_link_and_a_duplicate_are_refused(owner):
    for n in range(8):
        assert _add(owner, f"https://site{n}.example/").status_code == 303
    before = _profile()
    ninth = _add(owner, "https://site8.example/", htmx=True).get_data(as_text=True)
    assert "Your page has 8 links, the most it shows. Remove one first." in ninth
    assert 'id="link-add"' not in ninth                      # the form is gone at the limit
    assert len(_profile().ownerLinks) == 8 and _profile().rev == before.rev
    post(owner, f"/dashboard/links/{before.ownerLinks[0]['id']}/remove", {})
    again = _add(owner, "https://site1.example/", htmx=True).get_data(as_text=True)
    assert "That link is already on your page." in again and len(_profile().ownerLinks) == 7


def test_move_and_remove_with_and_without_htmx_and_the_page_follows(owner, app):
    for url in (BANDCAMP, MASTODON, "https://band.example/"):
        _add(owner, url)
    first, second, third = (link["id"] for link in _profile().ownerLinks)
    moved = post(owner, f"/dashboard/links/{third}/move", {"direction": "up"}, htmx=True).get_data(as_text=True)
    assert "Moved up." in moved and f'id="feedback-link-{third}" hx-swap-oob="innerHTML"' in moved
    assert [link["id"] for link in _profile().ownerLinks] == [first, third, second]
    plain = post(owner, f"/dashboard/links/{first}/move", {"direction": "up"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/dashboard#link-{first}")
    assert "It is already at the top." in owner.get("/dashboard").get_data(as_text=True)
    post(owner, f"/dashboard/links/{first}/move", {"direction": "down"})
    assert [link["id"] for link in _profile().ownerLinks] == [third, first, second]
    removed = post(owner, f"/dashboard/links/{third}/remove", {}, htmx=True).get_data(as_text=True)
    assert "Link removed." in removed and "band.example" not in removed
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert "band.example" not in page and page.index("nadia.bandcamp.com") < page.index("mastodon.social")
    gone = post(owner, f"/dashboard/links/{third}/remove", {}, htmx=True).get_data(as_text=True)
    assert "That link is not on your page any more." in gone


def test_go_counts_one_click_and_redirects_to_the_stored_address_only(owner, app, frozen, dynamodb_calls):
    _add(owner, BANDCAMP)
    _add(owner, MASTODON)
    visitor = app.test_client()
    dynamodb_calls.clear()
    answer = visitor.get("/nadia/go/2")
    assert answer.status_code == 302 and answer.headers["Location"] == MASTODON
    assert answer.headers["Cache-Control"] == "no-store"
    # The read, the click limiter's count, then the counter (created by a second update the first time).
    assert dynamodb_calls == [("DynamoDB", "GetItem")] + [("DynamoDB", "UpdateItem")] * 3
    dynamodb_calls.clear()
    visitor.get("/nadia/go/2")                               # the counter exists now: one update
    assert dynamodb_calls == [("DynamoDB", "GetItem"), ("DynamoDB", "UpdateItem"), ("DynamoDB", "UpdateItem")]
    assert visitor.head("/nadia/go/1").status_code == 302   # a HEAD is not a click
    for path in ("/nadia/go/0", "/nadia/go/3", "/nadia/go/-1", "/nadia/go/x", "/nobody/go/1",
                 "/nadia/go/1?to=https://evil.example/"):
        answer = visitor.get(path)
        assert answer.status_code == 404 or answer.headers["Location"] == BANDCAMP
    ids = [link["id"] for link in _profile().ownerLinks]
    assert clicks.last_days("nadia") == {ids[0]: 1, ids[1]: 2}
    assert "evil" not in str(ClickCountModel.get("CLICKS#nadia").counts.as_dict())


def test_go_on_an_unpublished_page_is_a_404_and_counts_nothing(owner, app):
    _add(owner, BANDCAMP)
    post(owner, "/dashboard/unpublish", {})
    assert app.test_client().get("/nadia/go/1").status_code == 404
    with pytest.raises(ClickCountModel.DoesNotExist):
        ClickCountModel.get("CLICKS#nadia")


def test_the_counter_across_two_days_and_the_28_day_window(owner, app):
    _add(owner, BANDCAMP)
    link = _profile().ownerLinks[0]["id"]
    visitor = app.test_client()
    day_one = datetime(2026, 11, 1, 23, 59, tzinfo=timezone.utc)
    try:
        clock.freeze(day_one)
        visitor.get("/nadia/go/1")
        visitor.get("/nadia/go/1")
        clock.freeze(day_one + timedelta(minutes=2))         # just past midnight: a new day
        visitor.get("/nadia/go/1")
        counts = ClickCountModel.get("CLICKS#nadia").counts.as_dict()
        assert counts == {f"2026-11-01/{link}": 2, f"2026-11-02/{link}": 1}
        assert clicks.last_days("nadia") == {link: 3}
        assert "3 clicks in the last 28 days" in owner.get("/dashboard").get_data(as_text=True)
        clock.freeze(day_one + timedelta(days=28))            # Nov 1 left the window; Nov 2 is its first day
        assert clicks.last_days("nadia") == {link: 1}
        assert ClickCountModel.get("CLICKS#nadia").counts.as_dict() == {f"2026-11-02/{link}": 1}
        clock.freeze(day_one + timedelta(days=28, minutes=2))  # a click on Nov 30 drops Nov 2 itself
        visitor.get("/nadia/go/1")
        assert ClickCountModel.get("CLICKS#nadia").counts.as_dict() == {f"2026-11-30/{link}": 1}
    finally:
        clock.freeze(None)


def test_the_dashboard_shows_clicks_per_link(owner, app):
    _add(owner, BANDCAMP, "Records")
    app.test_client().get("/nadia/go/1")
    body = owner.get("/dashboard").get_data(as_text=True)
    assert "Records" in body and "1 click in the last 28 days" in body


@pytest.mark.parametrize("who", ["anonymous", "other user", "no csrf"])
def test_only_the_owner_changes_the_links(owner, app, who):
    _add(owner, BANDCAMP)
    link = _profile().ownerLinks[0]["id"]
    before = _profile().rev
    someone = app.test_client()
    for path, data in (("/dashboard/links", {"url": MASTODON}), (f"/dashboard/links/{link}/remove", {}),
                       (f"/dashboard/links/{link}/move", {"direction": "down"})):
        if who == "anonymous":
            answer = someone.post(path, data={**data, "csrf_token": anonymous_csrf_token(app, someone)})
            assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/signin"
        elif who == "other user":
            sign_in(someone, "tomas")
            assert post(someone, path, data).status_code == 404
        else:
            answer = owner.post(path, data=data)
            assert answer.status_code == 400 and b"did not come from this site" in answer.data
    assert _profile().rev == before and len(_profile().ownerLinks) == 1


def test_one_address_counts_at_most_three_clicks_a_link_an_hour(owner, app, frozen):
    _add(owner, BANDCAMP)
    _add(owner, MASTODON)
    ids = [link["id"] for link in _profile().ownerLinks]
    visitor = app.test_client()
    for _ in range(5):                                   # every click still redirects
        assert visitor.get("/nadia/go/1").headers["Location"] == BANDCAMP
    visitor.get("/nadia/go/2")                           # another link has its own allowance
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    other.get("/nadia/go/1")                             # and another address
    assert clicks.last_days("nadia") == {ids[0]: 4, ids[1]: 1}
    clock.freeze(datetime(2026, 12, 4, 0, 50, tzinfo=timezone.utc))    # the next hour counts again
    visitor.get("/nadia/go/1")
    assert clicks.last_days("nadia") == {ids[0]: 5, ids[1]: 1}
    limiter_items = [item.pk for item in LimitCounterModel.scan(LimitCounterModel.pk.startswith("LIMIT#click#"))]
    assert len(limiter_items) == 4                       # two links, two addresses, two hours (no raw address)
    assert all("198.51.100.7" not in key and "127.0.0.1" not in key for key in limiter_items)


def test_the_owner_clicking_their_own_page_is_not_counted(owner, app):
    _add(owner, BANDCAMP)
    assert owner.get("/nadia/go/1").headers["Location"] == BANDCAMP
    with pytest.raises(ClickCountModel.DoesNotExist):
        ClickCountModel.get("CLICKS#nadia")
