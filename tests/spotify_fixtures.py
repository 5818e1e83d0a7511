"""Pytest plugin: a Spotify sandbox, a client pointed at it, and helpers for the OAuth dance."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from anchor.sources.spotify import SpotifyClient
from devstack.spotify_sandbox import SpotifySandbox

REDIRECT_URI = "http://127.0.0.1:5000/auth/spotify/callback"


class SleepRecorder:
    """Stands in for time.sleep: records the requested waits instead of waiting."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge) pair."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(sandbox: SpotifySandbox, challenge: str, redirect_uri: str = REDIRECT_URI,
                     state: str = "st4te") -> dict[str, str]:
    """Query parameters of a well-formed /authorize request."""
    return {"client_id": sandbox.client_id, "response_type": "code", "redirect_uri": redirect_uri,
            "state": state, "scope": "user-top-read", "code_challenge": challenge,
            "code_challenge_method": "S256"}


def sign_in(sandbox: SpotifySandbox, listener: str = "nadia", redirect_uri: str = REDIRECT_URI) -> dict:
    """Walk consent like a browser: GET the page, POST the listener's button; returns code + verifier."""
    verifier, challenge = pkce_pair()
    params = authorize_params(sandbox, challenge, redirect_uri)
    with requests.Session() as http:
        page = http.get(f"{sandbox.url}/authorize", params=params, timeout=5)
        assert page.status_code == 200, page.text
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        answer = http.post(f"{sandbox.url}/authorize", data=form | {"listener": listener},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return {"code": query["code"], "state": query["state"], "verifier": verifier, "location": location,
            "redirect_uri": redirect_uri}


@pytest.fixture(scope="session")
def spotify_sandbox_server():
    """One sandbox for the whole run (3 generated listeners); tests get it reset."""
    sandbox = SpotifySandbox(generated=3).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def spotify_sandbox(spotify_sandbox_server):
    """The shared sandbox with faults, rate limit, mutations and counters reset."""
    spotify_sandbox_server.reset()
    spotify_sandbox_server.reset_stats()
    yield spotify_sandbox_server
    spotify_sandbox_server.reset()


@pytest.fixture
def spotify_sleeps():
    """Recorded sleeps of `spotify_client` (seconds it would have waited)."""
    return SleepRecorder()


@pytest.fixture
def spotify_client(spotify_sandbox, spotify_sleeps):
    """A SpotifyClient pointed at the sandbox; it records sleeps instead of sleeping."""
    client = SpotifyClient(spotify_sandbox.url, spotify_sandbox.url, spotify_sandbox.client_id,
                           spotify_sandbox.client_secret, timeout=(1.0, 2.0), sleep=spotify_sleeps)
    yield client
    client.close()


@pytest.fixture
def spotify_tokens(spotify_sandbox):
    """Factory: tokens (Spotify token JSON) for a listener, issued without the browser dance."""
    return spotify_sandbox.issue_tokens
