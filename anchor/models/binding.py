"""Point every model at its physical table on one endpoint, with bounded time per call."""
from pynamodb.connection import Connection

from anchor.models import (ALL_MODELS, PROFILES_TABLE, TOKENS_TABLE, ProfileModel, SentinelModel, TokenModel,
                           _ProfilesTable)
from anchor.models.pages import PageModel
from anchor.models.passkeys import PASSKEY_MODELS
from anchor.models.years import YearModel

# Bounded time per call, so a hung DynamoDB fails requests fast instead of holding every thread
# (PynamoDB's defaults: connect 15 s, read 30 s, 3 retries). Two attempts in all.
TIMEOUTS = {"connect_timeout_seconds": 1, "read_timeout_seconds": 2, "max_retry_attempts": 1}
# /healthz reads its sentinel with one attempt inside a second.
HEALTH_TIMEOUTS = {"connect_timeout_seconds": 0.5, "read_timeout_seconds": 0.5, "max_retry_attempts": 0}

_transactions = {}


def transaction_connection():
    """One low-level connection for TransactWrite, reused (a new one reloads botocore's models)."""
    meta = ProfileModel.Meta
    key = (meta.host, meta.region)
    if key not in _transactions:
        _transactions[key] = Connection(
            host=key[0], region=key[1], connect_timeout_seconds=meta.connect_timeout_seconds,
            read_timeout_seconds=meta.read_timeout_seconds, max_retry_attempts=meta.max_retry_attempts)
    return _transactions[key]


def bind(prefix, host, region, timeouts=None):
    """Point every model at the prefixed tables on one endpoint (None = AWS itself)."""
    for model in (_ProfilesTable, PageModel, YearModel) + ALL_MODELS + PASSKEY_MODELS:
        base = PROFILES_TABLE if model is not TokenModel else TOKENS_TABLE
        model.Meta.table_name = f"{prefix}{base}"
        model.Meta.host = host
        model.Meta.region = region
        for name, value in (HEALTH_TIMEOUTS if model is SentinelModel else timeouts or TIMEOUTS).items():
            setattr(model.Meta, name, value)
        model._connection = None


def table_names():
    """The two physical table names for the current binding."""
    return ProfileModel.Meta.table_name, TokenModel.Meta.table_name
