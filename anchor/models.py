"""PynamoDB models for the two tables. Only services import this module."""
from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

PROFILES_TABLE = "AnchorProfiles"
TOKENS_TABLE = "AnchorTokens"
DUE_INDEX = "GSI1_DueRefresh"
DUE_PARTITION = "AUTO#1"


class DueRefreshIndex(GlobalSecondaryIndex):
    """Sparse index: only profiles that the worker should refresh carry gsi1pk/gsi1sk."""

    class Meta:
        index_name = DUE_INDEX
        projection = KeysOnlyProjection()
        read_capacity_units = 1
        write_capacity_units = 1

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class _ProfilesTable(Model):
    class Meta:
        table_name = PROFILES_TABLE
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)


class ProfileModel(_ProfilesTable):
    """`USER#<handle>`: the public profile with its cached Spotify data and copy."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    ownerId = UnicodeAttribute()
    displayName = UnicodeAttribute(null=True)
    isPublic = BooleanAttribute(default=False)
    spotify = JSONAttribute(null=True)
    layout = JSONAttribute(null=True)          # {"hidden": [ids], "pinned": [ids]}
    dataHash = UnicodeAttribute(null=True)
    bio = UnicodeAttribute(null=True)
    albumLines = JSONAttribute(null=True)      # {albumId: line}
    locked = JSONAttribute(null=True)          # {"bio": bool, "lines": [albumIds]} owner edits kept
    copyHash = UnicodeAttribute(null=True)
    copyMeta = JSONAttribute(null=True)        # provider, modelId, createdAt, usage
    copyError = UnicodeAttribute(null=True)
    aiDay = UnicodeAttribute(null=True)
    aiCount = NumberAttribute(default=0)
    autoRefreshEnabled = BooleanAttribute(default=True)
    spotifyConnected = BooleanAttribute(default=True)
    nextRefreshAt = UTCDateTimeAttribute(null=True)
    lastRefreshAt = UTCDateTimeAttribute(null=True)
    lastRefreshStatus = UnicodeAttribute(null=True)
    lastRefreshMessage = UnicodeAttribute(null=True)
    lastManualRefreshAt = UTCDateTimeAttribute(null=True)
    failureCount = NumberAttribute(default=0)
    refreshLockUntil = UTCDateTimeAttribute(null=True)
    refreshLockId = UnicodeAttribute(null=True)
    publishedAt = UTCDateTimeAttribute(null=True)
    deletedAt = UTCDateTimeAttribute(null=True)
    createdAt = UTCDateTimeAttribute()
    updatedAt = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)       # content an owner's open form would see changed
    rev = NumberAttribute(null=True)           # every write; writes are conditioned on it
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due_index = DueRefreshIndex()


class AccountModel(_ProfilesTable):
    """`ACCOUNT#<spotifyUserId>` → the handle that account owns."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    spotifyDisplayName = UnicodeAttribute(null=True)
    createdAt = UTCDateTimeAttribute()


class SchedulerRunModel(_ProfilesTable):
    """`SCHEDULER#refresh-due#<hour>`: claims one worker run per hourly slot."""

    class Meta(_ProfilesTable.Meta):
        pass

    lockUntil = UTCDateTimeAttribute()
    lockId = UnicodeAttribute()
    status = UnicodeAttribute(default="running")
    summary = JSONAttribute(null=True)
    expiresAt = NumberAttribute()              # epoch seconds, DynamoDB TTL attribute


class SentinelModel(_ProfilesTable):
    """`HEALTH#sentinel`: the one item /healthz reads."""

    class Meta(_ProfilesTable.Meta):
        pass

    createdAt = UTCDateTimeAttribute(null=True)


class DemoPagesModel(_ProfilesTable):
    """`SITE#demo-pages`: the handles `flask seed-demo` published, linked from the landing page."""

    class Meta(_ProfilesTable.Meta):
        pass

    handles = JSONAttribute(default=list)


DEMO_PAGES_KEY = "SITE#demo-pages"


class TokenModel(Model):
    """`ACCOUNT#<spotifyUserId>` in the tokens table: one sealed blob, never plain text."""

    class Meta:
        table_name = TOKENS_TABLE
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)
    blob = UnicodeAttribute()
    keyId = UnicodeAttribute()
    scopes = UnicodeAttribute(null=True)
    expiresAt = NumberAttribute(null=True)
    updatedAt = UTCDateTimeAttribute()


CONDITION_FAILED = "ConditionalCheckFailedException"


def conditional(write, **kwargs):
    """Run a conditional PynamoDB write (`item.update`, `.save`, `.delete`); False when its
    condition fails. Every other error is raised as it is."""
    try:
        write(**kwargs)
    except (UpdateError, PutError, DeleteError) as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def profile_key(handle):
    """`USER#<handle>`: the key of a profile item."""
    return f"USER#{handle}"


def account_key(account_id):
    """`ACCOUNT#<spotifyUserId>`: the key of an account item and of its tokens item."""
    return f"ACCOUNT#{account_id}"


PROFILE_TABLE_MODELS = (ProfileModel, AccountModel, SchedulerRunModel, SentinelModel, DemoPagesModel)
ALL_MODELS = PROFILE_TABLE_MODELS + (TokenModel,)


_transactions = {}


def transaction_connection():
    """One low-level connection for TransactWrite, reused (a new one reloads botocore's models)."""
    key = (ProfileModel.Meta.host, ProfileModel.Meta.region)
    if key not in _transactions:
        _transactions[key] = Connection(host=key[0], region=key[1])
    return _transactions[key]


def bind(prefix, host, region):
    """Point every model at the prefixed tables on one endpoint (None = AWS itself)."""
    for model in (_ProfilesTable,) + ALL_MODELS:
        base = PROFILES_TABLE if model is not TokenModel else TOKENS_TABLE
        model.Meta.table_name = f"{prefix}{base}"
        model.Meta.host = host
        model.Meta.region = region
        model._connection = None


def table_names():
    """The two physical table names for the current binding."""
    return ProfileModel.Meta.table_name, TokenModel.Meta.table_name
