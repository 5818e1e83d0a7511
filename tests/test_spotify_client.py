"""SpotifyClient against the sandbox over real HTTP: grants, retries, rate limits, shapes."""

import json
import re

import pytest

from anchor.limits import CallBudget
from anchor.sources.base import (AccessTokenRejected, BadResponse, BudgetExhausted, CredentialsRevoked,
                                 RateLimited, SourceError, SourceUnavailable)
from anchor.sources.spotify import SpotifyClient, TokenSet
from devstack.spotify_data import HAND_MADE, XSS_PROBE
from tests.spotify_fixtures import sign_in


def hits(sandbox, path):
    return sandbox.stats()["paths"][path]


def test_exchange_code_and_profile(spotify_sandbox, spotify_client):
    signed = sign_in(spotify_sandbox, "nadia")
    tokens = spotify_client.exchange_code(signed["code"], signed["redirect_uri"], signed["verifier"])
    assert isinstance(tokens, TokenSet) and tokens.refresh_token and tokens.scope == "user-top-read"
    assert tokens.access_token not in repr(tokens)
    me = spotify_client.me(tokens.access_token)
    assert me == {"id": "nadia", "display_name": "Nadia Haddad", "url": "https://open.spotify.com/user/nadia",
                  "image": f"{spotify_sandbox.url}/images/u-nadia.png"}


def test_reused_code_raises_invalid_grant(spotify_sandbox, spotify_client):
    signed = sign_in(spotify_sandbox)
    spotify_client.exchange_code(signed["code"], signed["redirect_uri"], signed["verifier"])
    with pytest.raises(CredentialsRevoked):
        spotify_client.exchange_code(signed["code"], signed["redirect_uri"], signed["verifier"])


def test_refresh_with_rotation(spotify_sandbox, spotify_client, spotify_tokens):
    refresh = spotify_tokens("lena")["refresh_token"]
    assert spotify_client.refresh(refresh).refresh_token is None
    spotify_sandbox.set_rotation(True)
    rotated = spotify_client.refresh(refresh)
    assert rotated.refresh_token and rotated.refresh_token != refresh
    with pytest.raises(CredentialsRevoked):
        spotify_client.refresh(refresh)
    assert spotify_client.me(spotify_client.refresh(rotated.refresh_token).access_token)["id"] == "lena"


def test_invalid_grant_fault(spotify_sandbox, spotify_client, spotify_tokens):
    refresh = spotify_tokens("lena")["refresh_token"]
    spotify_sandbox.fail_next("invalid_grant")
    with pytest.raises(CredentialsRevoked) as caught:
        spotify_client.refresh(refresh)
    assert "reconnect" in caught.value.message and refresh not in str(caught.value)


def test_wrong_client_secret(spotify_sandbox, spotify_tokens):
    with SpotifyClient(spotify_sandbox.url, spotify_sandbox.url, spotify_sandbox.client_id, "wrong") as client:
        with pytest.raises(SourceError, match="client credentials"):
            client.refresh(spotify_tokens("lena")["refresh_token"])


def test_short_429_is_honoured(spotify_sandbox, spotify_client, spotify_sleeps, spotify_tokens):
    access = spotify_tokens("aiko")["access_token"]
    spotify_sandbox.fail_next("429", retry_after=2)
    assert spotify_client.me(access)["id"] == "aiko"
    assert hits(spotify_sandbox, "/v1/me") == 2 and spotify_sleeps.calls == [2.0]


def test_long_429_raises_without_hammering(spotify_sandbox, spotify_client, spotify_sleeps, spotify_tokens):
    access = spotify_tokens("aiko")["access_token"]
    spotify_sandbox.fail_next("429", retry_after=3600)
    with pytest.raises(RateLimited) as caught:
        spotify_client.top_artists(access)
    assert hits(spotify_sandbox, "/v1/me/top/artists") == 1 and spotify_sleeps.calls == []
    assert caught.value.retry_after == 3600
    assert re.fullmatch(r"Spotify rate limited us until \d\d:\d\d UTC", caught.value.message)
    assert caught.value.until.tzinfo is not None


def test_garbled_retry_after_defaults_to_one_second(spotify_sandbox, spotify_client, spotify_sleeps,
                                                    spotify_tokens):
    access = spotify_tokens("aiko")["access_token"]
    spotify_sandbox.fail_next("429", retry_after="soon")
    spotify_client.me(access)
    assert spotify_sleeps.calls == [1.0]


