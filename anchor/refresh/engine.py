"""`refresh_profile`: the one path for the first fetch, manual and scheduled refresh.

Lock (conditional update, 5-minute expiry) → fetch → write data, status and a short "copy
pending" retry time in one conditional update → write copy → schedule the next refresh a week
out. A kill between the data write and the copy leaves the profile due again within minutes with
`copyHash ≠ dataHash`, and the next pass finishes the copy.
"""
import logging
import math
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import NamedTuple

from flask import current_app

from anchor import clock
from anchor.logs import log_event
from anchor.models import ProfileModel, conditional
from anchor.profiles import copyjobs, copywriting, index, listening, service
from anchor.refresh import incidents
from anchor.rules import MANUAL_COOLDOWN, REFRESH_LOCK
from anchor.sources.base import (BudgetExhausted, CallBudget, CredentialsRevoked, NotReady, RateLimited,
                                 SourceError)
from anchor.vault import VaultError

log = logging.getLogger("anchor.refresh")

BACKOFF = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
RATE_LIMIT_MIN_WAIT = timedelta(hours=1)
COPY_PENDING_RETRY = timedelta(minutes=10)   # due again this soon if the copy step never ends
MAX_FAILURES = 5
COPY_PENDING = "copy-pending"
OWNER_REASONS = ("first", "manual")   # an owner is waiting: their copy is written as a copy job
ALREADY_REFRESHING = "Already refreshing…"
RECONNECT_NEEDED = "reconnect-needed"      # the dashboard asks the owner to sign in again


class Outcome(StrEnum):
    """What one refresh (or a click on the refresh button) came to."""

    REFRESHED = "refreshed"
    UNCHANGED = "unchanged"
    SKIPPED_LOCKED = "skipped-locked"
    RATE_LIMITED = "rate-limited"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    SOURCE_PAUSED = "source-paused"
    SOURCE_INCIDENT = "source-incident"      # a source-wide failure: not held against the profile
    FAILURE_DEFERRED = "failure-deferred"    # counted at the end of the pass unless an incident
    COOLDOWN = "cooldown"
    RUNNING = "running"


@dataclass
class RefreshResult:
    """What one refresh did, in words the owner can read."""

    outcome: Outcome
    message: str
    spotify_calls: int = 0
    ai_called: bool = False


class RefreshState(NamedTuple):
    """The refresh button's state on the dashboard: available | cooldown | running."""

    status: str
    message: str


class _ProfileCalls:
    """Counts one profile's requests while charging them to the run's shared budget."""

    def __init__(self, shared, source="spotify"):
        # Without a pass (manual refresh, first fetch) the process's gate for the source paces
        # the request and holds it after a 429, as a pass's gate does for its threads.
        self.shared = shared if shared is not None else process_gate(source)
        self.in_pass = shared is not None
        self.count = 0

    def take(self):
        self.shared.take()
        self.count += 1

    def pause(self, seconds):
        self.shared.pause(seconds)

    def observe(self, remaining, reset_in):
        self.shared.observe(remaining, reset_in)


_gates_lock = threading.Lock()


def process_gate(source):
    """This process's request gate for a source, shared by refreshes outside a pass."""
    gates = current_app.extensions.setdefault("anchor.gates", {})
    with _gates_lock:
        if source not in gates:
            from anchor.refresh.scheduler import pass_budgets
            made = pass_budgets(current_app.config)
            gates[source] = made.get(source) or CallBudget(source=listening.label(source))
            if gates[source].limit is not None:        # a process has no per-run ceiling
                gates[source].limit = None
        return gates[source]


# -- the lock ----------------------------------------------------------------------------------
def acquire_lock(profile, now=None):
    """Take the refresh lock (free or expired) for 5 minutes; the new lockId, or None if held.

    Taking the lock moves the revision on, so a writer holding an older copy re-reads first.
    """
    now = now or clock.now()
    lock_id = uuid.uuid4().hex
    free = ProfileModel.refreshLockUntil.does_not_exist() | (ProfileModel.refreshLockUntil < now)
    taken = conditional(profile.update,
                        actions=[ProfileModel.refreshLockUntil.set(now + REFRESH_LOCK),
                                 ProfileModel.refreshLockId.set(lock_id), ProfileModel.rev.add(1)],
                        condition=ProfileModel.pk.exists() & free)
    return lock_id if taken else None


