"""`refresh_profile`: the one path for scheduled and manual refresh, with its lock and backoff."""
import logging
import math
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from pynamodb.exceptions import UpdateError

from anchor import clock
from anchor.logs import log_event
from anchor.models import ProfileModel
from anchor.profiles import connection, copywriting, service, tokens
from anchor.spotify.client import (AccessTokenRejected, BudgetExhausted, InvalidGrant, RateLimited,
                                   SpotifyError)
from anchor.vault import VaultError

log = logging.getLogger("anchor.refresh")

LOCK_DURATION = timedelta(minutes=5)
MANUAL_COOLDOWN = timedelta(hours=1)
BACKOFF = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
RATE_LIMIT_MIN_WAIT = timedelta(hours=1)
MAX_FAILURES = 5
CALLS_PER_REFRESH = 4   # token refresh + top artists + top tracks + one retry
ALREADY_REFRESHING = "Already refreshing from Spotify…"


@dataclass
class RefreshResult:
    """What one refresh did, in words the owner can read."""

    # refreshed | unchanged | skipped-locked | rate-limited | disconnected | failed
    # (start_manual_refresh adds: cooldown | running)
    outcome: str
    message: str
    spotify_calls: int = 0
    ai_called: bool = False


class _ProfileCalls:
    """Counts one profile's Spotify requests while charging them to the run's shared budget."""

    def __init__(self, shared):
        self.shared, self.count = shared, 0

    def take(self):
        if self.shared is not None:
            self.shared.take()
        self.count += 1


# -- the lock ----------------------------------------------------------------------------------
def acquire_lock(profile, now=None):
    """Take the refresh lock (free or expired) for 5 minutes; the new lockId, or None if held."""
    now = now or clock.now()
    lock_id = uuid.uuid4().hex
    free = ProfileModel.refreshLockUntil.does_not_exist() | (ProfileModel.refreshLockUntil < now)
    try:
        profile.update(actions=[ProfileModel.refreshLockUntil.set(now + LOCK_DURATION),
                                ProfileModel.refreshLockId.set(lock_id)],
                       condition=ProfileModel.pk.exists() & free)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return lock_id


def release_lock(profile, lock_id):
    """Drop the lock only if it is still ours; True if released (a lost lock is logged)."""
    try:
        profile.update(actions=[ProfileModel.refreshLockUntil.remove(),
                                ProfileModel.refreshLockId.remove()],
                       condition=ProfileModel.refreshLockId == lock_id)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        log_event(log, "refresh lock lost", handle=profile.handle, lock_id=lock_id)
        return False
    return True


def is_refreshing(profile):
    """True while a refresh holds the profile's (unexpired) lock."""
    return profile.refreshLockUntil is not None and profile.refreshLockUntil > clock.now()


# -- scheduling rules --------------------------------------------------------------------------
def next_after_success(now):
    """A week later, give or take 12 hours (1/14 of the interval), so crowds spread out."""
    interval = service.refresh_interval()
    jitter = interval.total_seconds() / 14
    return now + interval + timedelta(seconds=random.uniform(-jitter, jitter))


def backoff_after(failures):
    """Wait before retrying after `failures` consecutive failures: 1 h, 4 h, then 24 h."""
    return BACKOFF[min(failures, len(BACKOFF)) - 1]


def _hhmm(moment):
    return moment.strftime("%H:%M UTC")


# -- refresh -----------------------------------------------------------------------------------
def refresh_profile(handle, reason, *, budget=None):
    """Refresh one profile from Spotify (reason: scheduled | manual | first)."""
    started = time.perf_counter()
    profile = service.get(handle)
    if profile is None or profile.deletedAt is not None:
        message = ("This profile no longer exists." if profile is None
                   else "This profile is deleted; restore it before refreshing.")
        return _logged(RefreshResult("failed", message), handle, reason, started)
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return _logged(RefreshResult("skipped-locked", ALREADY_REFRESHING), handle, reason, started)
    return _run_locked(profile, lock_id, reason, budget, started)


