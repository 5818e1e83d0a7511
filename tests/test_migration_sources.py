"""Moving items from before sources to `<source>:<id>` account ids, and reading both meanwhile."""
import time
from datetime import timedelta

from anchor import clock, migrate
from anchor.models import AccountModel, ProfileModel, TokenModel
from anchor.profiles import service, tokens
from anchor.profiles.accounts import owned_handle
from anchor.refresh import engine
from anchor.sources.spotify import TokenSet


def _legacy_items(app, sandbox, listener="nadia"):
    """Items as the app wrote them before sources: bare Spotify ids, one range of data."""
    grant = sandbox.issue_tokens(listener)
    vault = app.extensions["anchor.vault"]
    now = clock.now()
    TokenModel(f"ACCOUNT#{listener}", keyId=vault.key_id, updatedAt=now, scopes=grant["scope"],
               blob=vault.seal(listener, {"access_token": grant["access_token"],
                                          "refresh_token": grant["refresh_token"],
                                          "expires_at": int(time.time()) + 3600, "scope": grant["scope"]})).save()
    AccountModel(f"ACCOUNT#{listener}", handle=listener, createdAt=now).save()
    spotify = {"fetchedAt": "2026-01-01T00:00:00Z", "timeRange": "medium_term",
               "artists": [{"id": "a1", "name": "Fela Kuti", "url": None, "image": None, "rank": 1}],
               "albums": [{"id": "al1", "name": "Zombie", "artists": ["Fela Kuti"], "year": 1976,
                           "url": None, "image": None}]}
    profile = ProfileModel(f"USER#{listener}", handle=listener, ownerId=listener, displayName=listener,
                           isPublic=True, spotify=spotify, autoRefreshEnabled=True, spotifyConnected=True,
                           nextRefreshAt=now + timedelta(days=3), createdAt=now, updatedAt=now, version=3)
    profile.dataHash = service.current_hash(profile)
    profile.save()
    return profile


def test_the_app_reads_items_from_before_sources(app, spotify_sandbox):
    with app.app_context():
        _legacy_items(app, spotify_sandbox)
        assert owned_handle("nadia") == "nadia" and owned_handle("spotify:nadia") == "nadia"
        assert tokens.load("spotify:nadia").access_token
        profile = service.get("nadia")
        assert service.items(profile)["albums"][0]["name"] == "Zombie"
        assert engine.refresh_profile("nadia", "manual").outcome == "refreshed"
        refreshed = service.get("nadia")
        assert refreshed.listening and refreshed.spotify is None
        assert refreshed.dataHash == service.current_hash(refreshed)


def test_migration_moves_ids_reseals_tokens_and_runs_twice(app, spotify_sandbox, client):
    with app.app_context():
        before = _legacy_items(app, spotify_sandbox)
        first = dict(migrate.run(app.config, echo=lambda _line: None))
        assert first["0005_source_account_ids"].startswith("moved 1 account(s), 1 token item(s), 1 profile(s)")
        second = dict(migrate.run(app.config, echo=lambda _line: None))
        assert second["0005_source_account_ids"] == "account ids already name their source"
        assert AccountModel.get("ACCOUNT#spotify:nadia").handle == "nadia"
        assert AccountModel.count("ACCOUNT#nadia") == 0 and TokenModel.count("ACCOUNT#nadia") == 0
        opened = app.extensions["anchor.vault"].open("spotify:nadia", TokenModel.get("ACCOUNT#spotify:nadia").blob)
        assert opened["refresh_token"]
        tokens.cache.drop("spotify:nadia")
        assert tokens.load("spotify:nadia").refresh_token == opened["refresh_token"]
        moved = service.get("nadia")
        assert (moved.ownerId, moved.links, moved.source) == ("spotify:nadia", {"spotify": "nadia"}, "spotify")
        assert moved.spotify is None and service.items(moved)["albums"][0]["name"] == "Zombie"
        assert moved.dataHash == before.dataHash == service.current_hash(moved)
        assert moved.gsi1pk == before.gsi1pk and moved.rev == (before.rev or 0) + 1
    with client.session_transaction() as session:     # a cookie from before: a bare Spotify id
        session["_user_id"] = "nadia"
        session["_fresh"] = True
    page = client.get("/dashboard").get_data(as_text=True)
    assert "anchor.band/nadia" in page and "Claim your handle" not in page
    with app.app_context():
        grant = spotify_sandbox.issue_tokens("nadia")
        tokens.save("spotify:nadia", TokenSet(grant["access_token"], grant["refresh_token"],
                                              int(time.time()) + 3600, grant["scope"]))
        assert engine.refresh_profile("nadia", "manual").outcome == "refreshed"
