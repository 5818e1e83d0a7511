"""Profile reads and writes: the product rules that sit between views and the models."""
import hashlib
import json
from datetime import timedelta

from flask import current_app
from pynamodb.exceptions import UpdateError

from anchor import clock
from anchor.models import ProfileModel, profile_key
from anchor.profiles import index

MAX_ARTISTS = 10
MAX_ALBUMS = 12


class StaleEdit(Exception):
    """The profile changed since the form was loaded."""

    message = "This profile changed elsewhere since you loaded the page. Reload and try again."


def refresh_interval():
    """How long a profile waits between scheduled refreshes (a week; shorter for local demos)."""
    return timedelta(seconds=current_app.config["REFRESH_INTERVAL_SECONDS"])


def get(handle, consistent=True):
    """The profile item for a handle, or None."""
    try:
        return ProfileModel.get(profile_key(handle), consistent_read=consistent)
    except ProfileModel.DoesNotExist:
        return None


def get_public(handle):
    """The profile if it is published and not deleted, else None (one GetItem)."""
    profile = get(handle, consistent=False)
    if profile is None or not profile.isPublic or profile.deletedAt is not None:
        return None
    return profile


def layout(profile):
    """{"hidden": [...], "pinned": [...]} with defaults."""
    raw = profile.layout or {}
    return {"hidden": list(raw.get("hidden", [])), "pinned": list(raw.get("pinned", []))}


def _arrange(items, hidden, pinned, limit):
    pinned_items = [i for p in pinned for i in items if i["id"] == p and p not in hidden]
    rest = [i for i in items if i["id"] not in hidden and i["id"] not in pinned]
    return (pinned_items + rest)[:limit]


def visible(profile):
    """What the public page shows and the AI writes about: hidden items out, pinned first."""
    data = profile.spotify or {}
    arrangement = layout(profile)
    hidden, pinned = set(arrangement["hidden"]), arrangement["pinned"]
    return {
        "handle": profile.handle,
        "displayName": profile.displayName or profile.handle,
        "artists": _arrange(data.get("artists", []), hidden, pinned, MAX_ARTISTS),
        "albums": _arrange(data.get("albums", []), hidden, pinned, MAX_ALBUMS),
    }


def data_hash(profile):
    """Stable hash of the visible data (what the copy is written from)."""
    shown = visible(profile)
    essence = {
        "artists": [[a["id"], a["name"]] for a in shown["artists"]],
        "albums": [[a["id"], a["name"], a.get("artists"), a.get("year")] for a in shown["albums"]],
    }
    canonical = json.dumps(essence, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def write(profile, changes, *, bump=False, expect_version=None, condition=None):
    """Apply `changes` to the item in one UpdateItem, keeping the due index in step.

    `bump` adds one to `version` (content changed); `expect_version` refuses a stale edit.
    """
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.updatedAt = clock.now()
    actions = [ProfileModel.updatedAt.set(profile.updatedAt)]
    for name, value in changes.items():
        attribute = getattr(ProfileModel, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    actions += index.index_actions(profile)
    if bump:
        actions.append(ProfileModel.version.add(1))
    conditions = ProfileModel.pk.exists()
    if expect_version is not None:
        conditions &= ProfileModel.version == expect_version
    if condition is not None:
        conditions &= condition
    try:
        profile.update(actions=actions, condition=conditions)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException" and expect_version is not None:
            raise StaleEdit(StaleEdit.message) from None
        raise
    return profile


def store_spotify_data(profile, data, **changes):
    """Cache freshly fetched Spotify data and its hash on the profile (plus other `changes`)."""
    profile.spotify = data
    return write(profile, {"spotify": data, "dataHash": data_hash(profile), **changes}, bump=True)
