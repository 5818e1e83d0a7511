"""`refresh_due`: one pass over the due index per hourly slot, however many workers run."""
import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from flask import current_app

from anchor import clock, limits, metrics
from anchor.limits import incidents
from anchor.logs import log_event
from anchor.models import SchedulerRunModel, conditional
from anchor.profiles import index
from anchor.refresh import engine, failures, queue, sizing, source_limits
from anchor.refresh.outcomes import Outcome, RefreshResult

log = logging.getLogger("anchor.refresh")

BATCH_SIZE = 50
SLOT_LOCK = timedelta(minutes=15)
SLOT_RETENTION = timedelta(days=7)

# Set by the worker on SIGTERM: running passes start no new profile (in-flight ones finish).
shutting_down = threading.Event()
# The pass running in this process, so a shutdown that cannot wait for it can hand its slot on.
_active = {"claim": None, "summary": None}


def slot_key(now):
    """`SCHEDULER#refresh-due#<YYYY-MM-DDTHH>` for the hour `now` falls in.

    A worker interval shorter than an hour (local demos) gets slots of that length instead,
    named by their start: `<YYYY-MM-DDTHH:MM:SS>`.
    """
    interval = current_app.config["WORKER_INTERVAL_SECONDS"]
    if interval >= 3600:
        return f"SCHEDULER#refresh-due#{now:%Y-%m-%dT%H}"
    start = datetime.fromtimestamp(int(now.timestamp()) // interval * interval, timezone.utc)
    return f"SCHEDULER#refresh-due#{start:%Y-%m-%dT%H:%M:%S}"


def claim_slot(now):
    """Claim this hour's run: (item, lockId), or None if another run has it or finished it.

    A slot is free when nobody claimed it, when its run crashed (lock expired while running) or
    when a run let it go on shutdown with work left ("released").
    """
    lock_id = uuid.uuid4().hex
    item = SchedulerRunModel(slot_key(now), lockUntil=now + SLOT_LOCK, lockId=lock_id,
                             status="running",
                             expiresAt=int((now + SLOT_RETENTION).timestamp()))
    crashed = (SchedulerRunModel.status == "running") & (SchedulerRunModel.lockUntil < now)
    released = SchedulerRunModel.status == "released"
    if not conditional(item.save, condition=SchedulerRunModel.pk.does_not_exist() | crashed | released):
        return None
    return item, lock_id


def _extend(item, lock_id):
    """Push the slot lock 15 minutes on; False when another run took the slot over."""
    return conditional(item.update, actions=[SchedulerRunModel.lockUntil.set(clock.now() + SLOT_LOCK)],
                       condition=SchedulerRunModel.lockId == lock_id)


def _finish(item, lock_id, summary, status="done"):
    """Mark the slot done (or "released": stopped with work left, so another worker may go on)."""
    if not conditional(item.update, actions=[SchedulerRunModel.status.set(status),
                                             SchedulerRunModel.summary.set(summary)],
                       condition=SchedulerRunModel.lockId == lock_id):
        log_event(log, "refresh-due slot taken over before the end", slot=summary["slot"])


class _Run:
    """One claimed pass: a request gate per source, counters, and the reason to stop early."""

    def __init__(self, app, budgets):
        self.app, self.budgets = app, budgets
        self.outcomes, self.ai_calls = Counter(), 0
        self.stopped = None
        self._lock = threading.Lock()

    def stop(self, reason):
        with self._lock:
            self.stopped = self.stopped or reason

    def refresh(self, handle):
        """Refresh one handle in a pool thread; None if the run stopped before it started."""
        if shutting_down.is_set():
            self.stop("shutting down")
        if self.stopped:
            return None
        with self.app.app_context():   # Flask's app context is per thread
            try:
                result = engine.refresh_profile(handle, "scheduled", budgets=self.budgets)
            except Exception:
                log_event(log, "refresh crashed", level=logging.ERROR, exc_info=True, handle=handle)
                result = RefreshResult(Outcome.FAILED, "unexpected error")
        if all(engine.closed(gate, source) for source, gate in self.budgets.items()):
            self.stop("every source paused or out of budget")
        with self._lock:
            self.outcomes[str(result.outcome)] += 1
            self.ai_calls += int(result.ai_called)
        return result


def refresh_due(now=None, *, cap=None, concurrency=None, budget=None):
    """Claim this hour's slot, size the pass (unless `cap` is given), then refresh the due
    profiles here (threads mode) or send them to the worker tier's queue (queue mode).

    Returns the summary (with `sizing`, and `queued` in queue mode)."""
    started = time.perf_counter()
    now = now or clock.now()
    config = current_app.config
    concurrency = concurrency or config["REFRESH_CONCURRENCY"]
    specs = source_limits.specs(config)
    budgets = limits.pass_gates(specs, {"spotify": budget} if budget is not None else None)
    summary = {"slot": slot_key(now)[len("SCHEDULER#refresh-due#"):], "claimed": False,
               "processed": 0, "outcomes": {}, "duration_ms": 0, "spotify_calls": 0,
               "source_calls": {}, "ai_calls": 0, "stopped_early": None, "scanned": 0, "paused": {}}
    # A long pause a source asked for in an earlier pass holds this one too (no request sent).
    for source, until in limits.hold_persisted(budgets, specs, now).items():
        summary["paused"][source] = clock.iso(until)
    claim = claim_slot(now)
    if claim is None:
        summary["stopped_early"] = "slot already claimed"
        summary["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        log_event(log, "refresh-due summary", **summary, **metrics.refresh_run(summary, budgets))
        return summary
    item, lock_id = claim
    _active.update(claim=claim, summary=summary)
    if cap is None:    # sized: the backlog over the hours left, within the budgets
        sized = sizing.plan(now, index.count_due, config, ceiling=config["REFRESH_RUN_CAP"])
        summary["sizing"], cap = sized.as_summary(), sized.size
    run = _Run(current_app._get_current_object(), budgets)
    processed = scanned = 0
    cursor = None
    if config["REFRESH_MODE"] == "queue":
        summary["queued"], scanned, stopped = queue.fan_out(now, cap, lambda: _extend(item, lock_id),
                                                            shutting_down.is_set)
        if stopped:
            run.stop(stopped)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="refresh") as pool:
        while config["REFRESH_MODE"] == "threads" and processed < cap and not run.stopped:
            handles, cursor, page_scanned = index.due_profiles(
                now, limit=min(BATCH_SIZE, cap - processed), cursor=cursor)
            scanned += page_scanned
            processed += sum(r is not None for r in pool.map(run.refresh, handles))
            if cursor is None:
                break
            if not _extend(item, lock_id):
                run.stop("slot taken over")
    # Failures a source-wide incident explains are dropped; the others are counted now.
    summary["incidents"], summary["late_failures"] = incidents.settle(budgets, failures.count_failure)
    summary.update(claimed=True, processed=processed, outcomes=dict(run.outcomes),
                   duration_ms=round((time.perf_counter() - started) * 1000, 1),
                   spotify_calls=budgets["spotify"].count,
                   source_calls={source: gate.count for source, gate in budgets.items()},
                   ai_calls=run.ai_calls, stopped_early=run.stopped, scanned=scanned)
    # Stopped by a shutdown with profiles left: let another worker take the rest of this hour.
    _finish(item, lock_id, summary, "released" if run.stopped == "shutting down" else "done")
    _active.update(claim=None, summary=None)
    log_event(log, "refresh-due summary", **summary, **metrics.refresh_run(summary, budgets))
    return summary


def release_active_slot():
    """Hand this process's running slot on (shutdown without time to finish); True if one was."""
    claim, summary = _active["claim"], _active["summary"]
    if claim is None:
        return False
    item, lock_id = claim
    _finish(item, lock_id, dict(summary, stopped_early="shutting down"), "released")
    _active.update(claim=None, summary=None)
    return True
