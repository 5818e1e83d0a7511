"""Pytest plugin: what a request is allowed to contact (public pages read DynamoDB once, nothing else).

Fixtures: `dynamodb_calls` (every botocore operation while active, as (service, operation)) and
`only_dynamodb` (any socket connection to a port other than DynamoDB Local fails the test).
Shared by tests/test_public.py and the source flow tests.
"""
import socket
from urllib.parse import urlsplit

import pytest
from botocore.client import BaseClient


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """Every botocore operation made while the fixture is active, as (service, operation)."""
    calls = []
    original = BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append((self.meta.service_model.service_id, operation_name))
        return original(self, operation_name, api_params)
    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def only_dynamodb(dynamodb_local, monkeypatch):
    """Fail the test if anything connects anywhere but DynamoDB Local (no source, KMS, Bedrock).

    Request it after the fixtures that set a page up: from then on every other connection fails.
    """
    allowed = urlsplit(dynamodb_local.endpoint).port
    original = socket.socket.connect

    def guarded(sock, address):
        if isinstance(address, tuple) and address[1] != allowed:
            sock.close()
            raise AssertionError(f"outbound connection to {address} while rendering a public page")
        return original(sock, address)
    monkeypatch.setattr(socket.socket, "connect", guarded)