def test_rate_limit_window_gives_rate_limited(spotify_sandbox, spotify_client, spotify_tokens):
    access = spotify_tokens("aiko")["access_token"]
    spotify_sandbox.set_rate_limit(2, 120)
    spotify_client.me(access)
    spotify_client.me(access)
    with pytest.raises(RateLimited) as caught:
        spotify_client.me(access)
    assert 100 < caught.value.retry_after <= 120 and hits(spotify_sandbox, "/v1/me") == 3


def test_500_is_retried_with_jittered_backoff(spotify_sandbox, spotify_client, spotify_sleeps, spotify_tokens):
    access = spotify_tokens("tomas")["access_token"]
    spotify_sandbox.fail_next("500", count=2)
    assert len(spotify_client.top_tracks(access)) >= 30
    assert hits(spotify_sandbox, "/v1/me/top/tracks") == 3
    assert len(spotify_sleeps.calls) == 2 and 0 <= spotify_sleeps.calls[0] <= 0.5 and spotify_sleeps.calls[1] <= 1


def test_persistent_503_gives_unavailable(spotify_sandbox, spotify_client, spotify_tokens):
    access = spotify_tokens("tomas")["access_token"]
    spotify_sandbox.fail_next("503", count=10)
    with pytest.raises(SourceUnavailable, match="try again later"):
        spotify_client.me(access)
    assert hits(spotify_sandbox, "/v1/me") == spotify_client.max_retries + 1


def test_5xx_on_token_endpoint_is_retried(spotify_sandbox, spotify_client, spotify_tokens):
    refresh = spotify_tokens("tomas")["refresh_token"]
    spotify_sandbox.fail_next("503")
    assert spotify_client.refresh(refresh).access_token
    assert hits(spotify_sandbox, "/api/token") == 2


def test_slow_answer_times_out_and_is_retried(spotify_sandbox, spotify_sleeps, spotify_tokens):
    access = spotify_tokens("marcus")["access_token"]
    spotify_sandbox.fail_next("slow", delay=0.6)
    with SpotifyClient(spotify_sandbox.url, spotify_sandbox.url, "anchor-demo", "anchor-demo-secret",
                       timeout=(1.0, 0.2), sleep=spotify_sleeps) as client:
        assert client.me(access)["id"] == "marcus"
    assert hits(spotify_sandbox, "/v1/me") == 2 and len(spotify_sleeps.calls) == 1


def test_unreachable_spotify(spotify_sleeps):
    with SpotifyClient("http://127.0.0.1:9", "http://127.0.0.1:9", "id", "secret", max_retries=1,
                       sleep=spotify_sleeps) as client:
        with pytest.raises(SourceUnavailable):
            client.me("token")
    assert len(spotify_sleeps.calls) == 1


@pytest.mark.parametrize("body, fragment", [
    ("<html>not json {", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"href": "x"}', "no list of items"),
    ('{"items": {"id": "x"}}', "no list of items"),
    ('{"items": [null]}', "item #1 is not an object"),
    ('{"items": [{"name": "no id"}]}', "item #1 has no id"),
    ('{"items": [{"id": "a", "name": "A"}, {"id": "b"}]}', "item #2 has no name"),
    ('{"items": [{"id": "a", "name": "A", "album": "x"}], "next": null}', "malformed album"),
    ('{"items": [], "next": "https://evil.example/v1/me/top/tracks"}', "unexpected next page"),
])
def test_malformed_answers_raise_bad_response(spotify_sandbox, spotify_client, spotify_tokens, body, fragment):
    access = spotify_tokens("nadia")["access_token"]
    spotify_sandbox.fail_next("garbage", body=body)
    with pytest.raises(BadResponse, match=re.escape(fragment)):
        spotify_client.top_tracks(access)


@pytest.mark.parametrize("body", ['{"token_type": "Bearer"}', '{"access_token": "x", "expires_in": "soon"}',
                                  '{"access_token": "x", "expires_in": 3600, "refresh_token": 5}', "nope"])
def test_malformed_token_answers(spotify_sandbox, spotify_client, spotify_tokens, body):
    refresh = spotify_tokens("nadia")["refresh_token"]
    spotify_sandbox.fail_next("garbage", body=body)
    with pytest.raises(BadResponse):
        spotify_client.refresh(refresh)


def test_me_without_id_is_bad_response(spotify_sandbox, spotify_client, spotify_tokens):
    spotify_sandbox.fail_next("garbage", body=json.dumps({"display_name": "x"}))
    with pytest.raises(BadResponse, match="no user id"):
        spotify_client.me(spotify_tokens("nadia")["access_token"])


