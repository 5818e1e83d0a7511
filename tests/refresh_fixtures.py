"""Shared set-up for the refresh tests: the app in context, connected profiles, subprocesses."""
import os
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from anchor import clock
from anchor.profiles import handles, index, tokens, writes
from anchor.profiles.accounts import current_id
from anchor.sources.http import Transport
from anchor.sources.spotify import TokenSet

T0 = datetime(2025, 3, 10, 13, 28, tzinfo=timezone.utc)


@pytest.fixture
def refresh_app(app, spotify_sandbox, monkeypatch):
    """The app pointed at the sandbox, with a fresh token cache and no retry sleeps; context pushed."""
    app.config.update(SPOTIFY_ACCOUNTS_URL=spotify_sandbox.url, SPOTIFY_API_URL=spotify_sandbox.url)
    monkeypatch.setattr(tokens, "cache", tokens._TokenCache())
    monkeypatch.setattr(Transport, "backoff", lambda self, attempt: 0.0)
    with app.app_context():
        yield app


def connect(sandbox, handle, listener, *, account=None, due=True, expired=False, public=True):
    """A claimed, published, connected profile whose tokens belong to `listener`."""
    account = current_id(account or listener)
    profile = handles.claim(account, handle)
    grant = sandbox.issue_tokens(listener)
    expires = int(time.time()) - 600 if expired else int(time.time()) + 3600
    tokens.save(account, TokenSet(grant["access_token"], grant["refresh_token"], expires,
                                  grant["scope"]))
    now = clock.now()
    writes.write(profile, {"isPublic": public, "publishedAt": now,
                           "nextRefreshAt": now - timedelta(minutes=1) if due
                           else now + timedelta(days=3)})
    return profile


def due_handles(now=None):
    """Every handle in the due index at `now` (all pages)."""
    found, cursor = [], None
    while True:
        page, cursor, _ = index.due_profiles(now or clock.now(), limit=50, cursor=cursor)
        found += page
        if cursor is None:
            return found


def subprocess_env(app, sandbox):
    """Environment for a `flask` subprocess on this test's tables, vault key, sandbox and Last.fm
    stand-in (a Last.fm sign-in starts with a call to it)."""
    env = dict(os.environ, ANCHOR_ENV="test", ANCHOR_ROLE="web", PYTHONUNBUFFERED="1",
               ANCHOR_TABLE_PREFIX=app.config["TABLE_PREFIX"],
               AWS_ENDPOINT_URL_DYNAMODB=app.config["DYNAMODB_ENDPOINT"],
               ANCHOR_DATA_DIR=str(app.config["DATA_DIR"]),
               SPOTIFY_ACCOUNTS_URL=sandbox.url, SPOTIFY_API_URL=sandbox.url,
               LASTFM_API_URL=app.config["LASTFM_API_URL"], LASTFM_AUTH_URL=app.config["LASTFM_AUTH_URL"],
               AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    env.pop("FLASK_APP", None)
    return env


def flask_command(*args):
    """`flask --app wsgi ARGS` with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]