def _run_locked(profile, lock_id, reason, budget, started):
    """Refresh a profile whose lock we hold, then release the lock whatever happened."""
    calls = _ProfileCalls(budget)
    try:
        result = _refresh(profile, lock_id, calls)
    except Exception:  # a bug or a DynamoDB outage must not kill the run or keep the lock
        log.exception("refresh crashed", extra={"fields": {"handle": profile.handle}})
        result = RefreshResult("failed", "The refresh stopped on an unexpected error; "
                                         "it will be retried.")
    finally:
        try:
            release_lock(profile, lock_id)
        except Exception:  # the lock expires by itself in 5 minutes
            log.exception("refresh lock not released", extra={"fields": {"handle": profile.handle}})
    result.spotify_calls = calls.count
    return _logged(result, profile.handle, reason, started)


def _logged(result, handle, reason, started):
    log_event(log, "refresh", handle=handle, outcome=result.outcome, reason=reason,
              duration_ms=round((time.perf_counter() - started) * 1000, 1),
              spotify_calls=result.spotify_calls, ai_called=result.ai_called,
              message=result.message)
    return result


def _fetch(profile, calls):
    client = tokens.spotify_client(budget=calls)
    try:
        access = tokens.access_token(profile.ownerId, client)
        try:
            return client.fetch_profile_data(access)
        except AccessTokenRejected:
            access = tokens.access_token(profile.ownerId, client, force_refresh=True)
            return client.fetch_profile_data(access)
    finally:
        client.close()


def _refresh(profile, lock_id, calls):
    now = clock.now()
    if not profile.spotifyConnected:
        return RefreshResult("disconnected", "Spotify is not connected: sign in with Spotify again "
                                             "to refresh your page.")
    try:
        data = _fetch(profile, calls)
    except (InvalidGrant, tokens.NotConnected):
        message = ("Spotify no longer accepts this connection. Your page stays as it is; "
                   "sign in with Spotify again to resume refreshing.")
        connection.mark_disconnected(profile, message)
        return RefreshResult("disconnected", message)
    except BudgetExhausted:
        return RefreshResult("rate-limited", "This run's Spotify request budget ran out; "
                                             "the profile stays due for the next run.")
    except RateLimited as exc:
        until = max(now + timedelta(seconds=exc.retry_after), now + RATE_LIMIT_MIN_WAIT)
        message = f"Spotify asked us to slow down; the next try is after {_hhmm(until)}."
        _write_guarded(profile, lock_id, {"lastRefreshStatus": "rate-limited",
                                          "lastRefreshMessage": message, "nextRefreshAt": until})
        return RefreshResult("rate-limited", message)
    except (SpotifyError, VaultError) as exc:
        return _record_failure(profile, lock_id, now, getattr(exc, "message", str(exc)))
    return _store(profile, lock_id, now, data)


def _store(profile, lock_id, now, data):
    """Write the data (only if what the page shows changed), the status and the next refresh."""
    profile.refresh(consistent_read=True)   # owner edits made during the fetch decide the index
    previous = profile.spotify
    profile.spotify = data
    new_hash = service.data_hash(profile)
    changed = new_hash != profile.dataHash
    profile.spotify = previous
    outcome = "refreshed" if changed else "unchanged"
    message = (f"Refreshed from Spotify at {_hhmm(now)}." if changed
               else f"Checked Spotify at {_hhmm(now)}: nothing new since the last refresh.")
    changes = {"lastRefreshAt": now, "lastRefreshStatus": outcome, "lastRefreshMessage": message,
               "failureCount": 0, "nextRefreshAt": next_after_success(now)}
    if changed:
        changes.update(spotify=data, dataHash=new_hash)
    if not _write_guarded(profile, lock_id, changes, bump=changed):
        return RefreshResult("failed", "The refresh took too long and was taken over; "
                                       "it will be retried.")
    ai_called = False
    try:
        copy = copywriting.generate(profile)
        ai_called = copy.ai_called
        if copy.status in ("failed", "limited"):
            message = f"{message} {copy.message}"
    except Exception:  # new data is stored; the copy is retried when the data next changes
        log.exception("copy generation crashed", extra={"fields": {"handle": profile.handle}})
        message = f"{message} The AI copy could not be written this time."
    return RefreshResult(outcome, message, ai_called=ai_called)


