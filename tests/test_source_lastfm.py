"""LastfmClient against the Last.fm stand-in over real HTTP: auth, normalisation, error mapping, retries."""
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from anchor.sources.base import (BadResponse, CredentialsRevoked, RateLimited, SourceError, SourceUnavailable,
                                 UnknownUser)
from anchor.sources.lastfm import LastfmClient, auth_url
from tests.source_fixtures import LASTFM_CALLBACK, CountingBudget, lastfm_sign_in

TOP_PATHS = ("/2.0/user.gettopartists", "/2.0/user.gettopalbums")


def hits(standin):
    return sum(standin.stats()["paths"].get(p, 0) for p in TOP_PATHS)


@pytest.fixture
def fm_client(lastfm_standin, source_sleeps):
    """A client pointed at the stand-in, with small timeouts and recorded sleeps."""
    client = LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                          timeout=(0.5, 0.3), sleep=source_sleeps, allow_loopback=True)
    yield client
    client.close()


def test_sign_matches_the_documented_recipe(fm_client, lastfm_standin):
    params = {"method": "auth.getSession", "token": "abc", "api_key": "k", "format": "json"}
    expected = hashlib.md5(f"api_keykmethodauth.getSessiontokenabc{lastfm_standin.shared_secret}".encode()).hexdigest()
    assert fm_client.sign(params) == expected
    assert lastfm_standin.shared_secret not in repr(fm_client)


def test_auth_url_and_session(lastfm_standin, fm_client):
    url = auth_url(f"{lastfm_standin.url}/api/auth", lastfm_standin.api_key, LASTFM_CALLBACK)
    assert parse_qs(urlsplit(url).query) == {"api_key": [lastfm_standin.api_key], "cb": [LASTFM_CALLBACK]}
    token = lastfm_sign_in(lastfm_standin, "sofia_cumbia")
    name, key = fm_client.get_session(token)
    assert name == "sofia_cumbia" and len(key) == 32
    with pytest.raises(CredentialsRevoked):
        fm_client.get_session(token)  # single use


def test_wrong_secret_is_a_site_problem(lastfm_standin):
    token = lastfm_standin.issue_token("grimnir")["token"]
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, "wrong") as client:
        with pytest.raises(SourceError, match="signature") as caught:
            client.get_session(token)
    assert type(caught.value) is SourceError


def test_fetch_normalises_three_periods(lastfm_standin, fm_client):
    data = fm_client.fetch("Punctuation_Pete")
    assert data["source"] == "lastfm" and set(data["ranges"]) == {"month", "half_year", "all_time"}
    ever = data["ranges"]["all_time"]
    artist = ever["artists"][0]
    assert artist["name"] == "AC/DC" and artist["url"] == "https://www.last.fm/music/AC%2FDC"
    assert artist["image"] is None  # the placeholder star is dropped
    assert isinstance(artist["plays"], int) and artist["rank"] == 1
    album = ever["albums"][0]
    assert album["artists"] == ["AC/DC"] and album["year"] is None and album["plays"] > ever["albums"][-1]["plays"]
    assert album["image"].startswith(f"{lastfm_standin.url}/i/u/300x300/")
    unmatched = next(a for a in ever["albums"] if "Tapes" in a["name"])
    assert unmatched["image"] is None and unmatched["id"].startswith("name:")
    assert data["ranges"]["month"]["artists"] != ever["artists"]
    assert hits(lastfm_standin) == 6
    params = lastfm_standin.stats()["paths"]
    assert params["/2.0/user.gettopartists"] == 3


def test_images_need_a_known_cdn_host(lastfm_standin):
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret) as client:
        albums = client.fetch("grimnir")["ranges"]["all_time"]["albums"]
    assert all(a["image"] is None for a in albums) and all(a["url"].startswith("https://www.last.fm/") for a in albums)


def test_empty_history(fm_client):
    assert all(r == {"artists": [], "albums": []} for r in fm_client.fetch("quiet-room")["ranges"].values())


def test_unknown_user_even_with_http_200(lastfm_standin, fm_client):
    with pytest.raises(UnknownUser, match="nobody"):
        fm_client.fetch("nobody")
    lastfm_standin.set_errors_as_200(True)
    with pytest.raises(UnknownUser):
        fm_client.fetch("nobody")


