"""`flask worker`: a thin APScheduler 3.x wrapper that runs `refresh_due` every hour.

Started only by the Procfile's worker line, never by create_app or gunicorn (each gunicorn
worker would run its own copy). Elastic Beanstalk starts every Procfile line in both
environments and restarts processes that exit, so in the web role the worker idles instead.
"""
import logging
import os
import signal
import threading
from datetime import datetime, timedelta, timezone

from anchor.logs import log_event
from anchor.refresh import scheduler

log = logging.getLogger("anchor.worker")

FIRST_RUN_DELAY_SECONDS = 5
MISFIRE_GRACE_SECONDS = 300
IDLE_MESSAGE = "ANCHOR_ROLE=web: the scheduler runs only in the worker environment; idling"


def run(app):
    """Run until SIGTERM/SIGINT: the hourly scheduler in the worker role, idle otherwise."""
    if app.config["ROLE"] != "worker":
        _idle()
        return
    _schedule(app)


def _idle():
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log_event(log, IDLE_MESSAGE, role="web")
    while not stop.wait(1):
        pass
    log_event(log, "worker stopped", role="web")


def _schedule(app):
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    interval = app.config["WORKER_INTERVAL_SECONDS"]
    jobs = BlockingScheduler(timezone=timezone.utc)

    idle = threading.Event()
    idle.set()

    def job():
        idle.clear()
        with app.app_context():
            try:
                scheduler.refresh_due()
            except Exception:  # logged; the next interval tries again
                log_event(log, "refresh-due pass failed", level=logging.ERROR, exc_info=True)
            finally:
                idle.set()

    delay = min(FIRST_RUN_DELAY_SECONDS, interval)
    first_run = datetime.now(timezone.utc) + timedelta(seconds=delay)
    jobs.add_job(job, IntervalTrigger(seconds=interval, jitter=min(60, interval / 10)),
                 id="refresh-due", coalesce=True, max_instances=1,
                 misfire_grace_time=MISFIRE_GRACE_SECONDS, next_run_time=first_run)

    def stop(signum, _frame):
        log_event(log, "worker stopping", signal=signal.Signals(signum).name)
        scheduler.shutting_down.set()      # the running pass starts no new profile
        jobs.shutdown(wait=False)          # start() returns; in-flight profiles go on

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    log_event(log, "worker started", role="worker", interval_seconds=interval,
              first_run=first_run.isoformat(timespec="seconds"))
    jobs.start()
    grace = app.config["WORKER_SHUTDOWN_GRACE_SECONDS"]
    if idle.wait(grace):
        log_event(log, "worker stopped", role="worker")
        return
    # In-flight profiles did not finish within the grace (a slow model call): hand the slot on so
    # another worker can go on this hour; their locks expire and their copy is finished later.
    with app.app_context():
        released = scheduler.release_active_slot()
    log_event(log, "worker stopped with work in flight", level=logging.WARNING, role="worker",
              grace_seconds=grace, slot_released=released)
    os._exit(0)   # the pass's threads are not daemons; the platform would kill us anyway