def _record_failure(profile, lock_id, now, reason):
    failures = (profile.failureCount or 0) + 1
    changes = {"lastRefreshStatus": "failed", "failureCount": failures}
    if failures >= MAX_FAILURES:
        message = (f"Refreshing from Spotify failed {failures} times in a row ({reason}). "
                   "Weekly refresh is now off: refresh by hand, then turn weekly refresh back on.")
        changes.update(autoRefreshEnabled=False, lastRefreshMessage=message)
    else:
        retry = now + backoff_after(failures)
        message = (f"Refreshing from Spotify failed ({reason}). "
                   f"We will try again after {_hhmm(retry)}.")
        changes.update(nextRefreshAt=retry, lastRefreshMessage=message)
    _write_guarded(profile, lock_id, changes)
    return RefreshResult("failed", message)


def _write_guarded(profile, lock_id, changes, bump=False):
    """service.write only while we still hold the lock and the profile is not deleted."""
    guard = (ProfileModel.refreshLockId == lock_id) & ProfileModel.deletedAt.does_not_exist()
    try:
        service.write(profile, changes, bump=bump, condition=guard)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        log_event(log, "refresh result not written: lock lost or profile deleted",
                  handle=profile.handle, lock_id=lock_id)
        return False
    return True


# -- manual refresh ----------------------------------------------------------------------------
def manual_refresh_status(profile):
    """("available" | "cooldown" | "running", message) for the dashboard's refresh button."""
    if is_refreshing(profile):
        return "running", "Refreshing from Spotify…"
    now = clock.now()
    last = profile.lastManualRefreshAt
    if last is not None and now < last + MANUAL_COOLDOWN:
        ready = last + MANUAL_COOLDOWN
        minutes = max(1, math.ceil((ready - now).total_seconds() / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return "cooldown", f"Refresh available again at {_hhmm(ready)} (in {minutes} {unit})."
    return "available", "You can refresh from Spotify now."


def start_manual_refresh(profile, *, background):
    """The owner's refresh button: cooldown and lock checks, then refresh inline or in a thread."""
    status, message = manual_refresh_status(profile)
    if status == "cooldown":
        return RefreshResult("cooldown", message)
    if status == "running":
        return RefreshResult("skipped-locked", ALREADY_REFRESHING)
    if profile.deletedAt is not None:
        return RefreshResult("failed", "This profile is deleted; restore it before refreshing.")
    started = time.perf_counter()
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return RefreshResult("skipped-locked", ALREADY_REFRESHING)
    if not _start_cooldown(profile):
        release_lock(profile, lock_id)
        profile.refresh(consistent_read=True)
        return RefreshResult("cooldown", manual_refresh_status(profile)[1])
    if not background:
        return _run_locked(profile, lock_id, "manual", None, started)
    app, handle = current_app._get_current_object(), profile.handle

    def run():
        with app.app_context():
            fresh = service.get(handle)   # the request thread keeps its own copy
            if fresh is not None:
                _run_locked(fresh, lock_id, "manual", None, started)

    # Locked before we answer, so the dashboard's first status poll already sees "running".
    threading.Thread(target=run, name=f"refresh-{handle}", daemon=True).start()
    return RefreshResult("running", "Refreshing from Spotify…")


def _start_cooldown(profile):
    """Set lastManualRefreshAt unless another click already did within the hour."""
    now = clock.now()
    condition = (ProfileModel.lastManualRefreshAt.does_not_exist()
                 | (ProfileModel.lastManualRefreshAt <= now - MANUAL_COOLDOWN))
    try:
        service.write(profile, {"lastManualRefreshAt": now}, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True
