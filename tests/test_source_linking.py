"""Linking sources to one page: a Spotify owner links ListenBrainz (MusicBrainz consent), switches the
page to it, and can then sign in with either account; an account that owns another page is refused;
the AI writer follows the page's source. Real stand-ins, real DynamoDB Local, no mocks."""
import pytest

from anchor.ai.prompt import TOOL_NAME
from anchor.models import AccountModel
from anchor.profiles import service
from anchor.refresh import engine
from tests.source_web_helpers import (ONE_FETCH, claim_with, dashboard_text, link_listenbrainz, public_page, publish,
                                      sign_in_listenbrainz, signed_in_as, stats_requests)
from tests.web_helpers import claim, post



@pytest.fixture
def app(source_app):
    return source_app



def profile_of(app, handle):
    with app.app_context():
        return service.get(handle)


def account_handle(app, account_id):
    with app.app_context():
        try:
            return AccountModel.get(f"ACCOUNT#{account_id}", consistent_read=True).handle
        except AccountModel.DoesNotExist:
            return None


@pytest.fixture
def spotify_owner(app, spotify_sandbox):
    """A Spotify owner of the published page /nadia."""
    client = app.test_client()
    assert claim(client, "nadia").status_code == 303
    publish(client)
    return client


def test_link_listenbrainz_switch_and_sign_in_with_either(spotify_owner, app, brainz_standin):
    spotify_data = profile_of(app, "nadia").listening
    assert spotify_data["source"] == "spotify"

    answer = link_listenbrainz(spotify_owner, "grimnir")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    assert signed_in_as(spotify_owner) == "spotify:nadia"           # linking is not a new sign-in
    assert "ListenBrainz is linked" in dashboard_text(spotify_owner)
    linked = profile_of(app, "nadia")
    assert linked.links == {"spotify": "nadia", "listenbrainz": "grimnir"}
    assert linked.source == "spotify" and linked.listening == spotify_data      # shown only when chosen
    assert account_handle(app, "listenbrainz:grimnir") == "nadia"
    assert stats_requests(brainz_standin) == 0

    answer = post(spotify_owner, "/dashboard/source", {"source": "listenbrainz"})
    assert answer.status_code == 303
    switched = profile_of(app, "nadia")
    assert switched.source == "listenbrainz" and switched.links == linked.links
    assert stats_requests(brainz_standin) == ONE_FETCH
    data = switched.listening
    assert data["source"] == "listenbrainz" and set(data["ranges"]) == {"month", "half_year", "all_time"}
    assert data["ranges"]["all_time"]["artists"][0]["name"] == "Metallica"
    assert switched.copyHash == switched.dataHash                  # the copy follows the new data
    assert "Your page now shows ListenBrainz" in dashboard_text(spotify_owner)
    body = public_page(app, "nadia").get_data(as_text=True)
    assert "Metallica" in body and "Listening statistics from" in body and "Data from" not in body

    # Later, signing in with the linked ListenBrainz account opens the same page's dashboard.
    post(spotify_owner, "/logout", {})
    browser = app.test_client()
    answer = sign_in_listenbrainz(browser, "grimnir")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    assert signed_in_as(browser) == "listenbrainz:grimnir"
    page = dashboard_text(browser)
    assert "anchor.band/nadia" in page and "Claim your handle" not in page
    assert post(browser, "/dashboard/refresh", {}).status_code == 303   # and may act on it
    assert profile_of(app, "nadia").lastManualRefreshAt is not None


def test_an_account_that_owns_another_page_is_refused(spotify_owner, app, brainz_standin):
    other = app.test_client()
    assert claim_with(other, "listenbrainz", "grimnir").status_code == 303
    theirs_before = profile_of(app, "grimnir")
    mine_before = profile_of(app, "nadia")

    answer = link_listenbrainz(spotify_owner, "grimnir")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    page = dashboard_text(spotify_owner)
    assert ("This ListenBrainz account already belongs to another Anchor.band page. "
            "Sign in with it to manage that page.") in page
    assert signed_in_as(spotify_owner) == "spotify:nadia"
    mine, theirs = profile_of(app, "nadia"), profile_of(app, "grimnir")
    assert mine.links == {"spotify": "nadia"} and mine.version == mine_before.version
    assert mine.source == "spotify" and mine.listening == mine_before.listening
    assert theirs.links == theirs_before.links and theirs.version == theirs_before.version
    assert account_handle(app, "listenbrainz:grimnir") == "grimnir"

    # Nor can the page be switched to a source that was not linked.
    post(spotify_owner, "/dashboard/source", {"source": "listenbrainz"})
    assert "Link ListenBrainz first." in dashboard_text(spotify_owner)
    assert profile_of(app, "nadia").source == "spotify"


def test_ai_writer_follows_the_source(app, spotify_sandbox, brainz_standin, bedrock_standin):
    app.config.update(AI_PROVIDER="bedrock")
    owner = app.test_client()
    claim(owner, "nadia")
    first = profile_of(app, "nadia")
    assert first.bio and first.copyMeta["provider"] == "offline" and bedrock_standin.count == 0

    spotify_sandbox.mutate("nadia")
    with app.app_context():
        result = engine.refresh_profile("nadia", "scheduled")
    assert result.outcome == "refreshed" and not result.ai_called
    changed = profile_of(app, "nadia")
    assert changed.dataHash != first.dataHash and changed.copyHash == changed.dataHash
    assert changed.copyMeta["provider"] == "offline" and bedrock_standin.count == 0   # Spotify: never

    link_listenbrainz(owner, "grimnir")
    post(owner, "/dashboard/source", {"source": "listenbrainz"})
    switched = profile_of(app, "nadia")
    assert switched.source == "listenbrainz" and switched.copyMeta["provider"] == "bedrock"
    assert len(bedrock_standin.asked(TOOL_NAME)) == 1                   # ListenBrainz: allowed
    assert "Metallica" in str(bedrock_standin.requests[0][1])
