"""The steps of one refresh under its lock: fetch, write the data and status, write the copy.

Fetch → write data, status and a short "copy pending" retry time in one conditional update →
write copy and the share images → schedule the next refresh a week out. A kill between the data
write and the copy leaves the profile due again within minutes with `copyHash ≠ dataHash`, and
the next pass finishes the copy.
"""
import logging
import random
from datetime import timedelta

from anchor import clock
from anchor.errors import BudgetExhausted, CredentialsRevoked, NotReady, RateLimited, SourceError
from anchor.limits import incidents
from anchor.logs import log_event
from anchor.profiles import (copyjobs, copywriting, index, listening, music, service, share_cards,
                             year_cards, year_copy, years)
from anchor.refresh import failures
from anchor.refresh.lock import write_locked
from anchor.refresh.outcomes import Outcome, RefreshResult, hhmm, nothing_to_show
from anchor.vault import VaultError

log = logging.getLogger("anchor.refresh")

COPY_PENDING_RETRY = timedelta(minutes=10)   # due again this soon if the copy step never ends
COPY_PENDING = "copy-pending"
OWNER_REASONS = ("first", "manual", "switch")   # an owner is waiting: their copy is written as a copy job
COOLDOWN_REASONS = ("manual", "switch")         # the owner's fetches: a success starts the cooldown


def next_after_success(now):
    """A week later, give or take 12 hours (1/14 of the interval), so crowds spread out."""
    interval = service.refresh_interval()
    jitter = interval.total_seconds() / 14
    return now + interval + timedelta(seconds=random.uniform(-jitter, jitter))


def fetch_and_store(profile, lock_id, calls, reason="scheduled"):
    """Fetch the profile's data through `calls` and store it; a failure goes to refresh/failures.py."""
    now = clock.now()
    name = listening.label(service.source_of(profile))
    if not index.is_connected(profile):
        return RefreshResult(Outcome.DISCONNECTED, f"{name} is not connected: sign in with {name} "
                                                   "again to refresh your page.")
    try:
        data = listening.fetch(profile, calls)
    except incidents.SOURCE_WIDE as exc:
        return failures.source_wide(profile, lock_id, now, exc, calls)
    except CredentialsRevoked:
        return failures.reconnect_needed(profile, lock_id)
    except BudgetExhausted:
        return RefreshResult(Outcome.SOURCE_PAUSED, "This run's request budget ran out; "
                                                    "the profile stays due for the next run.")
    except RateLimited as exc:
        return failures.rate_limited(profile, lock_id, now, exc)
    except listening.NothingToFetch as exc:
        return RefreshResult(Outcome.UNCHANGED, exc.message)
    except NotReady:
        return failures.record_failure(profile, lock_id, now, f"{name} has not computed your statistics "
                                       "yet; this usually happens within a day of your first listens")
    except (SourceError, VaultError) as exc:
        return failures.record_failure(profile, lock_id, now, getattr(exc, "message", str(exc)))
    incidents.on_success(service.source_of(profile), calls.shared if calls.in_pass else None)
    if not service.available_ranges_of(data) and service.available_ranges(profile):
        # An empty answer is far likelier a glitch than a listener who erased every listen:
        # the page keeps its data and the refresh is retried like any other failure.
        return failures.record_failure(profile, lock_id, now, f"{name} sent no listening data this time; "
                                       "your page keeps the data it had")
    return store(profile, lock_id, now, data, reason)


def store(profile, lock_id, now, data, reason="scheduled"):
    """Write the data (when what the page shows changed) and the status, then the copy.

    A manual refresh (or a switch's fetch) starts its hour of cooldown here, with the data: a
    failed one costs none.
    """
    name = listening.label(service.source_of(profile))
    # A source's year statistics go to items of their own, as an import's do (profiles/years.py);
    # they replace the years they name, and the other stored ones (an uploaded history's, or a
    # year whose statistics failed this time) stay as they are.
    fetched_years = years.take(data)
    if fetched_years:
        years.store(profile, *fetched_years, adding=True)
    changed = service.hash_of(data, profile.layout) != profile.dataHash
    said = {}

    def decide(fresh):
        # Any range may have moved; the version (and the copy) follow the default range only.
        is_new = _essence(data) != _essence(service.listening(fresh))
        said["outcome"] = Outcome.REFRESHED if is_new else Outcome.UNCHANGED
        said["message"] = (nothing_to_show(name) if not service.available_ranges_of(data)
                           else f"Refreshed from {name} at {hhmm(now)}." if is_new
                           else f"Checked {name} at {hhmm(now)}: nothing new since the last refresh.")
        # Until the copy step ends, the status says so and the profile falls due again soon.
        changes = {"lastRefreshAt": now, "lastRefreshStatus": COPY_PENDING,
                   "lastRefreshMessage": f"{said['message']} {copyjobs.WRITING}",
                   "failureCount": 0, "nextRefreshAt": now + COPY_PENDING_RETRY}
        if is_new:
            changes["listening"] = data
        added = years.summary(*fetched_years, fresh.years, adding=True) if fetched_years else None
        if fetched_years and added != fresh.years:
            changes["years"] = added
        if reason in COOLDOWN_REASONS:
            changes["lastManualRefreshAt"] = now
        return changes
    if not write_locked(profile, lock_id, decide, bump=changed):
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
                message = f"{message} {copyjobs.WRITING}"
        else:
            copy = copywriting.generate(profile)
            ai_called = copy.ai_called
            if copy.status in ("failed", "limited", "unavailable"):
                message = f"{message} {copy.message}"
            share_cards.update_quietly(profile)     # an owner's refresh leaves this to its copy job
            year_copy.update_quietly(profile)
            year_cards.update_quietly(profile)
    except Exception:  # the data is stored; the copy is retried when the profile is next due
        log_event(log, "copy generation crashed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        message = f"{message} The AI copy could not be written this time."
    write_locked(profile, lock_id, {"nextRefreshAt": next_after_success(now),
                                    "lastRefreshStatus": str(said["outcome"]),
                                    "lastRefreshMessage": message})
    return RefreshResult(said["outcome"], message, ai_called=ai_called)


def refresh_music(profile, lock_id, reason):
    """With a scheduled refresh, read the owner's releases again; a failure keeps the last ones.

    Only the worker's refresh reads them: the owner's own clicks already wait on their source.
    """
    if reason != "scheduled" or music.chosen(profile) is None:
        return None
    try:
        return music.refresh(profile, lambda changes: write_locked(profile, lock_id, changes))
    except Exception:  # the listening data is stored; the releases are read again next time
        log_event(log, "music refresh crashed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        return "failed"


def _essence(data):
    """Listening data without its fetch time, to tell whether anything moved."""
    return {k: v for k, v in (data or {}).items() if k != "fetchedAt"}