def test_rejected_access_token(spotify_client):
    with pytest.raises(AccessTokenRejected) as caught:
        spotify_client.me("not-a-real-token")
    assert isinstance(caught.value, SourceError) and caught.value.message == "Spotify rejected the access token"


def test_budget_counts_every_attempt(spotify_sandbox, spotify_sleeps, spotify_tokens):
    access = spotify_tokens("ifeoma")["access_token"]
    budget = CallBudget(limit=3)
    spotify_sandbox.fail_next("500")
    with SpotifyClient(spotify_sandbox.url, spotify_sandbox.url, "anchor-demo", "anchor-demo-secret",
                       sleep=spotify_sleeps, budget=budget) as client:
        client.me(access)
        assert budget.count == 2 and budget.remaining == 1
        client.me(access)
        with pytest.raises(BudgetExhausted):
            client.me(access)
    assert budget.count == 3 and hits(spotify_sandbox, "/v1/me") == 3


def test_top_tracks_follows_paging(spotify_sandbox, spotify_client, spotify_tokens):
    access = spotify_tokens("nadia")["access_token"]
    tracks = spotify_client.top_tracks(access, limit=120)
    assert len(tracks) == 38 and len({t["id"] for t in tracks}) == 38
    assert len(spotify_client.top_tracks(access, limit=10)) == 10


def test_artists_are_normalized_without_dev_mode_fields(spotify_sandbox, spotify_client, spotify_tokens):
    artists = spotify_client.top_artists(spotify_tokens("marcus")["access_token"], limit=20)
    assert len(artists) == 18 and [a["rank"] for a in artists] == list(range(1, 19))
    assert all(set(a) == {"id", "name", "url", "image", "rank"} for a in artists)
    assert all(a["image"].endswith(".png") and "-64" not in a["image"] for a in artists)


@pytest.mark.parametrize("listener", list(HAND_MADE) + ["xss-probe", "listener-00002"])
def test_every_demo_listener_fills_a_page(spotify_client, spotify_tokens, listener):
    data = spotify_client.fetch_profile_data(spotify_tokens(listener)["access_token"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["fetchedAt"])
    assert data["timeRange"] == "medium_term"
    assert len(data["albums"]) >= 8 and len(data["artists"]) >= 10
    assert data["albums"][0]["trackCount"] >= 2


def test_mutate_changes_profile_data(spotify_sandbox, spotify_client, spotify_tokens):
    access = spotify_tokens("lena")["access_token"]
    before = spotify_client.fetch_profile_data(access)
    assert spotify_client.fetch_profile_data(access)["albums"] == before["albums"]
    spotify_sandbox.mutate("lena")
    after = spotify_client.fetch_profile_data(access)
    assert (after["albums"], after["artists"]) != (before["albums"], before["artists"])
    short = spotify_client.fetch_profile_data(access, time_range="short_term")
    assert short["albums"] != after["albums"]
    with pytest.raises(ValueError):
        spotify_client.fetch_profile_data(access, time_range="forever")


def test_adversarial_payloads_come_through_unchanged(spotify_client, spotify_tokens):
    access = spotify_tokens("xss-probe")["access_token"]
    display_name, _, albums, extras = XSS_PROBE
    assert spotify_client.me(access)["display_name"] == display_name
    data = spotify_client.fetch_profile_data(access)
    assert {a["name"] for a in data["albums"]} == {album[1] for album in albums}
    expected_artists = {album[0] for album in albums} | set(extras)
    assert {a["name"] for a in data["artists"]} == expected_artists
    by_name = {a["name"]: a for a in data["albums"]}
    assert by_name["No artwork at all"]["image"] is None
    assert by_name["javascript:alert(document.cookie)"]["year"] is None
    assert any("<script>" in a["name"] for a in data["albums"])


def test_paced_budget_spreads_requests_evenly():
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 6))
        now[0] += seconds
    budget = CallBudget(limit=5, rate_per_second=4, sleep=sleep, clock=lambda: now[0])
    for _ in range(5):
        budget.take()
    assert waits == [0.25, 0.25, 0.25, 0.25]          # first goes at once, then one every 1/4 s
    assert budget.remaining == 0
    import pytest
    from anchor.sources.base import BudgetExhausted
    with pytest.raises(BudgetExhausted):
        budget.take()
