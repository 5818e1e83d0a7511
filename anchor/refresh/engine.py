"""`refresh_profile`: the one path for the first fetch, manual and scheduled refresh.

Lock (refresh/lock.py) → the steps (refresh/steps.py: fetch, data, copy) → release the lock.
Requests go through the gate the limits package gives: the pass's for its source, or this
process's outside a pass; failures follow refresh/failures.py. Before a fetch the gate takes in
the pause any process met for the source (limits/pauses.py): one consistent read per fetch,
none per request. An owner waiting on the answer never sleeps out a pause.
"""
import logging
import time
from datetime import timedelta

from flask import current_app

from anchor import clock, limits
from anchor.logs import log_event
from anchor.profiles import listening, service
from anchor.refresh import source_limits, steps
from anchor.refresh.lock import acquire_lock, release_lock
from anchor.refresh.outcomes import ALREADY_REFRESHING, Outcome, RefreshResult

log = logging.getLogger("anchor.refresh")

REQUEST_REASONS = ("first", "manual", "switch")   # an owner waits on the answer: never sleep out a pause


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
    held_gate(source, gate)
    if gate is not None and closed(gate, source):
        # The source asked the whole pass to wait, or its budget is spent: stay due, write nothing.
        return _logged(RefreshResult(Outcome.SOURCE_PAUSED, f"{listening.label(source)} is paused "
                                     "for this run; the profile stays due."), handle, reason, started)
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return _logged(RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING), handle, reason, started)
    return run_locked(profile, lock_id, reason, gate, started, wait=reason not in REQUEST_REASONS)


def held_gate(source, gate=None):
    """The gate a fetch from `source` goes through (`gate`, a pass's, or this process's), held
    for the pause any process recorded for the source (one consistent read)."""
    specs = source_limits.specs(current_app.config)
    gate = gate or limits.gate_for(source, specs, listening.label(source))
    if source in specs:
        limits.hold_shared(gate, specs[source])
    return gate


def owner_pause(profile):
    """While the profile's source is paused for every process: the answer to an owner's click,
    naming when it can run (nothing is sent, no cooldown starts). None when the source is open."""
    source = service.source_of(profile)
    seconds = held_gate(source).paused_for
    if seconds <= 0:
        return None
    ready = (clock.now() + timedelta(seconds=seconds + 1)).replace(microsecond=0)   # rounded up
    return RefreshResult(Outcome.SOURCE_PAUSED, f"{listening.label(source)} asked us to wait a moment: "
                                                f"you can refresh after {ready:%H:%M:%S} UTC.")


def closed(gate, source):
    """True when a pass's gate for `source` holds longer than it waits, or lacks the calls."""
    remaining = gate.remaining
    return (getattr(gate, "paused_for", 0) > getattr(gate, "max_wait", float("inf"))
            or (remaining is not None and remaining < listening.CALLS_PER_FETCH.get(source, 1)))


def run_locked(profile, lock_id, reason, gate, started, *, wait=True):
    """Refresh a profile whose lock we hold, then release the lock whatever happened.

    `gate` is the pass's gate for the profile's source, or None: this process's gate is used,
    already held for the shared pause (`held_gate`). With `wait=False` (a request thread) a
    pause ends the fetch as rate limited instead of being slept out.
    """
    calls = _calls(service.source_of(profile), gate, wait)
    try:
        profile.refresh(consistent_read=True)   # owner edits made before the lock decide the write
        result = steps.fetch_and_store(profile, lock_id, calls, reason)
        steps.refresh_music(profile, lock_id, reason)
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
    result.source_calls = calls.count
    return _logged(result, profile.handle, reason, started)


def _calls(source, gate, wait):
    """The profile's request counter on the pass's gate, or on this process's gate for the source.

    Before each request it reads the pause any process recorded for the source, so a 429 met
    elsewhere while this fetch runs holds this fetch's next request too (one small read each).
    """
    specs = source_limits.specs(current_app.config)
    spec = specs.get(source)
    # Without a pass (manual refresh, first fetch) the process's gate paces the requests and
    # holds them after a 429, as a pass's gate does for its threads.
    in_pass = gate is not None
    if not in_pass:
        gate = limits.gate_for(source, specs, listening.label(source))
    check = (lambda: limits.hold_shared(gate, spec)) if spec is not None else None
    return limits.ProfileCalls(gate, in_pass=in_pass, wait=wait, check=check)


def _logged(result, handle, reason, started):
    log_event(log, "refresh", handle=handle, outcome=str(result.outcome), reason=reason,
              duration_ms=round((time.perf_counter() - started) * 1000, 1),
              source_calls=result.source_calls, ai_called=result.ai_called,
              message=result.message)
    return result
