"""The owner's refresh button: its state (available, cooldown, running) and starting a refresh.

A successful manual refresh starts an hour of cooldown (`MANUAL_COOLDOWN`); the lock is taken
before the answer, so the dashboard's first status poll already sees "running". While the source
is paused for every process, or the profile waits out the next try a rate limit set, a click
answers at once with the time it can run: nothing is sent, nothing sleeps, no cooldown starts.
"""
import math
import threading
import time

from flask import current_app

from anchor import clock
from anchor.profiles import listening, service
from anchor.refresh import engine
from anchor.refresh.lock import acquire_lock, is_refreshing, release_lock
from anchor.refresh.outcomes import ALREADY_REFRESHING, Outcome, RefreshResult, RefreshState, hhmm
from anchor.rules import MANUAL_COOLDOWN


def manual_refresh_status(profile):
    """The refresh button's RefreshState on the dashboard."""
    name = listening.label(service.source_of(profile))
    if is_refreshing(profile):
        return RefreshState("running", f"Refreshing from {name}…")
    now = clock.now()
    return (_cooldown(profile, now) or _rate_limited(profile, now)
            or RefreshState("available", f"You can refresh from {name} now."))


def _cooldown(profile, now):
    """The cooldown RefreshState while the last manual refresh is under an hour old, else None."""
    last = profile.lastManualRefreshAt
    if last is None or now >= last + MANUAL_COOLDOWN:
        return None
    ready = last + MANUAL_COOLDOWN
    minutes = max(1, math.ceil((ready - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return RefreshState("cooldown", f"Refresh available again at {hhmm(ready)} (in {minutes} {unit}).")


def _rate_limited(profile, now):
    """The paused RefreshState until the next try a rate limit set (the time the owner was shown)."""
    until = profile.nextRefreshAt
    if profile.lastRefreshStatus != str(Outcome.RATE_LIMITED) or until is None or now >= until:
        return None
    name = listening.label(service.source_of(profile))
    return RefreshState("paused", f"{name} asked us to slow down; you can refresh again after {hhmm(until)}.")


def start_manual_refresh(profile, *, background):
    """The owner's refresh button: cooldown and lock checks, then refresh inline or in a thread."""
    state = manual_refresh_status(profile)
    if state.status == "cooldown":
        return RefreshResult(Outcome.COOLDOWN, state.message)
    if state.status == "paused":
        return RefreshResult(Outcome.RATE_LIMITED, state.message)
    if state.status == "running":
        return RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING)
    if profile.deletedAt is not None:
        return RefreshResult(Outcome.FAILED, "This profile is deleted; restore it before refreshing.")
    return start_refresh(profile, "manual", background=background, first=_still_cooling)


def start_refresh(profile, reason, *, background, first=None):
    """Take the lock, then refresh inline or in a thread (the lock is held before we answer).

    `first(profile)` runs once the lock is held and may refuse with a RefreshResult. While the
    source is paused for every process the answer says until when, at once.
    """
    started = time.perf_counter()
    paused = engine.owner_pause(profile)       # the fetch's one read of the shared pause
    if paused is not None:
        return paused
    lock_id = acquire_lock(profile)
    if lock_id is None:
        return RefreshResult(Outcome.SKIPPED_LOCKED, ALREADY_REFRESHING)
    refused = first(profile) if first else None
    if refused is not None:
        release_lock(profile, lock_id)
        return refused
    if not background:      # the request thread: a pause met on the way is not slept out
        return engine.run_locked(profile, lock_id, reason, None, started, wait=False)
    app, handle = current_app._get_current_object(), profile.handle

    def run():
        with app.app_context():
            fresh = service.get(handle)   # the request thread keeps its own copy
            if fresh is not None:
                engine.run_locked(fresh, lock_id, reason, None, started)

    # Locked before we answer, so the dashboard's first status poll already sees "running".
    threading.Thread(target=run, name=f"refresh-{handle}", daemon=True).start()
    return RefreshResult(Outcome.RUNNING, f"Refreshing from {listening.label(service.source_of(profile))}…")


def _still_cooling(profile):
    """Under the lock, on fresh state: refuse when a refresh succeeded within the hour, or while
    a rate limit's next try is ahead.

    Only a successful manual refresh starts the cooldown (`steps.store`), so a failed fetch
    leaves the button available; the lock keeps two clicks from fetching at once.
    """
    profile.refresh(consistent_read=True)
    now = clock.now()
    state = _cooldown(profile, now)
    if state is not None:
        return RefreshResult(Outcome.COOLDOWN, state.message)
    state = _rate_limited(profile, now)
    return RefreshResult(Outcome.RATE_LIMITED, state.message) if state else None
