"""The sparse due-refresh index: who belongs in it, and the paged due query."""
import base64
import json

from anchor import clock
from anchor.models import DUE_PARTITION, ProfileModel


class BadCursor(ValueError):
    """A pagination cursor that this module did not issue."""


def belongs_in_index(state):
    """The one index rule: connected, auto-refresh on, not deleted, scheduled, from a source that
    can be re-read (an uploaded file only changes when its owner uploads again), and public — or
    not yet holding any data, so a first fetch that failed is retried with backoff on its own.

    `state` maps attribute names to values (a dict, or a profile via `state_of`).
    """
    return bool(connection_of(state) and state.get("autoRefreshEnabled")
                and (state.get("isPublic") or not has_listening(state))
                and state.get("deletedAt") is None
                and state.get("nextRefreshAt") is not None and state.get("source") != "upload")


CONNECTED = "sourceConnected"
OLD_CONNECTED = "spotifyConnected"     # the name before sources; still written alongside (see below)


def connection_of(state):
    """Whether the page's source is connected: the older name while the item carries it, else the
    new one, else True (the attribute's default before the rename).

    This release writes both names with one value, and the release before writes only the old
    one, so while both run the old name is never behind the new one; the next release writes the
    new name and removes the old one, which this reading follows too.
    """
    old = state.get(OLD_CONNECTED)
    if old is not None:
        return bool(old)
    new = state.get(CONNECTED)
    return True if new is None else bool(new)


def is_connected(profile):
    """Whether the profile's page source is connected (`connection_of` on the item)."""
    return connection_of(state_of(profile))


def connected_fields(value):
    """The changes that set whether the source is connected: both names, one value."""
    return {CONNECTED: bool(value), OLD_CONNECTED: bool(value)}


def has_listening(state):
    """True when the state's listening data (or the older `spotify` attribute) holds any item."""
    ranges = (state.get("listening") or {}).get("ranges") or {}
    found = list(ranges.values()) + [state.get("spotify") or {}]
    return any(part.get("artists") or part.get("albums") for part in found)


def index_keys(handle, state):
    """(gsi1pk, gsi1sk) for a profile in this state, or None when it stays out of the index."""
    if not belongs_in_index(state):
        return None
    return DUE_PARTITION, f"{clock.iso(state['nextRefreshAt'])}#{handle}"


def state_of(profile):
    """The attributes the index rule reads, from a profile item."""
    return {name: getattr(profile, name) for name in INDEX_INPUTS}


INDEX_INPUTS = (CONNECTED, OLD_CONNECTED, "autoRefreshEnabled", "isPublic", "deletedAt", "nextRefreshAt", "source",
                "listening", "spotify")


def apply_index(profile):
    """Set gsi1pk/gsi1sk on an in-memory profile before a save() of a new item."""
    profile.gsi1pk, profile.gsi1sk = index_keys(profile.handle, state_of(profile)) or (None, None)
    return profile


def _encode_cursor(key):
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor):
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise BadCursor("cursor is not one this service issued") from None
    if (not isinstance(key, dict) or set(key) != {"pk", "gsi1pk", "gsi1sk"}
            or not all(isinstance(v, dict) and set(v) == {"S"} for v in key.values())):
        raise BadCursor("cursor is not one this service issued")
    return key


def due_profiles(now=None, limit=50, cursor=None):
    """One page of handles due at `now`: (handles, next_cursor or None, scanned_count)."""
    now = now or clock.now()
    upper = f"{clock.iso(now)}#\uffff"
    query = ProfileModel.due_index.query(
        DUE_PARTITION, ProfileModel.gsi1sk <= upper, limit=limit,
        last_evaluated_key=_decode_cursor(cursor) if cursor else None, page_size=limit)
    handles = [item.pk.removeprefix("USER#") for item in query]
    last = query.last_evaluated_key
    next_cursor = None
    if last and len(handles) >= limit:
        next_cursor = _encode_cursor(last)
    return handles, next_cursor, query.page_iter.total_scanned_count


def count_due(upper):
    """How many profiles are due at or before `upper` (a keys-only COUNT query, paged by DynamoDB)."""
    return ProfileModel.due_index.count(DUE_PARTITION, ProfileModel.gsi1sk <= f"{clock.iso(upper)}#\uffff")
