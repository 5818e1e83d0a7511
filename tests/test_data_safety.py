"""Data safety: table protection, expiry of soft-deleted profiles, owner checks, token races."""
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from anchor import clock, migrate
from anchor.models import ProfileModel, TokenModel, profile_key
from anchor.profiles import accounts, connection, handles, lifecycle, service, tokens
from anchor.profiles.accounts import account_item
from anchor.rules import RESTORE_PERIOD
from anchor.sources.base import CredentialsRevoked
from anchor.sources.spotify import TokenSet
from tests.conftest import drop_tables
from tests.refresh_fixtures import T0, subprocess_env
from tests.web_helpers import post, sign_in

ROOT = Path(__file__).resolve().parent.parent


def _step(name):
    return dict(migrate.steps())[name]


def test_protection_step_enables_pitr_and_deletion_protection_against_aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name in ("prod-AnchorProfiles", "prod-AnchorTokens"):
            client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        ctx = migrate.MigrationContext(client, "prod-AnchorProfiles", "prod-AnchorTokens",
                                       config={"ENV": "production"})
        step = _step("0006_protect_tables")
        assert "point-in-time recovery on prod-AnchorTokens" in step.apply(ctx)
        for name in ("prod-AnchorProfiles", "prod-AnchorTokens"):
            backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
            assert client.describe_table(TableName=name)["Table"]["DeletionProtectionEnabled"] is True
        assert "already enabled" in step.apply(ctx)          # idempotent


def test_migrated_tables_refuse_deletion_until_protection_is_off(app):
    client = migrate.dynamodb_client(app.config)
    profiles = app.config["TABLE_PREFIX"] + "AnchorProfiles"
    assert client.describe_table(TableName=profiles)["Table"]["DeletionProtectionEnabled"] is True
    with pytest.raises(client.exceptions.ClientError, match="deletion protection"):
        client.delete_table(TableName=profiles)
    drop_tables(app)                      # teardown turns it off first, then deletes
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName=profiles)


# -- soft-deleted profiles expire through the table's TTL ----------------------------------------
def test_delete_sets_the_ttl_on_profile_and_account_items_and_restore_clears_it(app, spotify_sandbox):
    with app.app_context():
        clock.freeze(T0)
        profile = handles.claim("spotify:nadia", "nadia")
        grant = spotify_sandbox.issue_tokens("nadia")
        tokens.save("spotify:nadia", TokenSet(grant["access_token"], grant["refresh_token"],
                                              int(time.time()) + 3600, grant["scope"]))
        connection.link(profile, "lastfm:nadia")
        lifecycle.soft_delete(service.get("nadia"), "nadia")
        expires = int((T0 + RESTORE_PERIOD).timestamp())
        assert service.get("nadia").expiresAt == expires
        assert [account_item(a).expiresAt for a in ("spotify:nadia", "lastfm:nadia")] == [expires] * 2
        with pytest.raises(TokenModel.DoesNotExist):      # tokens go at once, not at expiry
            TokenModel.get("ACCOUNT#spotify:nadia")
        lifecycle.restore(service.get("nadia"))
        assert service.get("nadia").expiresAt is None
        assert [account_item(a).expiresAt for a in ("spotify:nadia", "lastfm:nadia")] == [None, None]


def test_a_stale_account_cannot_load_a_handle_claimed_again(app, client, spotify_sandbox):
    with app.app_context():
        handles.claim("spotify:nadia", "nadia")
        lifecycle.soft_delete(service.get("nadia"), "nadia")
        ProfileModel(profile_key("nadia")).delete()     # TTL removed the profile; not yet the account
        other = handles.claim("lastfm:tobi", "nadia", display_name="Tobi Elsewhere")
        assert account_item("spotify:nadia").handle == "nadia"          # the stale item
        assert accounts.owned_profile("spotify:nadia") is None
        assert accounts.owned_profile("lastfm:tobi").ownerId == other.ownerId
    sign_in(client, "nadia")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Tobi Elsewhere" not in page and 'name="handle"' in page     # offered a claim, not Tobi's page
    assert post(client, "/dashboard/delete", {"confirm_handle": "nadia"}).status_code == 404
    post(client, "/dashboard/claim", {"handle": "nadia-again"})          # the stale item is replaced
    with app.app_context():
        assert account_item("spotify:nadia").handle == "nadia-again"
        assert service.get("nadia").ownerId == "lastfm:tobi" and service.get("nadia").deletedAt is None


# -- two processes rotating one account's tokens -------------------------------------------------
OTHER_PROCESS = """
from anchor import create_app
from anchor.profiles import tokens
app = create_app()
with app.app_context():
    tokens.access_token("spotify:nadia", tokens.spotify_client(), force_refresh=True)
"""


def test_a_process_with_old_tokens_never_drops_the_ones_another_process_rotated(app, spotify_sandbox,
                                                                               monkeypatch):
    monkeypatch.setattr(tokens, "cache", tokens._TokenCache())
    spotify_sandbox.set_rotation(True)          # every refresh revokes the refresh token it used
    try:
        with app.app_context():
            grant = spotify_sandbox.issue_tokens("nadia")
            tokens.save("spotify:nadia", TokenSet(grant["access_token"], grant["refresh_token"],
                                                  int(time.time()) - 600, grant["scope"]))
            # Another process rotates the tokens: this one's cached refresh token is now revoked.
            done = subprocess.run([sys.executable, "-c", OTHER_PROCESS], cwd=ROOT, timeout=60,
                                  env=subprocess_env(app, spotify_sandbox), capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-2000:]
            rotated = TokenModel.get("ACCOUNT#spotify:nadia").blob
            # This process meets invalid_grant with its stale copy, and uses the stored tokens.
            with tokens.spotify_client() as client:
                cached = tokens.cache.get("spotify:nadia").tokens
                assert tokens.access_token("spotify:nadia", client) != cached.access_token
                assert TokenModel.get("ACCOUNT#spotify:nadia").blob == rotated   # kept, not deleted
                tokens.access_token("spotify:nadia", client, force_refresh=True)  # rotates: still good
                assert TokenModel.get("ACCOUNT#spotify:nadia").blob != rotated
                # A grant really revoked still drops the tokens (only the ones that failed).
                spotify_sandbox.fail_next("invalid_grant")
                with pytest.raises(CredentialsRevoked):
                    tokens.access_token("spotify:nadia", client, force_refresh=True)
            with pytest.raises(TokenModel.DoesNotExist):
                TokenModel.get("ACCOUNT#spotify:nadia")
    finally:
        spotify_sandbox.set_rotation(False)
