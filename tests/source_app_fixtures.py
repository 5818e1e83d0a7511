"""Pytest plugin: the app wired to the brainz and Last.fm stand-ins (and the Spotify sandbox).

`source_app`: a fresh app on fresh, migrated tables whose MusicBrainz, ListenBrainz, Cover Art
Archive and Last.fm URLs point at the session's stand-ins; the stand-in demo credentials are used
(no client id or API key configured), so BRAINZ_SANDBOX and LASTFM_SANDBOX are on. Test modules
alias it as `app` so the shared fixtures (`client`, call guards) use it.
"""
import pytest

from anchor import clock, create_app, migrate
from anchor.profiles import tokens
from tests.conftest import drop_tables

BASE_URL = "http://127.0.0.1:5000"


@pytest.fixture
def source_app(make_config, brainz_standin, lastfm_standin, monkeypatch):
    """The app pointed at every stand-in; tables dropped afterwards."""
    config = make_config(
        BASE_URL=BASE_URL,
        MUSICBRAINZ_URL=brainz_standin.url, LISTENBRAINZ_API_URL=brainz_standin.url,
        COVERART_URL=brainz_standin.url, MUSICBRAINZ_CLIENT_ID=None, MUSICBRAINZ_CLIENT_SECRET=None,
        LASTFM_API_URL=lastfm_standin.url, LASTFM_AUTH_URL=f"{lastfm_standin.url}/api/auth/",
        LASTFM_API_KEY=None, LASTFM_SHARED_SECRET=None)
    application = create_app(config)
    # The stand-ins only accept the app's real callback and its demo credentials.
    callback = application.config["BASE_URL"] + "/auth/listenbrainz/callback"
    assert callback in brainz_standin.redirect_uris, (callback, brainz_standin.redirect_uris)
    assert brainz_standin.client_id == "anchor-demo" and brainz_standin.client_secret == "anchor-demo-secret"
    assert lastfm_standin.api_key == "anchor-demo-key" and lastfm_standin.shared_secret == "anchor-demo-secret"
    assert application.config["BRAINZ_SANDBOX"] and application.config["LASTFM_SANDBOX"]
    assert application.config["AI_SOURCES"] == frozenset({"listenbrainz", "upload"})
    # Flows here make more than 30 stats requests in 10 s; pacing has tests of its own.
    brainz_standin.set_rate_limit(100_000)
    monkeypatch.setattr(tokens, "cache", tokens._TokenCache())
    migrate.run(application.config, echo=lambda _line: None)
    yield application
    drop_tables(application)
    clock.freeze(None)
