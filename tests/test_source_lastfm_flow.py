"""Last.fm end to end: web-auth sign-in with the signed single-use nonce, claim and first fetch, publish,
refresh with and without change (never through the AI model), faults that keep the last good page, and
the public page's one read. Real stand-ins, real DynamoDB Local, no mocks."""
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from markupsafe import escape

from anchor import clock
from anchor.profiles import service
from anchor.refresh import engine
from tests.source_web_helpers import (app_path, claim_with, dashboard_text, lastfm_callback, lastfm_consent,
                                      public_page, publish, query_of, shown_names, sign_in_lastfm, signed_in_as,
                                      start_lastfm)
from tests.web_helpers import post

USER = "ella_bluenote"
HANDLE = "ella-bluenote"
TOP_METHODS = ("/2.0/user.gettopartists", "/2.0/user.gettopalbums")


@pytest.fixture
def app(source_app):
    return source_app


def top_requests(standin):
    paths = standin.stats()["paths"]
    return sum(paths.get(p, 0) for p in TOP_METHODS)


@pytest.fixture
def owner(app, lastfm_standin):
    """A signed-in Last.fm owner with a claimed, published page (first fetch done)."""
    client = app.test_client()
    assert claim_with(client, "lastfm", USER, HANDLE).status_code == 303
    publish(client)
    return client


def refresh(app, handle=HANDLE):
    with app.app_context():
        return engine.refresh_profile(handle, "scheduled")


def profile_of(app, handle=HANDLE):
    with app.app_context():
        return service.get(handle)


def pending_nonces(client):
    with client.session_transaction() as session:
        return list(session.get("lastfm_nonces", []))


def with_n(callback, n):
    """The callback URL with its `n` replaced (None drops it)."""
    query = query_of(callback)
    query.pop("n")
    extra = "" if n is None else f"&n={n}"
    return f"/auth/lastfm/callback?token={query['token']}{extra}"


# -- sign-in ------------------------------------------------------------------------------------
def test_sign_in_ends_on_the_dashboard_as_the_lastfm_account(client, lastfm_standin):
    auth_url = start_lastfm(client)
    query = query_of(auth_url)
    assert query["api_key"] == "anchor-demo-key"
    assert query["cb"].startswith("http://127.0.0.1:5000/auth/lastfm/callback?n=")
    answer = client.get(app_path(lastfm_consent(auth_url, USER)))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    assert signed_in_as(client) == "lastfm:ella_bluenote"
    assert "Claim your handle" in dashboard_text(client)
    assert lastfm_standin.stats()["paths"]["/2.0/auth.getsession"] == 1
    assert top_requests(lastfm_standin) == 0


def test_a_return_without_n_is_finished_by_its_own_token_only(client, app, lastfm_standin):
    """Last.fm may send the browser to the registered callback with the token alone: the token
    still has to be the one recorded for a sign-in this browser started."""
    callback = lastfm_callback(client, USER)
    other = app.test_client()
    other_callback = lastfm_callback(other, "grimnir")
    # This browser with another browser's token and no n: no record of this browser matches.
    answer = client.get(with_n(other_callback, None))
    assert answer.status_code == 400 and b"Sign-in expired" in answer.data
    assert signed_in_as(client) is None
    # A browser that started nothing, with this browser's token: refused too.
    assert app.test_client().get(with_n(callback, None)).status_code == 400
    assert lastfm_standin.stats()["paths"].get("/2.0/auth.getsession", 0) == 0
    # Its own token without n: signed in, once.
    assert client.get(with_n(callback, None)).status_code == 302
    assert signed_in_as(client) == "lastfm:ella_bluenote"
    assert client.get(with_n(callback, None)).status_code == 400


def test_callback_without_or_with_a_forged_nonce_is_refused(client, app, lastfm_standin):
    callback = lastfm_callback(client, USER)
    (nonce,) = pending_nonces(client)
    real_n = query_of(callback)["n"]
    forged = [
        "",                                                                # an empty n
        real_n[:-2] + ("AA" if not real_n.endswith("AA") else "BB"),       # tampered signature
        nonce,                                                             # the raw nonce, unsigned
        URLSafeTimedSerializer("not-the-secret", salt="anchor.lastfm-login").dumps(nonce),
        URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="anchor.lastfm-login").dumps("made-up"),
    ]
    for n in forged:
        answer = client.get(with_n(callback, n))
        assert answer.status_code == 400 and b"Sign-in expired" in answer.data, n
        assert signed_in_as(client) is None
    assert lastfm_standin.stats()["paths"].get("/2.0/auth.getsession", 0) == 0   # refused before Last.fm
    # The real callback still works (nothing above used the nonce or the token up) ...
    assert client.get(app_path(callback)).status_code == 302
    assert signed_in_as(client) == "lastfm:ella_bluenote"
    # ... and only once.
    again = client.get(app_path(callback))
    assert again.status_code == 400 and b"Sign-in expired" in again.data


