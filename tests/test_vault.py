"""Token vault on both backends: local AES-GCM and KMS (against a moto server)."""
import pytest

from anchor import clock
from anchor.models import TokenModel
from anchor.vault import KmsVault, LocalVault, VaultError

TOKENS = {"access_token": "BQ-access-secret-value", "refresh_token": "AQ-refresh-secret-value",
          "expires_at": 1900000000}


@pytest.fixture
def kms_vault(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", moto_server)
    import boto3
    key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
    return KmsVault(key_id, region="us-east-1")


@pytest.fixture
def local_vault(tmp_path):
    return LocalVault(tmp_path / "vault.key")


@pytest.fixture(params=["local", "kms"])
def vault(request):
    return request.getfixturevalue(f"{request.param}_vault")


def test_round_trip(vault):
    blob = vault.seal("sp-1", TOKENS)
    assert "secret-value" not in blob
    assert vault.open("sp-1", blob) == TOKENS


def test_blob_under_another_account_fails(vault):
    blob = vault.seal("sp-1", TOKENS)
    with pytest.raises(VaultError, match="another account"):
        vault.open("sp-2", blob)


def test_tampered_blob_fails(vault):
    blob = vault.seal("sp-1", TOKENS)
    prefix, body = blob.split(":", 1)
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with pytest.raises(VaultError):
        vault.open("sp-1", f"{prefix}:{flipped}")


def test_garbage_blob_fails_clearly(vault):
    with pytest.raises(VaultError, match="not"):
        vault.open("sp-1", "plain text")


def test_kms_request_carries_encryption_context(kms_vault):
    blob = kms_vault.seal("sp-7", TOKENS)
    import base64
    raw = base64.b64decode(blob.split(":", 1)[1])
    with pytest.raises(kms_vault.client.exceptions.InvalidCiphertextException):
        kms_vault.client.decrypt(CiphertextBlob=raw, EncryptionContext={"app": "anchor", "account": "sp-8"})
    plain = kms_vault.client.decrypt(CiphertextBlob=raw, EncryptionContext={"app": "anchor", "account": "sp-7"})
    assert b"AQ-refresh-secret-value" in plain["Plaintext"]


def test_local_key_file_is_private_and_reused(tmp_path):
    first = LocalVault(tmp_path / "k" / "vault.key")
    blob = first.seal("sp-1", TOKENS)
    assert (tmp_path / "k" / "vault.key").stat().st_mode & 0o077 == 0
    assert LocalVault(tmp_path / "k" / "vault.key").open("sp-1", blob) == TOKENS


def test_stored_item_holds_no_token_text(app):
    vault = app.extensions["anchor.vault"]
    TokenModel("ACCOUNT#sp-1", blob=vault.seal("sp-1", TOKENS), keyId=vault.key_id,
               updatedAt=clock.now()).save()
    import boto3
    raw = boto3.client("dynamodb", endpoint_url=app.config["DYNAMODB_ENDPOINT"]).get_item(
        TableName=TokenModel.Meta.table_name, Key={"pk": {"S": "ACCOUNT#sp-1"}})["Item"]
    text = repr(raw)
    assert "secret-value" not in text and "BQ-" not in text and "AQ-" not in text
