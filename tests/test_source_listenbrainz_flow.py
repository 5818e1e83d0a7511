"""ListenBrainz end to end: MusicBrainz sign-in (state, PKCE, single-use codes), claim and first fetch,
publish, refresh with and without change (AI only on change), faults that keep the last good page,
a refresh race, and the public page's one read. Real stand-ins, real DynamoDB Local, no mocks."""
import threading
from datetime import timedelta

import pytest
import requests
from markupsafe import escape

from anchor import clock
from anchor.ai.prompt import TOOL_NAME
from anchor.ai.year_prompt import YEAR_TOOL_NAME
from anchor.profiles import service, writes
from anchor.profiles.year_copy import MODEL_YEARS_PER_JOB
from anchor.refresh import engine
from tests.source_web_helpers import (ONE_FETCH, app_path, brainz_consent, claim_with, dashboard_text, public_page,
                                      publish, query_of, shown_names, sign_in_listenbrainz, signed_in_as,
                                      start_listenbrainz, stats_requests)
from tests.web_helpers import post

USER = "grimnir"


@pytest.fixture
def app(source_app):
    return source_app



@pytest.fixture
def owner(app, brainz_standin):
    """A signed-in ListenBrainz owner with a claimed, published page (first fetch done)."""
    client = app.test_client()
    answer = claim_with(client, "listenbrainz", USER)
    assert answer.status_code == 303
    publish(client)
    return client


def refresh(app, handle="grimnir"):
    with app.app_context():
        return engine.refresh_profile(handle, "scheduled")


def profile_of(app, handle="grimnir"):
    with app.app_context():
        return service.get(handle)


# -- sign-in ------------------------------------------------------------------------------------
def test_sign_in_ends_on_the_dashboard_as_the_listenbrainz_account(client, brainz_standin):
    answer = sign_in_listenbrainz(client, USER)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    assert signed_in_as(client) == "listenbrainz:grimnir"
    page = dashboard_text(client)
    assert "Claim your handle" in page
    paths = brainz_standin.stats()["paths"]
    assert paths["/oauth2/token"] == 1 and paths["/oauth2/userinfo"] == 1
    assert stats_requests(brainz_standin) == 0            # nothing fetched before a claim


def test_authorize_request_carries_state_pkce_and_the_registered_callback(client, brainz_standin):
    query = query_of(start_listenbrainz(client))
    assert query["redirect_uri"] == "http://127.0.0.1:5000/auth/listenbrainz/callback"
    assert query["state"] and query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["scope"] == "profile" and query["access_type"] == "online"


def test_wrong_or_missing_state_is_refused(client, brainz_standin):
    callback = brainz_consent(start_listenbrainz(client), USER)
    code = query_of(callback)["code"]
    wrong = client.get(f"/auth/listenbrainz/callback?code={code}&state=forged")
    assert wrong.status_code == 400 and b"Sign-in expired" in wrong.data
    missing = client.get(f"/auth/listenbrainz/callback?code={code}")
    assert missing.status_code == 400 and b"Sign-in expired" in missing.data
    assert signed_in_as(client) is None
    assert brainz_standin.stats()["paths"].get("/oauth2/token", 0) == 0   # refused before any exchange


def test_a_code_cannot_be_replayed(client, app, brainz_standin):
    callback = brainz_consent(start_listenbrainz(client), USER)
    assert client.get(app_path(callback)).status_code == 302
    assert signed_in_as(client) == "listenbrainz:grimnir"
    # The same callback again: its state was used up with the first exchange.
    again = client.get(app_path(callback))
    assert again.status_code == 400 and b"Sign-in expired" in again.data
    # The same code under the state of a new sign-in in another browser: MusicBrainz refuses it.
    other = app.test_client()
    fresh_state = query_of(start_listenbrainz(other))["state"]
    replay = other.get(f"/auth/listenbrainz/callback?code={query_of(callback)['code']}&state={fresh_state}")
    assert replay.status_code == 400 and b"already used" in replay.data
    assert signed_in_as(other) is None