def test_a_valid_nonce_is_single_use(client, lastfm_standin):
    first = lastfm_callback(client, USER)
    second = lastfm_callback(client, USER)
    assert len(pending_nonces(client)) == 2
    # The first comes back without a token (Last.fm had nothing to give): that uses it up.
    cancelled = client.get(f"/auth/lastfm/callback?n={query_of(first)['n']}")
    assert cancelled.status_code == 200 and b"Sign-in cancelled" in cancelled.data
    assert len(pending_nonces(client)) == 1
    replay = client.get(app_path(first))                       # same n, now with a good token
    assert replay.status_code == 400 and b"Sign-in expired" in replay.data
    assert signed_in_as(client) is None
    assert client.get(app_path(second)).status_code == 302
    assert signed_in_as(client) == "lastfm:ella_bluenote"


def test_a_nonce_from_another_browser_is_refused(app, lastfm_standin):
    mine, theirs = app.test_client(), app.test_client()
    callback = lastfm_callback(mine, USER)
    start_lastfm(theirs)                                       # the other browser has a sign-in of its own
    stolen = theirs.get(app_path(callback))
    assert stolen.status_code == 400 and b"Sign-in expired" in stolen.data
    assert signed_in_as(theirs) is None
    assert mine.get(app_path(callback)).status_code == 302
    assert signed_in_as(mine) == "lastfm:ella_bluenote"


def test_thirty_cancelled_sign_ins_then_a_good_one(client, lastfm_standin):
    for _ in range(30):
        assert lastfm_consent(start_lastfm(client), cancel=True) is None
    assert len(pending_nonces(client)) == 5                   # the oldest are dropped
    assert len(client.get_cookie("session").value) < 1024
    answer = sign_in_lastfm(client, USER)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    assert signed_in_as(client) == "lastfm:ella_bluenote"


# -- claim, first fetch, publish --------------------------------------------------------------
def test_claim_fetches_three_ranges_then_publish(client, app, lastfm_standin):
    claim_with(client, "lastfm", USER, HANDLE)
    assert top_requests(lastfm_standin) == 6
    profile = profile_of(app)
    assert profile.ownerId == "lastfm:ella_bluenote" and profile.source == "lastfm"
    assert profile.links == {"lastfm": "ella_bluenote"}
    data = profile.listening
    assert data["source"] == "lastfm" and set(data["ranges"]) == {"month", "half_year", "all_time"}
    for name, found in data["ranges"].items():
        assert found["artists"] and found["albums"], name
    ever = data["ranges"]["all_time"]
    assert ever["artists"][0]["name"] == "Miles Davis" and ever["artists"][0]["plays"] > 0
    assert all(a["image"] is None for a in ever["artists"])   # Last.fm's grey star is dropped
    covers = [a["image"] for a in ever["albums"] if a["image"]]
    assert covers and all(u.startswith(f"{lastfm_standin.url}/i/u/300x300/") for u in covers)
    assert all(a["url"].startswith("https://www.last.fm/music/") for a in ever["albums"])
    assert profile.bio and profile.copyMeta["provider"] == "offline"
    assert "Your Last.fm data is in." in dashboard_text(client)

    publish(client)
    body = public_page(app, HANDLE).get_data(as_text=True)
    artists, albums = shown_names(profile)
    for name in artists[:5] + albums[:5]:
        assert str(escape(name)) in body
    assert "Listening data from" in body and ">Last.fm</a>" in body
    assert "ListenBrainz" not in body and "Data from" not in body and "template writer" in body


def test_private_user_is_told_how_to_fix_it(client, app, lastfm_standin):
    claim_with(client, "lastfm", "private-eye")
    page = dashboard_text(client)
    assert "anchor.band/private-eye" in page and "listening data is private" in page
    assert "privacy settings" in page
    profile = profile_of(app, "private-eye")
    assert not service.has_data(profile)
    # Connecting cannot help (the sign-in keeps no session key): the owner is told what does.
    assert "then refresh" in profile.lastRefreshMessage and "connect" not in profile.lastRefreshMessage


