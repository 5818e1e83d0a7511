"""PynamoDB models for the two tables (docs/architecture.md says which layers may import them)."""
from pynamodb.attributes import (BooleanAttribute, JSONAttribute, MapAttribute, NumberAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute)
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from anchor import aws

aws.share_with_pynamodb()      # one botocore session for every model's connection (memory)

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
    """`USER#<handle>`: the public profile with its cached listening data and copy."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    ownerId = UnicodeAttribute()
    displayName = UnicodeAttribute(null=True)
    isPublic = BooleanAttribute(default=False)
    source = UnicodeAttribute(null=True)       # the source the page shows (None: spotify)
    links = JSONAttribute(null=True)           # {source: that source's user id} linked to the owner
    ownerLinks = JSONAttribute(null=True)      # the owner's own links: [{id, url, label, service}]
    listening = JSONAttribute(null=True)       # normalised data, every range (anchor/sources/base.py)
    changeLog = JSONAttribute(null=True)       # newest first: [{"at", "changes": [...]}] (profiles/changes.py)
    uploaded = JSONAttribute(null=True)        # the last imported Spotify download's aggregates
    spotify = JSONAttribute(null=True)         # before sources: one range of Spotify data (read only)
    layout = JSONAttribute(null=True)          # {"hidden": [ids], "featured": [{"id", "note"}], "pinned": [ids]}
    dataHash = UnicodeAttribute(null=True)
    bio = UnicodeAttribute(null=True)
    photo = JSONAttribute(null=True)           # {"stem": "photos/<handle>/<hash>", "sizes": [160, 480]}
    musicArtist = JSONAttribute(null=True)     # the owner's MusicBrainz artist: {mbid, name, links} (profiles/music.py)
    releases = JSONAttribute(null=True)        # that artist's albums and EPs, newest first
    musicError = UnicodeAttribute(null=True)   # why the last read of the releases failed (dashboard only)
    musicCheckedAt = UTCDateTimeAttribute(null=True)
    shareImages = JSONAttribute(null=True)     # {"hash", "covers", "card": key, "story": key} (profiles/share_cards.py)
    albumLines = JSONAttribute(null=True)      # {albumId: line}
    locked = JSONAttribute(null=True)          # {"bio": bool, "lines": [albumIds]} owner edits kept
    copyHash = UnicodeAttribute(null=True)
    copyMeta = JSONAttribute(null=True)        # provider, modelId, createdAt, usage
    copyError = UnicodeAttribute(null=True)
    pageCopy = JSONAttribute(null=True)        # the copy as the public page shows it (derived)
    aiDay = UnicodeAttribute(null=True)
    aiCount = NumberAttribute(default=0)
    autoRefreshEnabled = BooleanAttribute(default=True)
    sourceConnected = BooleanAttribute(null=True)    # the page's source is connected (profiles/index.py)
    spotifyConnected = BooleanAttribute(null=True)   # its older name, written alongside for one release
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
    pageEtag = UnicodeAttribute(null=True)     # the page its PAGE# item holds (models/pages.py)
    pageRender = UnicodeAttribute(null=True)   # render version: templates, static files, release, base URL
    years = JSONAttribute(null=True)           # an upload's years: summary, owner's choices, pages (pages/year_view.py)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    expiresAt = NumberAttribute(null=True)     # epoch seconds (the table's TTL): set while deleted
    due_index = DueRefreshIndex()


class AccountModel(_ProfilesTable):
    """`ACCOUNT#<spotifyUserId>` → the handle that account owns."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    spotifyDisplayName = UnicodeAttribute(null=True)
    createdAt = UTCDateTimeAttribute()
    expiresAt = NumberAttribute(null=True)     # the table's TTL: expires with a deleted profile


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


class RateStateModel(_ProfilesTable):
    """`RATE#…`: how long a source asked us to stay away; `BUCKET#…`: a shared token bucket."""

    class Meta(_ProfilesTable.Meta):
        pass

    pausedUntil = UTCDateTimeAttribute(null=True)
    updatedAt = UTCDateTimeAttribute(null=True)
    # `BUCKET#<name>[#<instance>]`: a token bucket shared by every process (limits/buckets.py).
    tokens = NumberAttribute(null=True)        # tokens left at `refilledAt` (negative: a pause)
    refilledAt = NumberAttribute(null=True)    # epoch seconds (float) of the last grant