def test_cancelled_consent_saves_nothing(client, brainz_standin):
    callback = brainz_consent(start_listenbrainz(client), cancel=True)
    answer = client.get(app_path(callback))
    assert answer.status_code == 200 and b"Sign-in cancelled" in answer.data
    assert signed_in_as(client) is None


def test_a_token_musicbrainz_rejects_reads_as_a_refusal_not_an_outage(client, brainz_standin):
    callback = brainz_consent(start_listenbrainz(client), USER)
    brainz_standin.fail_next("invalid_token")              # withdrawn between the exchange and userinfo
    answer = client.get(app_path(callback))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "MusicBrainz refused sign-in" in page
    assert "not answering" not in page and "Please start again" in page
    assert signed_in_as(client) is None


# -- claim, first fetch, publish --------------------------------------------------------------
def test_claim_fetches_three_ranges_with_cover_art_then_publish(client, app, brainz_standin):
    claim_with(client, "listenbrainz", USER)
    assert stats_requests(brainz_standin) == ONE_FETCH               # three ranges' top lists, then the years
    profile = profile_of(app)
    assert profile.ownerId == "listenbrainz:grimnir" and profile.source == "listenbrainz"
    assert profile.links == {"listenbrainz": "grimnir"}
    data = profile.listening
    assert data["source"] == "listenbrainz" and set(data["ranges"]) == {"month", "half_year", "all_time"}
    for name, found in data["ranges"].items():
        assert found["artists"] and found["albums"], name
        assert all(isinstance(a["plays"], int) for a in found["artists"] + found["albums"])
    ever = data["ranges"]["all_time"]
    assert ever["artists"][0]["name"] == "Metallica"
    covers = [a["image"] for a in ever["albums"] if a["image"]]
    assert len(covers) >= len(ever["albums"]) // 2
    assert all(url.startswith(f"{brainz_standin.url}/release/") for url in covers)
    art = requests.get(covers[0], timeout=5)                  # the archive's redirect to the image
    assert art.status_code == 200 and art.headers["Content-Type"] == "image/png"
    assert profile.bio and profile.copyHash == profile.dataHash
    assert profile.copyMeta["provider"] == "offline"          # AI_PROVIDER is offline here
    assert "Your ListenBrainz data is in." in dashboard_text(client)

    publish(client)
    page = public_page(app, "grimnir")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    artists, albums = shown_names(profile)
    for name in artists[:5] + albums[:5]:
        assert str(escape(name)) in body
    shown_cover = next(a["image"] for a in data["ranges"]["half_year"]["albums"] if a["image"])
    assert f'src="{escape(shown_cover)}"' in body
    assert "Listening statistics from" in body and ">ListenBrainz</a>" in body
    assert "Cover Art Archive" in body and "Data from" not in body and "Last.fm" not in body
    assert "template writer" in body


def test_statistics_not_computed_at_claim_says_so(client, app, brainz_standin):
    claim_with(client, "listenbrainz", "fresh-start")
    page = dashboard_text(client)
    assert "anchor.band/fresh-start" in page and "has not computed your statistics yet" in page
    profile = profile_of(app, "fresh-start")
    assert not service.has_data(profile) and profile.failureCount == 1


def test_empty_history_at_claim_cannot_be_published(client, app, brainz_standin):
    claim_with(client, "listenbrainz", "quiet-room")
    profile = profile_of(app, "quiet-room")
    assert profile.listening["ranges"]["all_time"] == {"artists": [], "albums": []}
    assert not profile.bio
    post(client, "/dashboard/publish", {})
    assert "There is no listening data yet" in dashboard_text(client)
    assert not profile_of(app, "quiet-room").isPublic


def test_only_all_time_computed_shows_all_time_and_can_publish(client, app, brainz_standin):
    claim_with(client, "listenbrainz", "new-this-month")
    profile = profile_of(app, "new-this-month")
    assert profile.listening["ranges"]["half_year"] == {"artists": [], "albums": []}
    all_time = profile.listening["ranges"]["all_time"]["artists"]
    assert all_time and profile.bio
    post(client, "/dashboard/publish", {})
    assert profile_of(app, "new-this-month").isPublic
    page = public_page(app, "new-this-month").get_data(as_text=True)
    assert all_time[0]["name"].replace("&", "&amp;").replace("'", "&#39;") in page


