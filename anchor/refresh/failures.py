"""What a failed refresh does to the profile, and what the owner reads about it.

A failure of one profile is counted (`record_failure`: a backoff of 1 h, 4 h, then 24 h; weekly
refresh off after `MAX_FAILURES`); a failure of the whole source is left to the source's
circuit breaker (`source_wide`, limits/incidents.py); a revoked grant disconnects the profile;
a rate limit moves the next try past the source's wait.
"""
from datetime import timedelta

from anchor import clock
from anchor.limits import incidents
from anchor.limits.backoff import RATE_LIMIT_MIN_WAIT, backoff_after
from anchor.profiles import index, listening, service, writes
from anchor.refresh.lock import acquire_lock, release_lock, write_locked
from anchor.refresh.outcomes import RECONNECT_NEEDED, Outcome, RefreshResult, hhmm

MAX_FAILURES = 5


def record_failure(profile, lock_id, now, reason):
    """Count one failure against the profile under its lock: back off, or turn weekly refresh off."""
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
                               f"We will try again after {hhmm(retry, now)}.")
            changes["nextRefreshAt"] = retry
        return dict(changes, lastRefreshMessage=said["message"])
    write_locked(profile, lock_id, decide)
    return RefreshResult(Outcome.FAILED, said["message"])


def source_wide(profile, lock_id, now, exc, calls):
    """A failure of the whole source (outage, app credentials, quota): see limits/incidents.py."""
    source = service.source_of(profile)
    name = listening.label(source)
    verdict = incidents.on_failure(source, exc, calls.shared if calls.in_pass else None, profile.handle)
    if verdict == incidents.COUNT:
        return record_failure(profile, lock_id, now, exc.message)
    if verdict == incidents.DEFERRED:
        return RefreshResult(Outcome.FAILURE_DEFERRED, f"Refreshing from {name} failed ({exc.message}).")
    message = (f"{name} is failing for everyone right now ({exc.message}). Your page keeps its data "
               "and refreshes once it is back; this does not count against your page.")
    if not calls.in_pass:      # the owner's click: say so on the dashboard, count nothing
        write_locked(profile, lock_id, {"lastRefreshStatus": str(Outcome.SOURCE_INCIDENT),
                                        "lastRefreshMessage": message})
    return RefreshResult(Outcome.SOURCE_INCIDENT, message)


def rate_limited(profile, lock_id, now, exc):
    """The source asked this profile's fetch to wait: the next try is after its wait (an hour at least)."""
    name = listening.label(service.source_of(profile))
    until = max(now + timedelta(seconds=exc.retry_after), now + RATE_LIMIT_MIN_WAIT)
    message = f"{name} asked us to slow down; the next try is after {hhmm(until, now)}."
    write_locked(profile, lock_id, {"lastRefreshStatus": str(Outcome.RATE_LIMITED),
                                    "lastRefreshMessage": message, "nextRefreshAt": until})
    return RefreshResult(Outcome.RATE_LIMITED, message)


def reconnect_needed(profile, lock_id):
    """The source no longer accepts the owner's grant: disconnect and ask them to sign in again."""
    name = listening.label(service.source_of(profile))
    message = (f"Reconnect needed: {name} no longer accepts this connection (a connection "
               f"lasts until it is revoked or expires). Your page stays as it is; sign in with "
               f"{name} again to resume refreshing.")
    mark_disconnected(profile, message, lock_id, status=RECONNECT_NEEDED)
    return RefreshResult(Outcome.DISCONNECTED, message)


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
        return record_failure(profile, lock_id, clock.now(), reason)
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
        return writes.write(profile, changes)
    return write_locked(profile, lock_id, changes)
