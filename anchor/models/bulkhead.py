"""At most N DynamoDB calls in flight per process: a hung DynamoDB holds a few threads, not all."""
import threading

from botocore.exceptions import BotoCoreError
from pynamodb.connection import Connection

from anchor import clock

WAIT = 0.25        # seconds a call waits for a slot: owner actions and writes fail fast
PAGE_WAIT = 2.0    # a visitor's page read waits longer rather than see a 503 (gunicorn's timeout: 120 s)


class DynamoBusy(BotoCoreError):
    """Every DynamoDB slot of this process stayed taken for as long as the call may wait."""

    fmt = "too many DynamoDB calls in flight in this process"


_bulkhead = {"gate": None, "wait": WAIT, "freed_at": None}
_thread = threading.local()


def limit_concurrency(slots, wait=WAIT):
    """Allow at most `slots` DynamoDB calls in flight per process (None: no limit).

    A web process keeps threads free this way: when DynamoDB hangs, at most `slots` threads wait
    on it (each for its bounded timeout) and the rest answer cached pages; a call that finds no
    slot within its wait fails (the page becomes a 503 with Retry-After).
    """
    _bulkhead.update(gate=threading.BoundedSemaphore(slots) if slots else None, wait=wait, freed_at=None)
    installed = getattr(Connection._make_api_call, "_anchor_bulkhead", False)
    if not slots:                   # no limit: PynamoDB's own call again, with nothing in between
        if installed:
            Connection._make_api_call = Connection._make_api_call.original
        return
    if not installed:
        original = Connection._make_api_call

        def guarded(self, operation_name, operation_kwargs):
            gate = _bulkhead["gate"]
            if gate is None:
                return original(self, operation_name, operation_kwargs)
            if not gate.acquire(timeout=slot_wait()):
                raise DynamoBusy()
            try:
                return original(self, operation_name, operation_kwargs)
            finally:
                _bulkhead["freed_at"] = clock.now()
                gate.release()
        guarded._anchor_bulkhead, guarded.original = True, original
        Connection._make_api_call = guarded


def wait_patiently(seconds):
    """Let this thread's DynamoDB calls wait up to `seconds` for a slot (None: the process default)."""
    _thread.wait = seconds


def slot_wait():
    """How long the calling thread's next DynamoDB call may wait for a slot.

    A patient caller waits its longer bound only while slots are being freed (one came back within
    that bound): then a slot is moments away. When none has come back for that long the calls in
    flight are hanging, and waiting would only hold the thread that cached pages need.
    """
    patient, short = getattr(_thread, "wait", None), _bulkhead["wait"]
    freed_at = _bulkhead["freed_at"]
    if patient is None or freed_at is None or (clock.now() - freed_at).total_seconds() > patient:
        return short
    return patient
