"""Pytest plugin: the brainz and Last.fm stand-ins (one each per run, reset per test) and sign-in helpers."""
from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devstack.brainz import BrainzStandIn
from devstack.brainz_oauth import s256
from devstack.lastfm import LastfmStandIn

MB_REDIRECT_URI = "http://127.0.0.1:5000/auth/listenbrainz/callback"
LASTFM_CALLBACK = "http://127.0.0.1:5000/auth/lastfm/callback?next=%2Fdashboard"


class SleepRecorder:
    """Stands in for time.sleep: records the requested waits instead of waiting."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class CountingBudget:
    """A budget that only counts take() calls."""

    def __init__(self):
        self.taken = 0

    def take(self) -> None:
        self.taken += 1


class RateRecorder:
    """A rate_state that records what the client observed."""

    def __init__(self):
        self.seen: list[tuple[int, float]] = []

    def observe(self, remaining: int, reset_in: float) -> None:
        self.seen.append((remaining, reset_in))


def consent_form(page: str) -> dict[str, str]:
    """The hidden fields of a stand-in consent page."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def mb_authorize_params(standin: BrainzStandIn, challenge: str, **extra: str) -> dict[str, str]:
    """Query parameters of a well-formed MusicBrainz /oauth2/authorize request."""
    return {"client_id": standin.client_id, "response_type": "code", "redirect_uri": MB_REDIRECT_URI,
            "scope": "profile", "state": "st4te", "code_challenge": challenge, "code_challenge_method": "S256",
            **extra}


def mb_sign_in(standin: BrainzStandIn, user: str = "grimnir", **extra: str) -> dict:
    """Walk MusicBrainz consent like a browser; returns the code, state and PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    with requests.Session() as http:
        page = http.get(f"{standin.url}/oauth2/authorize", params=mb_authorize_params(standin, s256(verifier), **extra),
                        timeout=5)
        assert page.status_code == 200, page.text
        answer = http.post(f"{standin.url}/oauth2/authorize", data=consent_form(page.text) | {"listener": user},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    return {"code": query["code"], "state": query.get("state"), "verifier": verifier,
            "location": answer.headers["Location"]}


def lastfm_sign_in(standin: LastfmStandIn, user: str = "grimnir", callback: str = LASTFM_CALLBACK) -> str:
    """Walk Last.fm's web auth like a browser; returns the token sent to the callback."""
    with requests.Session() as http:
        page = http.get(f"{standin.url}/api/auth/", params={"api_key": standin.api_key, "cb": callback}, timeout=5)
        assert page.status_code == 200, page.text
        answer = http.post(f"{standin.url}/api/auth/", data=consent_form(page.text) | {"listener": user},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(callback.split("?")[0])
    return parse_qs(urlsplit(location).query)["token"][0]


@pytest.fixture(scope="session")
def brainz_standin_server():
    """One brainz stand-in for the whole run (3 generated listeners).

    Its rate limit is high unless a test sets one: the whole run shares one client address, and
    the product's own pacing is tested where a test sets the real limit.
    """
    standin = BrainzStandIn(generated=3, rate_limit=100_000).start()
    yield standin
    standin.stop()


@pytest.fixture
def brainz_standin(brainz_standin_server):
    """The shared brainz stand-in with faults, rate-limit windows and counters reset."""
    brainz_standin_server.reset()
    brainz_standin_server.reset_stats()
    yield brainz_standin_server
    brainz_standin_server.reset()


@pytest.fixture(scope="session")
def lastfm_standin_server():
    """One Last.fm stand-in for the whole run (3 generated listeners)."""
    standin = LastfmStandIn(generated=3).start()
    yield standin
    standin.stop()


@pytest.fixture
def lastfm_standin(lastfm_standin_server):
    """The shared Last.fm stand-in with faults, modes and counters reset."""
    lastfm_standin_server.reset()
    lastfm_standin_server.reset_stats()
    yield lastfm_standin_server
    lastfm_standin_server.reset()


@pytest.fixture
def source_sleeps():
    """Recorded sleeps of the source clients built in a test."""
    return SleepRecorder()
