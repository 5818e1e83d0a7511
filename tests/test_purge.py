"""`flask purge`: profiles deleted more than 30 days ago go for good and free their handle."""
from datetime import timedelta

import pytest

from anchor import clock
from anchor.models import AccountModel, ProfileModel, TokenModel
from anchor.profiles import handles, lifecycle, service
from anchor.refresh.purge import purge
from tests.refresh_fixtures import T0, connect


def _exists(model, key):
    try:
        model.get(key, consistent_read=True)
    except model.DoesNotExist:
        return False
    return True


def test_purge_after_30_days_frees_the_handle(refresh_app, spotify_sandbox):
    clock.freeze(T0 - timedelta(days=31))
    old = connect(spotify_sandbox, "nadia", "nadia")
    lifecycle.soft_delete(old, "nadia")
    clock.freeze(T0 - timedelta(days=29))
    recent = connect(spotify_sandbox, "tomas", "tomas")
    lifecycle.soft_delete(recent, "tomas")
    connect(spotify_sandbox, "aiko", "aiko")
    clock.freeze(T0)
    assert purge() == 1
    assert not _exists(ProfileModel, "USER#nadia") and not _exists(AccountModel, "ACCOUNT#spotify:nadia")
    assert not _exists(TokenModel, "ACCOUNT#spotify:nadia")
    assert _exists(TokenModel, "ACCOUNT#spotify:aiko")           # only the purged account's tokens
    assert service.get("tomas").deletedAt == T0 - timedelta(days=29)
    assert AccountModel.get("ACCOUNT#spotify:tomas").handle == "tomas"
    assert service.get("aiko").deletedAt is None and service.get("aiko").isPublic
    assert handles.is_available("nadia")[0]
    assert handles.claim("someone-else", "nadia").ownerId == "spotify:someone-else"
    assert handles.claim("nadia", "nadia-again").handle == "nadia-again"   # the account is free too
    assert purge() == 0


def test_purge_command_prints_the_count(refresh_app, spotify_sandbox, runner):
    assert "purge" in refresh_app.cli.commands                  # registered by the factory
    clock.freeze(T0 - timedelta(days=40))
    lifecycle.soft_delete(connect(spotify_sandbox, "nadia", "nadia"), "nadia")
    clock.freeze(T0)
    result = runner.invoke(args=["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 profile(s) deleted more than 30 days ago." in result.output
    assert not _exists(ProfileModel, "USER#nadia")


def test_purge_deletes_tokens_of_accounts_without_a_handle_after_a_day(refresh_app, spotify_sandbox):
    from anchor.profiles import tokens
    from anchor.sources.spotify import TokenSet
    grant = spotify_sandbox.issue_tokens("tomas")
    clock.freeze(T0 - timedelta(hours=25))
    tokens.save("spotify:tomas", TokenSet(grant["access_token"], grant["refresh_token"], 0, grant["scope"]))
    connect(spotify_sandbox, "nadia", "nadia")                      # has a handle: kept
    clock.freeze(T0 - timedelta(hours=2))
    tokens.save("spotify:aiko", TokenSet(grant["access_token"], grant["refresh_token"], 0, grant["scope"]))
    clock.freeze(T0)
    assert purge() == 0
    assert not _exists(TokenModel, "ACCOUNT#spotify:tomas")          # orphaned for more than a day
    assert _exists(TokenModel, "ACCOUNT#spotify:aiko")               # signed in two hours ago
    assert _exists(TokenModel, "ACCOUNT#spotify:nadia")              # owns a handle