# -- refresh and AI ---------------------------------------------------------------------------
def test_refresh_unchanged_then_changed_ai_once(app, client, brainz_standin, bedrock_standin):
    app.config.update(AI_PROVIDER="bedrock")
    claim_with(client, "listenbrainz", USER)
    first = profile_of(app)
    assert first.copyMeta["provider"] == "bedrock" and len(bedrock_standin.asked(TOOL_NAME)) == 1
    # and each ListenBrainz year's words once (issue 31 item 5: a year's data may go to the model)
    assert len(bedrock_standin.asked(YEAR_TOOL_NAME)) == min(len(first.years["list"]), MODEL_YEARS_PER_JOB) >= 1
    bedrock_standin.reset()

    same = refresh(app)
    assert same.outcome == "unchanged" and not same.ai_called
    unchanged = profile_of(app)
    assert unchanged.version == first.version and unchanged.bio == first.bio
    assert unchanged.listening == first.listening and bedrock_standin.count == 0
    assert unchanged.copyMeta["createdAt"] == first.copyMeta["createdAt"]   # no copy regenerated

    brainz_standin.mutate(USER)
    changed = refresh(app)
    assert changed.outcome == "refreshed" and changed.ai_called
    assert len(bedrock_standin.asked(TOOL_NAME)) == 1
    after = profile_of(app)
    assert after.listening != first.listening and after.dataHash != first.dataHash
    assert after.copyHash == after.dataHash and after.copyMeta["provider"] == "bedrock"
    sent = str(bedrock_standin.requests[0][1])
    assert shown_names(after)[0][0] in sent                       # the new data reached the model


# -- faults -----------------------------------------------------------------------------------
def _rename_account(app, standin):
    # The MusicBrainz account was renamed or deleted: its old name is unknown to ListenBrainz.
    with app.app_context():
        profile = service.get("grimnir")
        writes.write(profile, {"links": {"listenbrainz": "grimnir-was-renamed"}})


