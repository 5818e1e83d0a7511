"""The sparse due-refresh index: who belongs in it, and the paged due query."""
import base64
import json

from anchor import clock
from anchor.models import DUE_PARTITION, ProfileModel


class BadCursor(ValueError):
    """A pagination cursor that this module did not issue."""


def belongs_in_index(profile):
    """Connected, auto-refresh on, public and not deleted: the worker should refresh it."""
    return bool(profile.spotifyConnected and profile.autoRefreshEnabled and profile.isPublic
                and profile.deletedAt is None and profile.nextRefreshAt is not None)


def index_actions(profile):
    """Update actions that put the profile in the index (SET) or take it out (REMOVE)."""
    if belongs_in_index(profile):
        sort_key = f"{clock.iso(profile.nextRefreshAt)}#{profile.handle}"
        profile.gsi1pk, profile.gsi1sk = DUE_PARTITION, sort_key
        return [ProfileModel.gsi1pk.set(DUE_PARTITION), ProfileModel.gsi1sk.set(sort_key)]
    profile.gsi1pk = profile.gsi1sk = None
    return [ProfileModel.gsi1pk.remove(), ProfileModel.gsi1sk.remove()]


def apply_index(profile):
    """Set gsi1pk/gsi1sk on an in-memory profile before a save()."""
    index_actions(profile)
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