def release_lock(profile, lock_id):
    """Drop the lock only if it is still ours; True if released (a lost lock is logged)."""
    released = conditional(profile.update, actions=[ProfileModel.refreshLockUntil.remove(),
                                                    ProfileModel.refreshLockId.remove()],
                           condition=ProfileModel.refreshLockId == lock_id)
    if not released:
        log_event(log, "refresh lock lost", handle=profile.handle, lock_id=lock_id)
    return released


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
def refresh_profile(handle, reason, *, budget=None, budgets=None):
    """Refresh one profile from its source (reason: scheduled | manual | first | switch).

    `budgets` maps a source to the pass's shared CallBudget for it; `budget` alone is Spotify's.
    """
    started = time.perf_counter()
    profile = service.get(handle)
    if profile is None or profile.deletedAt is not None:
        message = ("This profile no longer exists." if profile is None
                   else "This profile is deleted; restore it before refreshing.")
        return _logged(RefreshResult(Outcome.FAILED, message), handle, reason, started)
    source = service.source_of(profile)
    gate = (budgets or {}).get(source) or (budget if source == "spotify" else None)
    if gate is not None and closed(gate, source):
        # The source asked the whole pass to wait, or its budget is spent: stay due, write nothing.
        return _logged(RefreshResult(Outcome.SOURCE_PAUSED, f"{listening.label(source)} is paused "
                                     "for this run; the profile stays due."), handle, reason, started)
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return _logged(RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING), handle, reason, started)
    return _run_locked(profile, lock_id, reason, gate, started)


def closed(gate, source):
    """True when a pass's gate for `source` holds longer than it waits, or lacks the calls."""
    remaining = gate.remaining
    return (getattr(gate, "paused_for", 0) > getattr(gate, "max_wait", float("inf"))
            or (remaining is not None and remaining < listening.CALLS_PER_FETCH.get(source, 1)))


def _run_locked(profile, lock_id, reason, budget, started):
    """Refresh a profile whose lock we hold, then release the lock whatever happened."""
    calls = _ProfileCalls(budget, service.source_of(profile))
    try:
        profile.refresh(consistent_read=True)   # owner edits made before the lock decide the write
        result = _refresh(profile, lock_id, calls, reason)
    except Exception:  # a bug or a DynamoDB outage must not kill the run or keep the lock
        log_event(log, "refresh crashed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        result = RefreshResult(Outcome.FAILED, "The refresh stopped on an unexpected error; "
                                               "it will be retried.")
    finally:
        try:
            release_lock(profile, lock_id)
        except Exception:  # the lock expires by itself in 5 minutes
            log_event(log, "refresh lock not released", level=logging.ERROR, exc_info=True,
                      handle=profile.handle)
    result.spotify_calls = calls.count
    return _logged(result, profile.handle, reason, started)


def _logged(result, handle, reason, started):
    log_event(log, "refresh", handle=handle, outcome=str(result.outcome), reason=reason,
              duration_ms=round((time.perf_counter() - started) * 1000, 1),
              source_calls=result.spotify_calls, ai_called=result.ai_called,
              message=result.message)
    return result


def _refresh(profile, lock_id, calls, reason="scheduled"):
    now = clock.now()
    name = listening.label(service.source_of(profile))
    if not index.is_connected(profile):
        return RefreshResult(Outcome.DISCONNECTED, f"{name} is not connected: sign in with {name} "
                                                   "again to refresh your page.")
    try:
        data = listening.fetch(profile, calls)
    except incidents.SOURCE_WIDE as exc:
        return _source_wide(profile, lock_id, now, exc, calls)
    except CredentialsRevoked:
        message = (f"Reconnect needed: {name} no longer accepts this connection (a connection "
                   f"lasts until it is revoked or expires). Your page stays as it is; sign in with "
                   f"{name} again to resume refreshing.")
        mark_disconnected(profile, message, lock_id, status=RECONNECT_NEEDED)
        return RefreshResult(Outcome.DISCONNECTED, message)
    except BudgetExhausted:
        return RefreshResult(Outcome.SOURCE_PAUSED, "This run's request budget ran out; "
                                                    "the profile stays due for the next run.")
    except RateLimited as exc:
        until = max(now + timedelta(seconds=exc.retry_after), now + RATE_LIMIT_MIN_WAIT)
        message = f"{name} asked us to slow down; the next try is after {_hhmm(until)}."
        _write_locked(profile, lock_id, {"lastRefreshStatus": str(Outcome.RATE_LIMITED),
                                         "lastRefreshMessage": message, "nextRefreshAt": until})
        return RefreshResult(Outcome.RATE_LIMITED, message)
    except listening.NothingToFetch as exc:
        return RefreshResult(Outcome.UNCHANGED, exc.message)
    except NotReady:
        return _record_failure(profile, lock_id, now, f"{name} has not computed your statistics "
                               "yet; this usually happens within a day of your first listens")
    except (SourceError, VaultError) as exc:
        return _record_failure(profile, lock_id, now, getattr(exc, "message", str(exc)))
    incidents.on_success(service.source_of(profile), calls.shared if calls.in_pass else None)
    if not service.available_ranges_of(data) and service.available_ranges(profile):
        # An empty answer is far likelier a glitch than a listener who erased every listen:
        # the page keeps its data and the refresh is retried like any other failure.
        return _record_failure(profile, lock_id, now, f"{name} sent no listening data this time; "
                               "your page keeps the data it had")
    return _store(profile, lock_id, now, data, reason)


