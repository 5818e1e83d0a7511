"""A software passkey authenticator: real ES256 keys, attestation "none", CBOR through fido2.cbor.

It answers the options the server sends the way a browser would hand them back (base64url JSON),
so the server's own fido2 verification runs on every test ceremony.
"""
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AttestedCredentialData, AuthenticatorData

FLAGS = AuthenticatorData.FLAG
AAGUID = bytes(16)


def _b64(data):
    return websafe_encode(data)


def _client_data(kind, challenge, origin):
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                       "crossOrigin": False}).encode()


class Credential:
    """One resident credential: its id, key pair, user handle and signature counter."""

    def __init__(self, rp_id, user_handle):
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.id = os.urandom(16)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.counter = 0


class SoftAuthenticator:
    """Creates credentials for `navigator.credentials.create` options and signs assertions for `get`."""

    def __init__(self, origin, rp_id=None):
        self.origin = origin
        self.rp_id = rp_id
        self.credentials = []

    def create(self, options, origin=None, rp_id=None, counter=0, flags=None, fmt="none"):
        """The registration response (JSON, as the browser script posts it) for creation `options`."""
        public_key = options["publicKey"]
        rp_id = rp_id or self.rp_id or public_key["rp"]["id"]
        credential = Credential(rp_id, websafe_decode(public_key["user"]["id"]))
        credential.counter = counter
        attested = AttestedCredentialData.create(AAGUID, credential.id,
                                                 ES256.from_cryptography_key(credential.key.public_key()))
        flags = flags if flags is not None else FLAGS.UP | FLAGS.UV | FLAGS.AT
        auth_data = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, counter, attested)
        attestation = cbor.encode({"fmt": fmt, "authData": bytes(auth_data), "attStmt": {}})
        client_data = _client_data("webauthn.create", public_key["challenge"], origin or self.origin)
        self.credentials.append(credential)
        return {"id": _b64(credential.id), "rawId": _b64(credential.id), "type": "public-key",
                "response": {"clientDataJSON": _b64(client_data), "attestationObject": _b64(attestation)}}

    def get(self, options, credential=None, origin=None, rp_id=None, counter=None, user_handle=...):
        """The assertion response for request `options`, signed by `credential` (the latest one)."""
        credential = credential or self.credentials[-1]
        credential.counter = credential.counter + 1 if counter is None else counter
        rp_id = rp_id or credential.rp_id
        auth_data = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), FLAGS.UP | FLAGS.UV,
                                             credential.counter)
        client_data = _client_data("webauthn.get", options["publicKey"]["challenge"], origin or self.origin)
        signature = credential.key.sign(bytes(auth_data) + hashlib.sha256(client_data).digest(),
                                        ec.ECDSA(hashes.SHA256()))
        handle = credential.user_handle if user_handle is ... else user_handle
        response = {"clientDataJSON": _b64(client_data), "authenticatorData": _b64(bytes(auth_data)),
                    "signature": _b64(signature)}
        if handle is not None:
            response["userHandle"] = _b64(handle)
        return {"id": _b64(credential.id), "rawId": _b64(credential.id), "type": "public-key",
                "response": response}
