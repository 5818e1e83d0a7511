"""Demo seeding through the sandbox, and the token lifecycle at the app level."""
import re
import time
from datetime import timedelta

import pytest

from anchor import clock
from anchor.models import ProfileModel, TokenModel
from anchor.profiles import handles, index, tokens
from anchor.refresh import failures
from anchor.sources.base import CredentialsRevoked
from anchor.sources.spotify import TokenSet


def test_seed_demo_publishes_pages_from_every_source(app, runner, client):
    result = runner.invoke(args=["seed-demo", "--count", "2"])
    assert result.exit_code == 0, result.output
    # 6 + 2 Spotify, 5 ListenBrainz, 5 Last.fm, 1 import, 1 artist page (tests/test_demo_artist.py)
    assert "seed-demo: 20 published" in result.output
    for handle in ("nadia", "tomas", "aiko", "marcus", "lena", "ifeoma", "listener-00001", "listener-00002"):
        profile = ProfileModel.get(f"USER#{handle}")
        assert profile.isPublic and profile.bio and profile.gsi1pk == "AUTO#1"
        assert profile.source == "spotify" and profile.ownerId == f"spotify:{handle}"
    brainz, fm = ProfileModel.get("USER#ella_bluenote"), ProfileModel.get("USER#grimnir-fm")
    assert (brainz.source, brainz.ownerId, brainz.isPublic) == ("listenbrainz", "listenbrainz:ella_bluenote", True)
    assert (fm.source, fm.ownerId, fm.isPublic) == ("lastfm", "lastfm:grimnir", True)
    assert set(brainz.listening["ranges"]) == {"month", "half_year", "all_time"}
    assert "ListenBrainz" in client.get("/ella_bluenote").get_data(as_text=True)
    assert "Last.fm" in client.get("/grimnir-fm").get_data(as_text=True)
    assert client.get("/marcus").status_code == 200
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/nadia"' in landing and 'href="/ella_bluenote"' in landing and "xss-probe" not in landing
    assert 'href="/juno-static"' in landing
    again = runner.invoke(args=["seed-demo"])
    assert "seed-demo: 18 exists" in again.output
    imported = ProfileModel.get("USER#streaming-history")
    assert (imported.source, imported.isPublic, imported.gsi1pk) == ("upload", True, None)
    assert imported.listening["ranges"]["all_time"]["artists"][0]["plays"] > 0
    # Every seeded page shows what changed from the start, and its feed has those changes and
    # the entry written when the page went live.
    import feedparser
    for handle in ("nadia", "tomas", "aiko", "marcus", "lena", "ifeoma", "ella_bluenote", "grimnir-fm",
                   "streaming-history"):
        page = client.get(f"/{handle}").get_data(as_text=True)
        changed = re.search(r'<section class="changes[^"]*".*?</section>', page, re.S)
        assert changed and re.search(r"<li><strong>(New this week|Up|Down):</strong> \S", changed.group()), handle
        feed = feedparser.parse(client.get(f"/{handle}/feed.xml").data)
        # A page built from a download or from ListenBrainz's statistics also has an entry per
        # calendar year it covers (Spotify's and Last.fm's APIs have no years).
        years = [e for e in feed.entries if re.search(r"/\d{4}$", e.link)]
        assert bool(years) == (handle in ("streaming-history", "ella_bluenote")), handle
        entries = [e for e in feed.entries if e not in years]
        # Newest first: going live today, then the seeded changes of a week ago.
        assert len(entries) == 2 and entries[0].title.endswith("page is live"), handle
        assert entries[1].title.startswith("What changed"), handle


def _connect(app, sandbox, listener, expired=False):
    raw = sandbox.issue_tokens(listener)
    expires = int(time.time()) - 10 if expired else int(time.time()) + 3600
    with app.app_context():
        handles.claim(listener, listener)
        tokens.cache.drop(listener)
        tokens.save(listener, TokenSet(raw["access_token"], raw["refresh_token"], expires, raw.get("scope")))
    return raw


def test_expired_access_token_is_refreshed_and_rotation_kept(app, spotify_sandbox):
    raw = _connect(app, spotify_sandbox, "lena", expired=True)
    spotify_sandbox.set_rotation(True)
    with app.app_context():
        client = tokens.spotify_client()
        access = tokens.access_token("lena", client)
        assert access != raw["access_token"]
        tokens.cache.drop("lena")
        stored = tokens.load("lena")
        assert stored.refresh_token != raw["refresh_token"]       # the rotated one was kept
        assert stored.expires_at > time.time()
        client.close()


def test_refresh_without_new_refresh_token_keeps_the_old_one(app, spotify_sandbox):
    raw = _connect(app, spotify_sandbox, "aiko", expired=True)
    spotify_sandbox.set_rotation(False)
    with app.app_context():
        client = tokens.spotify_client()
        tokens.access_token("aiko", client)
        tokens.cache.drop("aiko")
        assert tokens.load("aiko").refresh_token == raw["refresh_token"]
        client.close()


def test_invalid_grant_drops_tokens(app, spotify_sandbox):
    _connect(app, spotify_sandbox, "marcus", expired=True)
    spotify_sandbox.fail_next("invalid_grant")
    with app.app_context():
        client = tokens.spotify_client()
        with pytest.raises(CredentialsRevoked):
            tokens.access_token("marcus", client)
        client.close()
    with pytest.raises(TokenModel.DoesNotExist):
        TokenModel.get("ACCOUNT#marcus")


def test_disconnect_keeps_page_and_leaves_index(app, client):
    from tests.web_helpers import claim, post
    claim(client, "ifeoma")
    post(client, "/dashboard/publish", {})
    assert ProfileModel.get("USER#ifeoma").gsi1pk == "AUTO#1"
    post(client, "/dashboard/disconnect", {})
    profile = ProfileModel.get("USER#ifeoma")
    assert profile.sourceConnected is profile.spotifyConnected is False
    assert not profile.autoRefreshEnabled and profile.gsi1pk is None
    with pytest.raises(TokenModel.DoesNotExist):
        TokenModel.get("ACCOUNT#ifeoma")
    assert app.test_client().get("/ifeoma").status_code == 200
    assert "sign in with Spotify again" in client.get("/dashboard").get_data(as_text=True)
    handles_due, _, _ = index.due_profiles(clock.now() + timedelta(days=30))
    assert "ifeoma" not in handles_due


def test_signing_in_again_reconnects_after_invalid_grant(app, client, spotify_sandbox):
    from anchor.profiles import connection, service
    from tests.web_helpers import claim, post, sign_in
    claim(client, "tomas")
    post(client, "/dashboard/publish", {})
    with app.app_context():
        failures.mark_disconnected(service.get("tomas"), "Spotify revoked access.")
    gone = ProfileModel.get("USER#tomas")
    assert gone.sourceConnected is gone.spotifyConnected is False and gone.gsi1pk is None
    assert app.test_client().get("/tomas").status_code == 200          # the page stays up
    assert "Disconnected" in client.get("/dashboard").get_data(as_text=True)
    post(client, "/logout")
    sign_in(client, "tomas")
    back = ProfileModel.get("USER#tomas")
    assert back.sourceConnected is back.spotifyConnected is True and back.gsi1pk == "AUTO#1"
    assert TokenModel.get("ACCOUNT#spotify:tomas").blob