def test_private_user_and_own_session(lastfm_standin, fm_client):
    with pytest.raises(UnknownUser, match="private"):
        fm_client.fetch("private-eye")
    session = lastfm_standin.issue_session("private-eye")
    assert fm_client.fetch("private-eye", session["key"])["ranges"]["all_time"]["artists"]
    lastfm_standin.revoke("private-eye")
    with pytest.raises(CredentialsRevoked) as caught:
        fm_client.fetch("private-eye", session["key"])
    assert session["key"] not in caught.value.message


@pytest.mark.parametrize("code", [10, 26])
def test_refused_api_key_is_app_wide(lastfm_standin, fm_client, code):
    lastfm_standin.fail_next("error", code=code)
    with pytest.raises(SourceError, match="API key") as caught:
        fm_client.fetch("grimnir")
    assert type(caught.value) is SourceError and hits(lastfm_standin) == 1


@pytest.mark.parametrize("code", [8, 11, 16])
def test_temporary_errors_retried_then_recovered(lastfm_standin, fm_client, source_sleeps, code):
    lastfm_standin.set_errors_as_200(code == 8)
    lastfm_standin.fail_next("error", code=code, count=2)
    assert fm_client.top("grimnir", "artists", "overall", 5)
    assert hits(lastfm_standin) == 3 and len(source_sleeps.calls) == 2


def test_5xx_without_body_gives_up(lastfm_standin, fm_client):
    lastfm_standin.fail_next("503", count=3)
    with pytest.raises(SourceUnavailable):
        fm_client.top("grimnir", "albums", "overall", 5)
    assert hits(lastfm_standin) == 3


def test_rate_limit_with_and_without_retry_after(lastfm_standin, fm_client, source_sleeps):
    lastfm_standin.fail_next("429", retry_after=2)
    assert fm_client.top("grimnir", "artists", "overall", 5)
    assert source_sleeps.calls == [2.0]
    lastfm_standin.fail_next("429")
    with pytest.raises(RateLimited) as caught:
        fm_client.top("grimnir", "artists", "overall", 5)
    assert caught.value.retry_after == 60.0 and source_sleeps.calls == [2.0]
    lastfm_standin.set_errors_as_200(True)
    lastfm_standin.fail_next("429", retry_after=600)
    with pytest.raises(RateLimited) as caught:
        fm_client.top("grimnir", "artists", "overall", 5)
    assert caught.value.retry_after == 600.0


def test_malformed_answers(lastfm_standin, fm_client):
    lastfm_standin.fail_next("garbage")
    with pytest.raises(BadResponse, match="not JSON"):
        fm_client.top("grimnir", "artists", "overall", 5)
    lastfm_standin.fail_next("garbage", body='{"topartists": {"artist": "nope"}}')
    with pytest.raises(BadResponse):
        fm_client.top("grimnir", "artists", "overall", 5)
    lastfm_standin.fail_next("garbage", body='<?xml version="1.0"?><lfm status="ok"></lfm>')
    with pytest.raises(BadResponse):
        fm_client.top("grimnir", "artists", "overall", 5)


def test_single_item_object_is_accepted(lastfm_standin, fm_client):
    body = ('{"topartists": {"artist": {"name": "Solo", "mbid": "", "playcount": "7", "url": '
            '"https://www.last.fm/music/Solo", "image": []}, "@attr": {"total": "1"}}}')
    lastfm_standin.fail_next("garbage", body=body)
    assert [a["name"] for a in fm_client._artists(fm_client.top("x", "artists", "overall", 5))] == ["Solo"]


def test_slow_answer_times_out(lastfm_standin, source_sleeps):
    lastfm_standin.fail_next("slow", count=2, delay=0.5)
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                      timeout=(0.5, 0.1), max_retries=1, sleep=source_sleeps) as client:
        with pytest.raises(SourceUnavailable, match="did not answer"):
            client.top("grimnir", "artists", "overall", 5)


def test_budget_taken_once_per_request(lastfm_standin, source_sleeps):
    budget = CountingBudget()
    lastfm_standin.fail_next("error", code=11)
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                      sleep=source_sleeps, budget=budget) as client:
        client.fetch("minji_kpop")
    assert budget.taken == 8 and hits(lastfm_standin) == 7     # six lists, one retried; then the picture