def _store(profile, lock_id, now, data, reason="scheduled"):
    """Write the data (when what the page shows changed) and the status, then the copy.

    A manual refresh starts its hour of cooldown here, with the data: a failed one costs none.
    """
    name = listening.label(service.source_of(profile))
    changed = service.hash_of(data, profile.layout) != profile.dataHash
    said = {}

    def decide(fresh):
        # Any range may have moved; the version (and the copy) follow the default range only.
        is_new = _essence(data) != _essence(service.listening(fresh))
        said["outcome"] = Outcome.REFRESHED if is_new else Outcome.UNCHANGED
        said["message"] = (f"Refreshed from {name} at {_hhmm(now)}." if is_new
                           else f"Checked {name} at {_hhmm(now)}: nothing new since the last refresh.")
        # Until the copy step ends, the status says so and the profile falls due again soon.
        changes = {"lastRefreshAt": now, "lastRefreshStatus": COPY_PENDING,
                   "lastRefreshMessage": f"{said['message']} The copy is being written.",
                   "failureCount": 0, "nextRefreshAt": now + COPY_PENDING_RETRY}
        if is_new:
            changes["listening"] = data
        if reason == "manual":
            changes["lastManualRefreshAt"] = now
        return changes
    if not _write_locked(profile, lock_id, decide, bump=changed):
        return RefreshResult(Outcome.FAILED, "The refresh took too long and was taken over; "
                                             "it will be retried.")
    message, ai_called = said["message"], False
    try:
        if reason in OWNER_REASONS and service.current_hash(profile) != profile.copyHash:
            # The owner waits on the dashboard: the copy follows as a job with its own progress.
            started = copyjobs.start(profile, reason)
            if started.outcome is not None:          # ran inline (tests, or background off)
                ai_called = started.outcome.ai_called
                if started.outcome.status not in ("written", "unchanged"):
                    message = f"{message} {started.outcome.message}"
            elif started.started:
                message = f"{message} The copy is being written."
        else:
            copy = copywriting.generate(profile)
            ai_called = copy.ai_called
            if copy.status in ("failed", "limited", "unavailable"):
                message = f"{message} {copy.message}"
    except Exception:  # the data is stored; the copy is retried when the profile is next due
        log_event(log, "copy generation crashed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        message = f"{message} The AI copy could not be written this time."
    _write_locked(profile, lock_id, {"nextRefreshAt": next_after_success(now),
                                     "lastRefreshStatus": str(said["outcome"]),
                                     "lastRefreshMessage": message})
    return RefreshResult(said["outcome"], message, ai_called=ai_called)


def _essence(data):
    """Listening data without its fetch time, to tell whether anything moved."""
    return {k: v for k, v in (data or {}).items() if k != "fetchedAt"}


def _record_failure(profile, lock_id, now, reason):
    name = listening.label(service.source_of(profile))
    said = {"message": f"Refreshing from {name} failed ({reason})."}

    def decide(fresh):
        failures = (fresh.failureCount or 0) + 1
        changes = {"lastRefreshStatus": str(Outcome.FAILED), "failureCount": failures}
        if failures >= MAX_FAILURES:
            said["message"] = (f"Refreshing from {name} failed {failures} times in a row ({reason}). "
                               "Weekly refresh is now off: refresh by hand, then turn weekly refresh "
                               "back on.")
            changes["autoRefreshEnabled"] = False
        else:
            retry = now + backoff_after(failures)
            said["message"] = (f"Refreshing from {name} failed ({reason}). "
                               f"We will try again after {_hhmm(retry)}.")
            changes["nextRefreshAt"] = retry
        return dict(changes, lastRefreshMessage=said["message"])
    _write_locked(profile, lock_id, decide)
    return RefreshResult(Outcome.FAILED, said["message"])


def _source_wide(profile, lock_id, now, exc, calls):
    """A failure of the whole source (outage, app credentials, quota): see refresh/incidents.py."""
    source = service.source_of(profile)
    name = listening.label(source)
    verdict = incidents.on_failure(source, exc, calls.shared if calls.in_pass else None, profile.handle)
    if verdict == incidents.COUNT:
        return _record_failure(profile, lock_id, now, exc.message)
    if verdict == incidents.DEFERRED:
        return RefreshResult(Outcome.FAILURE_DEFERRED, f"Refreshing from {name} failed ({exc.message}).")
    message = (f"{name} is failing for everyone right now ({exc.message}). Your page keeps its data "
               "and refreshes once it is back; this does not count against your page.")
    if not calls.in_pass:      # the owner's click: say so on the dashboard, count nothing
        _write_locked(profile, lock_id, {"lastRefreshStatus": str(Outcome.SOURCE_INCIDENT),
                                         "lastRefreshMessage": message})
    return RefreshResult(Outcome.SOURCE_INCIDENT, message)


def count_failure(handle, reason):
    """Count a failure a pass held back (no incident explained it) under the profile's lock."""
    profile = service.get(handle)
    if profile is None or profile.deletedAt is not None:
        return None
    lock_id = acquire_lock(profile)
    if lock_id is None:          # someone is refreshing it right now: their result stands
        return None
    try:
        profile.refresh(consistent_read=True)
        return _record_failure(profile, lock_id, clock.now(), reason)
    finally:
        release_lock(profile, lock_id)


def mark_disconnected(profile, message, lock_id=None, status=Outcome.DISCONNECTED):
    """The source revoked the grant: keep the page, leave the due index.

    The tokens that failed were already dropped by `tokens.access_token`, on the condition that
    no other process had replaced them meanwhile; deleting here again could lose those.
    """
    changes = {**index.connected_fields(False), "lastRefreshStatus": str(status),
               "lastRefreshMessage": message}
    if lock_id is None:
        return service.write(profile, changes)
    return _write_locked(profile, lock_id, changes)


def _write_locked(profile, lock_id, decide, bump=False):
    """service.update while we still hold the lock and the profile is not deleted; False if not."""
    def guarded(fresh):
        if fresh.refreshLockId != lock_id or fresh.deletedAt is not None:
            return None
        return decide(fresh) if callable(decide) else dict(decide)
    try:
        written = service.update(profile, guarded, bump=bump) is not None
    except service.ProfileGone:
        written = False
    if not written:
        log_event(log, "refresh result not written: lock lost or profile deleted",
                  handle=profile.handle, lock_id=lock_id)
    return written


# -- manual refresh ----------------------------------------------------------------------------
def manual_refresh_status(profile):
    """The refresh button's RefreshState on the dashboard."""
    name = listening.label(service.source_of(profile))
    if is_refreshing(profile):
        return RefreshState("running", f"Refreshing from {name}…")
    return _cooldown(profile, clock.now()) or RefreshState("available", f"You can refresh from {name} now.")


def _cooldown(profile, now):
    """The cooldown RefreshState while the last manual refresh is under an hour old, else None."""
    last = profile.lastManualRefreshAt
    if last is None or now >= last + MANUAL_COOLDOWN:
        return None
    ready = last + MANUAL_COOLDOWN
    minutes = max(1, math.ceil((ready - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return RefreshState("cooldown", f"Refresh available again at {_hhmm(ready)} (in {minutes} {unit}).")


def start_manual_refresh(profile, *, background):
    """The owner's refresh button: cooldown and lock checks, then refresh inline or in a thread."""
    state = manual_refresh_status(profile)
    if state.status == "cooldown":
        return RefreshResult(Outcome.COOLDOWN, state.message)
    if state.status == "running":
        return RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING)
    if profile.deletedAt is not None:
        return RefreshResult(Outcome.FAILED, "This profile is deleted; restore it before refreshing.")
    return start_refresh(profile, "manual", background=background, first=_still_cooling)


def start_refresh(profile, reason, *, background, first=None):
    """Take the lock, then refresh inline or in a thread (the lock is held before we answer).

    `first(profile)` runs once the lock is held and may refuse with a RefreshResult.
    """
    started = time.perf_counter()
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING)
    refused = first(profile) if first else None
    if refused is not None:
        release_lock(profile, lock_id)
        return refused
    if not background:
        return _run_locked(profile, lock_id, reason, None, started)
    app, handle = current_app._get_current_object(), profile.handle

    def run():
        with app.app_context():
            fresh = service.get(handle)   # the request thread keeps its own copy
            if fresh is not None:
                _run_locked(fresh, lock_id, reason, None, started)

    # Locked before we answer, so the dashboard's first status poll already sees "running".
    threading.Thread(target=run, name=f"refresh-{handle}", daemon=True).start()
    return RefreshResult(Outcome.RUNNING, f"Refreshing from {listening.label(service.source_of(profile))}…")


def _still_cooling(profile):
    """Under the lock, on fresh state: refuse when a refresh succeeded within the hour.

    Only a successful manual refresh starts the cooldown (`_store`), so a failed fetch leaves
    the button available; the lock keeps two clicks from fetching at once.
    """
    profile.refresh(consistent_read=True)
    state = _cooldown(profile, clock.now())
    return RefreshResult(Outcome.COOLDOWN, state.message) if state else None
