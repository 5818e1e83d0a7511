"""Copy generation off the request path: one job per profile at a time, progress in DynamoDB.

"Write copy", the copy after a claim or a manual refresh, and the rewrite after the owner hides
something all start a job here; once the copy is written, the job brings the page's share images
up to date (profiles/share_cards.py). The claim is a conditional put of `COPYJOB#<handle>` (no job,
or the last one finished, or its lease ran out), so a second click, in this process or any
other, starts nothing. The job runs in a thread of the process that took the claim and writes
its stage as it goes; the dashboard polls it. A process killed mid-job leaves a lease that runs
out a little after the generation budget, and the job then reads as stopped.
"""
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from anchor import clock
from anchor.logs import log_event
from anchor.models import CopyJobModel, conditional
from anchor.profiles import copywriting, service, share_cards, year_cards, year_copy

log = logging.getLogger("anchor.copy")

RUNNING, DONE = "running", "done"
LEASE_MARGIN = timedelta(seconds=30)     # DynamoDB writes and validation around the model budget
ALREADY = "Copy is already being written; this page shows it when it is done."
WRITING = "The copy is being written."   # ends a refresh's note while its copy job runs
STOPPED = ("Writing the copy stopped before it finished (the server restarted). Your previous "
           "copy stays; press “Write copy” to try again.")


@dataclass
class Started:
    """What a request to write copy came to: started (maybe already finished) or refused."""

    started: bool
    message: str
    job: CopyJobModel | None = None
    outcome: copywriting.CopyOutcome | None = None     # when it ran inline


def key(handle):
    """`COPYJOB#<handle>`: the profile's one copy-job item."""
    return f"COPYJOB#{handle}"


def current(profile):
    """The profile's latest copy job (a killed one reads as done with a message), or None."""
    try:
        job = CopyJobModel.get(key(profile.handle), consistent_read=True)
    except CopyJobModel.DoesNotExist:
        return None
    if profile.createdAt and job.startedAt < profile.createdAt:
        return None                       # a job of an earlier owner of this handle
    if job.status == RUNNING and job.leaseUntil < clock.now():
        job.status, job.outcome, job.message = DONE, "failed", STOPPED
    return job


def is_running(profile):
    """True while a copy job for the profile holds its claim."""
    job = current(profile)
    return job is not None and job.status == RUNNING


def _lease():
    return timedelta(seconds=current_app.config["AI_BUDGET_SECONDS"]) + LEASE_MARGIN


def start(profile, reason, *, background=None, fallback_offline=False):
    """Claim the profile's copy job and write copy in a thread (or inline); Started."""
    now = clock.now()
    job = CopyJobModel(key(profile.handle), jobId=uuid.uuid4().hex, status=RUNNING, reason=reason,
                       startedAt=now, leaseUntil=now + _lease(), stage="Starting…")
    free = (CopyJobModel.pk.does_not_exist() | (CopyJobModel.status != RUNNING)
            | (CopyJobModel.leaseUntil < now))
    if not conditional(job.save, condition=free):
        return Started(False, ALREADY)
    background = current_app.config["COPY_IN_BACKGROUND"] if background is None else background
    log_event(log, "copy job started", handle=profile.handle, reason=reason, background=background)
    if not background:        # the caller waits: no progress to show, its copy of the item is fresh
        outcome = _run(profile.handle, job, fallback_offline, profile=profile)
        return Started(True, outcome.message, job, outcome)
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            _run(profile.handle, job, fallback_offline)
    threading.Thread(target=run, name=f"copy-{profile.handle}", daemon=True).start()
    return Started(True, "Writing your copy…", job)


def _run(handle, job, fallback_offline, profile=None):
    """Generate copy for the job; whatever happens, the job ends with an outcome and a message."""
    def progress(stage):
        if inline:
            return
        conditional(job.update, actions=[CopyJobModel.stage.set(stage)],
                    condition=(CopyJobModel.jobId == job.jobId) & (CopyJobModel.status == RUNNING))
    inline = profile is not None
    try:
        profile = profile if inline else service.get(handle)
        if profile is None or profile.deletedAt is not None:
            outcome = copywriting.CopyOutcome("failed", "This profile is deleted; nothing was written.")
        else:
            outcome = copywriting.generate(profile, force=True, progress=progress,
                                           fallback_offline=fallback_offline)
    except Exception:  # a bug or an outage must end the job, never leave it "running"
        log_event(log, "copy job crashed", level=logging.ERROR, exc_info=True, handle=handle)
        outcome = copywriting.CopyOutcome("failed", "Something broke while writing the copy; your "
                                                    "previous copy stays. Please try again.")
    conditional(job.update, actions=[CopyJobModel.status.set(DONE), CopyJobModel.outcome.set(outcome.status),
                                     CopyJobModel.message.set(outcome.message),
                                     CopyJobModel.stage.remove(), CopyJobModel.finishedAt.set(clock.now())],
                condition=CopyJobModel.jobId == job.jobId)
    job.status, job.outcome, job.message = DONE, outcome.status, outcome.message
    log_event(log, "copy job done", handle=handle, outcome=outcome.status, ai_called=outcome.ai_called)
    if profile is not None and profile.deletedAt is None:
        share_cards.update_quietly(profile)      # after the job ends: the owner sees the copy first
        year_copy.update_quietly(profile)
        year_cards.update_quietly(profile)
    return outcome
