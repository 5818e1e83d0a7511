"""Token vault: seal and open Spotify tokens, bound to the account that owns them.

KMS when ANCHOR_KMS_KEY_ID is set (encryption context {"app": "anchor", "account": id});
otherwise AES-GCM with a local key file, the account id as associated data.
"""
import base64
import json
import os
import threading
from pathlib import Path

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

# cryptography loads with the first local seal or open, the KMS client with the first KMS one: a
# web worker that only serves public pages needs neither.

APP_CONTEXT = "anchor"
LOCAL_PREFIX = "local1:"
KMS_PREFIX = "kms1:"


class VaultError(Exception):
    """A blob could not be sealed or opened; the message never contains token text."""


class LocalVault:
    """AES-256-GCM with a key file under .data/ (created on first use, mode 0600)."""

    key_id = "local"

    def __init__(self, key_path):
        self.key_path = Path(key_path)
        self._aead = None
        self._lock = threading.Lock()

    def _cipher(self):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        with self._lock:
            if self._aead is None:
                self._aead = AESGCM(self._load_or_create_key())
            return self._aead

    def _load_or_create_key(self):
        if self.key_path.exists():
            key = base64.b64decode(self.key_path.read_bytes())
            if len(key) != 32:
                raise VaultError(f"key file {self.key_path} does not hold a 256-bit key")
            return key
        self.key_path.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)                       # a 256-bit AES key
        fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(key))
        return key

    def seal(self, account_id, tokens):
        nonce = os.urandom(12)
        data = self._cipher().encrypt(nonce, _encode(tokens), _aad(account_id))
        return LOCAL_PREFIX + base64.b64encode(nonce + data).decode()

    def open(self, account_id, blob):
        from cryptography.exceptions import InvalidTag
        raw = _decode_blob(blob, LOCAL_PREFIX)
        try:
            plain = self._cipher().decrypt(raw[:12], raw[12:], _aad(account_id))
        except InvalidTag:
            raise VaultError(f"token blob does not open for account {account_id}: "
                             "it was altered or belongs to another account") from None
        return json.loads(plain)


class KmsVault:
    """AWS KMS Encrypt/Decrypt; the encryption context binds each blob to its account."""

    def __init__(self, key_id, region=None):
        self.key_id = key_id
        self.region = region
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        """The KMS client, made on first use (so none exists before gunicorn forks)."""
        with self._lock:
            if self._client is None:
                from anchor import aws
                self._client = aws.client(
                    "kms", region_name=self.region,
                    config=BotoConfig(connect_timeout=3, read_timeout=5,
                                      retries={"mode": "standard", "max_attempts": 3}))
            return self._client

    def seal(self, account_id, tokens):
        try:
            answer = self.client.encrypt(KeyId=self.key_id, Plaintext=_encode(tokens),
                                         EncryptionContext=_context(account_id))
        except (ClientError, BotoCoreError) as exc:
            raise VaultError(f"KMS could not seal tokens for account {account_id}: {_reason(exc)}") from None
        return KMS_PREFIX + base64.b64encode(answer["CiphertextBlob"]).decode()

    def open(self, account_id, blob):
        raw = _decode_blob(blob, KMS_PREFIX)
        try:
            answer = self.client.decrypt(CiphertextBlob=raw, KeyId=self.key_id,
                                         EncryptionContext=_context(account_id))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidCiphertextException":
                raise VaultError(f"token blob does not open for account {account_id}: "
                                 "it was altered or belongs to another account") from None
            raise VaultError(f"KMS could not open tokens for account {account_id}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise VaultError(f"KMS could not open tokens for account {account_id}: {_reason(exc)}") from None
        return json.loads(answer["Plaintext"])


def _encode(tokens):
    return json.dumps(tokens, separators=(",", ":"), sort_keys=True).encode()


def _aad(account_id):
    return f"{APP_CONTEXT}:{account_id}".encode()


def _context(account_id):
    return {"app": APP_CONTEXT, "account": account_id}


def _decode_blob(blob, prefix):
    if not isinstance(blob, str) or not blob.startswith(prefix):
        raise VaultError("token blob was sealed by another vault backend or is not a blob")
    try:
        return base64.b64decode(blob[len(prefix):], validate=True)
    except ValueError:
        raise VaultError("token blob is not valid base64") from None


def _reason(exc):
    if isinstance(exc, ClientError):
        return exc.response["Error"].get("Code", "error")
    return type(exc).__name__


def make_vault(config):
    """The vault the configuration asks for."""
    if config["KMS_KEY_ID"]:
        return KmsVault(config["KMS_KEY_ID"], region=config["AWS_REGION"])
    return LocalVault(Path(config["DATA_DIR"]) / "vault.key")