class IncidentModel(_ProfilesTable):
    """`INCIDENT#<source>`: a source-wide failure a refresh pass met (an outage, rejected app
    credentials, a used-up quota), so failures it causes are not held against profiles."""

    class Meta(_ProfilesTable.Meta):
        pass

    kind = UnicodeAttribute()                  # unavailable | invalid-client | quota-exceeded
    openedAt = UTCDateTimeAttribute()
    lastSeenAt = UTCDateTimeAttribute()
    closedAt = UTCDateTimeAttribute(null=True)
    failures = NumberAttribute(default=0)      # profile fetches it failed, over every pass
    message = UnicodeAttribute(null=True)


class ImportModel(_ProfilesTable):
    """`IMPORT#<account>`: the account's latest Spotify data import, its progress and heartbeat."""

    class Meta(_ProfilesTable.Meta):
        pass

    status = UnicodeAttribute()                # running | done | failed
    handle = UnicodeAttribute(null=True)       # None: no page yet, the data is held for the claim
    startedAt = UTCDateTimeAttribute()
    heartbeatAt = UTCDateTimeAttribute(null=True)
    rowsRead = NumberAttribute(default=0)
    bytesRead = NumberAttribute(default=0)
    bytesTotal = NumberAttribute(default=0)
    message = UnicodeAttribute(null=True)
    summary = JSONAttribute(null=True)         # plays, dates, top artist: never the file itself


class SourceDataModel(_ProfilesTable):
    """`SOURCEDATA#<handle>#<source>`: a source's data the page switched away from, kept only for
    the manual cooldown so switching back shows it without a fetch."""

    class Meta(_ProfilesTable.Meta):
        pass

    listening = JSONAttribute()                # the normalised data as the page held it
    checkedAt = UTCDateTimeAttribute()         # when the source last answered with it
    expiresAt = NumberAttribute()              # epoch seconds (the table's TTL)


class CopyJobModel(_ProfilesTable):
    """`COPYJOB#<handle>`: the profile's latest copy generation; the conditional put is the claim."""

    class Meta(_ProfilesTable.Meta):
        pass

    jobId = UnicodeAttribute()
    status = UnicodeAttribute()                # running | done
    reason = UnicodeAttribute()                # owner | first | manual | switch | hidden
    startedAt = UTCDateTimeAttribute()
    leaseUntil = UTCDateTimeAttribute()        # a running job past this was killed
    stage = UnicodeAttribute(null=True)        # what it is doing now, for the progress line
    outcome = UnicodeAttribute(null=True)      # written | unchanged | failed | unavailable | limited | nodata
    message = UnicodeAttribute(null=True)
    finishedAt = UTCDateTimeAttribute(null=True)


class ClickCountModel(_ProfilesTable):
    """`CLICKS#<handle>`: clicks on the owner's links, {"<day>/<link id>": n}, the last 28 days."""

    class Meta(_ProfilesTable.Meta):
        pass

    counts = MapAttribute(null=True)


class SessionGenModel(_ProfilesTable):
    """`SESSIONS#<account>`: the session generation; bumping it ends every session signed in before."""

    class Meta(_ProfilesTable.Meta):
        pass

    gen = NumberAttribute(default=0)


class LimitCounterModel(_ProfilesTable):
    """`LIMIT#<name>#<who>#<window>`: requests counted in one rate-limit window (see web/limits.py)."""

    class Meta(_ProfilesTable.Meta):
        pass

    hits = NumberAttribute(default=0)
    expiresAt = NumberAttribute()              # epoch seconds, DynamoDB TTL attribute (cleanup only)


class SignInModel(_ProfilesTable):
    """`SIGNIN#<source>#<nonce>`: a sign-in this site started and the token it asked for; used once."""

    class Meta(_ProfilesTable.Meta):
        pass

    token = UnicodeAttribute()
    expiresAt = NumberAttribute()              # epoch seconds, DynamoDB TTL attribute


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


PROFILE_TABLE_MODELS = (ProfileModel, AccountModel, SchedulerRunModel, SentinelModel, DemoPagesModel,
                        RateStateModel, IncidentModel, ImportModel, SessionGenModel, LimitCounterModel,
                        CopyJobModel, SignInModel, ClickCountModel)
ALL_MODELS = PROFILE_TABLE_MODELS + (TokenModel,)