EMPTY_BODY = '{"payload": {"artists": [], "release_groups": [], "count": 0}}'
FAULTS = {
    "unknown-user": (_rename_account, "does not know the user grimnir-was-renamed"),
    "not-computed": (lambda app, s: s.fail_next("204", count=6), "has not computed your statistics yet"),
    "empty-history": (lambda app, s: s.fail_next("garbage", count=6, body=EMPTY_BODY), "no listening data"),
    "malformed-json": (lambda app, s: s.fail_next("garbage", count=6), "not JSON"),
    "server-errors": (lambda app, s: s.fail_next("503", count=3), "having trouble (HTTP 503)"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_keeps_the_last_good_page(fault, owner, app, brainz_standin):
    before = profile_of(app)
    good_page = public_page(app, "grimnir").get_data(as_text=True)
    inject, expected = FAULTS[fault]
    inject(app, brainz_standin)
    started = clock.now()
    answer = post(owner, "/dashboard/refresh", {})            # the owner's button (runs inline)
    assert answer.status_code == 303
    after = profile_of(app)
    assert after.lastRefreshStatus == "failed" and after.failureCount == 1
    assert expected in after.lastRefreshMessage
    assert expected in dashboard_text(owner)
    retry = after.nextRefreshAt - started
    assert timedelta(minutes=59) <= retry <= timedelta(minutes=61)       # backoff: one hour
    assert after.listening == before.listening and after.bio == before.bio
    body = public_page(app, "grimnir").get_data(as_text=True)
    main = lambda page: page.split("<main", 1)[1].split("</main>", 1)[0]  # the footer links the user id
    assert main(body) == main(good_page)                                 # still the last good data


def test_rate_limit_reset_header_sets_the_next_try(owner, app, brainz_standin):
    before = profile_of(app)
    brainz_standin.reset_stats()
    brainz_standin.fail_next("429", reset_in=7200)
    started = clock.now()
    result = refresh(app)
    assert result.outcome == "rate-limited" and "asked us to slow down" in result.message
    assert stats_requests(brainz_standin) == 1                 # no retry inside a two-hour window
    after = profile_of(app)
    assert after.lastRefreshStatus == "rate-limited"
    assert timedelta(hours=2) - timedelta(seconds=5) <= after.nextRefreshAt - started <= timedelta(hours=2, seconds=5)
    assert after.listening == before.listening
    assert str(escape(shown_names(before)[0][0])) in public_page(app, "grimnir").get_data(as_text=True)


def test_server_errors_then_recovery(owner, app, brainz_standin):
    before = profile_of(app)
    brainz_standin.fail_next("500")                            # one 500: retried within the call
    assert refresh(app).outcome == "unchanged"
    brainz_standin.fail_next("503", count=3)                   # every attempt fails: this refresh fails
    assert refresh(app).outcome == "failed"
    assert profile_of(app).failureCount == 1 and profile_of(app).listening == before.listening
    brainz_standin.mutate(USER)
    recovered = refresh(app)                                   # the stand-in is back
    assert recovered.outcome == "refreshed"
    after = profile_of(app)
    assert after.failureCount == 0 and after.lastRefreshStatus == "refreshed"
    assert after.listening != before.listening
    assert after.nextRefreshAt - clock.now() > timedelta(days=6)


# -- races and the public page -----------------------------------------------------------------
def test_twenty_threads_refresh_once(owner, app, brainz_standin):
    brainz_standin.mutate(USER)
    brainz_standin.reset_stats()
    brainz_standin.fail_next("slow", delay=1.5)               # the first request holds the lock a while
    barrier, outcomes = threading.Barrier(20), []

    def attempt():
        with app.app_context():
            barrier.wait()
            outcomes.append(str(engine.refresh_profile("grimnir", "manual").outcome))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert stats_requests(brainz_standin) == ONE_FETCH                 # one fetch
    assert sorted(outcomes) == ["refreshed"] + ["skipped-locked"] * 19


def test_public_page_is_one_read_and_contacts_nothing_else(owner, app, dynamodb_calls, only_dynamodb):
    app.extensions["anchor.page_cache"].forget("grimnir")
    dynamodb_calls.clear()
    visitor = app.test_client()
    page = visitor.get("/grimnir")
    assert page.status_code == 200 and "Listening statistics from" in page.get_data(as_text=True)
    assert dynamodb_calls == [("DynamoDB", "GetItem")]


def test_each_app_signs_in_against_its_own_musicbrainz(app, make_config, brainz_standin):
    from anchor import create_app
    elsewhere = create_app(make_config(MUSICBRAINZ_URL="http://127.0.0.1:9/elsewhere"))
    assert start_listenbrainz(elsewhere.test_client()).startswith("http://127.0.0.1:9/elsewhere/oauth2/authorize?")
    assert start_listenbrainz(app.test_client()).startswith(f"{brainz_standin.url}/oauth2/authorize?")


def test_a_published_listenbrainz_page_has_year_pages_counted_in_listens(owner, app, brainz_standin):
    # The first fetch read the calendar-year statistics; the visitor's year page says listens, the
    # number being the listens of that year's months from the stand-in.
    profile = profile_of(app)
    from anchor.pages import year_view
    with app.app_context():
        entries = year_view.visible_years(profile)
    years = [entry["year"] for entry in entries]
    assert years, "no year pages after a ListenBrainz first fetch"
    assert entries[0]["plays"] > 0 and entries[0]["unit"] == "listens"
    page = public_page(app, "grimnir").get_data(as_text=True)
    year = years[0]
    assert f'href="/grimnir/{year}"' in page
    app.extensions["anchor.page_cache"].forget(f"grimnir/{year}")
    answer = app.test_client().get(f"/grimnir/{year}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and f"{entries[0]['plays']:,} listens" in text
    assert "None" not in text and "0 minutes" not in text