def test_an_account_with_no_scrobbles_is_told_so_plainly(client, app, lastfm_standin):
    app.config.update(AI_PROVIDER="bedrock")
    claim_with(client, "lastfm", "quiet-room")
    page = dashboard_text(client)
    assert "Your Last.fm data is in." not in page and "Refreshed from Last.fm" not in page
    assert "Last.fm has no listening history for this account yet" in page
    assert "fills in when you refresh after your first listens reach Last.fm" in page
    assert not service.available_ranges(profile_of(app, "quiet-room"))
    # No copy yet: "Write copy" names the writer it would use, and Last.fm's data stays offline.
    assert "Bio and album lines from your data (offline writer)" in page
    assert "Amazon Bedrock" not in page


# -- refresh and AI ---------------------------------------------------------------------------
def test_refresh_never_sends_lastfm_data_to_the_model(client, app, lastfm_standin, bedrock_standin):
    app.config.update(AI_PROVIDER="bedrock")
    claim_with(client, "lastfm", USER, HANDLE)
    first = profile_of(app)
    assert first.bio and first.copyMeta["provider"] == "offline"
    assert "offline writer (its terms keep it from AI models)" in dashboard_text(client)

    same = refresh(app)
    assert same.outcome == "unchanged" and not same.ai_called
    unchanged = profile_of(app)
    assert unchanged.version == first.version and unchanged.bio == first.bio
    assert unchanged.copyMeta["createdAt"] == first.copyMeta["createdAt"]   # no copy regenerated

    lastfm_standin.mutate(USER)
    changed = refresh(app)
    assert changed.outcome == "refreshed" and not changed.ai_called
    after = profile_of(app)
    assert after.listening != first.listening and after.dataHash != first.dataHash
    assert after.copyHash == after.dataHash and after.copyMeta["provider"] == "offline"
    assert bedrock_standin.count == 0


# -- faults -----------------------------------------------------------------------------------
EMPTY_BODY = '{"topartists": {"artist": []}, "topalbums": {"album": []}}'
FAULTS = {
    "unknown-user": (dict(kind="error", code=6), "does not know the user ella_bluenote"),
    "private-user": (dict(kind="error", code=17), "listening data is private"),
    "empty-history": (dict(kind="garbage", count=6, body=EMPTY_BODY), "no listening data"),
    "malformed-json": (dict(kind="garbage", count=6), "not JSON"),
    "server-errors": (dict(kind="503", count=3), "having trouble (HTTP 503)"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_keeps_the_last_good_page(fault, owner, app, lastfm_standin):
    before = profile_of(app)
    good_page = public_page(app, HANDLE).get_data(as_text=True)
    options, expected = FAULTS[fault]
    lastfm_standin.fail_next(options.pop("kind"), **options)
    started = clock.now()
    assert post(owner, "/dashboard/refresh", {}).status_code == 303
    after = profile_of(app)
    assert after.lastRefreshStatus == "failed" and after.failureCount == 1
    assert expected in after.lastRefreshMessage and expected in dashboard_text(owner)
    assert timedelta(minutes=59) <= after.nextRefreshAt - started <= timedelta(minutes=61)
    assert after.listening == before.listening and after.bio == before.bio
    assert public_page(app, HANDLE).get_data(as_text=True) == good_page


def test_retry_after_sets_the_next_try(owner, app, lastfm_standin):
    before = profile_of(app)
    lastfm_standin.reset_stats()
    lastfm_standin.fail_next("429", retry_after=5400)
    started = clock.now()
    result = refresh(app)
    assert result.outcome == "rate-limited" and "asked us to slow down" in result.message
    assert top_requests(lastfm_standin) == 1
    after = profile_of(app)
    wait = after.nextRefreshAt - started
    assert timedelta(minutes=90) - timedelta(seconds=5) <= wait <= timedelta(minutes=90, seconds=5)
    assert after.listening == before.listening and after.failureCount == 0
    assert str(escape(shown_names(before)[0][0])) in public_page(app, HANDLE).get_data(as_text=True)


def test_server_errors_then_recovery(owner, app, lastfm_standin):
    before = profile_of(app)
    lastfm_standin.fail_next("500")                            # one: retried within the call
    assert refresh(app).outcome == "unchanged"
    lastfm_standin.fail_next("503", count=3)
    assert refresh(app).outcome == "failed" and profile_of(app).failureCount == 1
    lastfm_standin.mutate(USER)
    assert refresh(app).outcome == "refreshed"
    after = profile_of(app)
    assert after.failureCount == 0 and after.listening != before.listening


def test_public_page_is_one_read_and_contacts_nothing_else(owner, app, dynamodb_calls, only_dynamodb):
    app.extensions["anchor.page_cache"].forget(HANDLE)
    dynamodb_calls.clear()
    page = app.test_client().get(f"/{HANDLE}")
    assert page.status_code == 200 and "Listening data from" in page.get_data(as_text=True)
    assert dynamodb_calls == [("DynamoDB", "GetItem")]
