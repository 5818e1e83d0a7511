"""At most N DynamoDB calls in flight per process: a hung DynamoDB holds a few threads, not all."""
import threading

from botocore.exceptions import BotoCoreError
from pynamodb.connection import Connection


class DynamoBusy(BotoCoreError):
    """Every DynamoDB slot of this process is taken: fail fast rather than queue."""

    fmt = "too many DynamoDB calls in flight in this process"


_bulkhead = {"gate": None, "wait": 0.25}


def limit_concurrency(slots, wait=0.25):
    """Allow at most `slots` DynamoDB calls in flight per process (None: no limit).

    A web process keeps threads free this way: when DynamoDB hangs, at most `slots` threads wait
    on it (each for its bounded timeout) and the rest answer cached pages; a call that finds no
    slot within `wait` seconds fails at once (the page becomes a 503).
    """
    _bulkhead["gate"] = threading.BoundedSemaphore(slots) if slots else None
    _bulkhead["wait"] = wait
    if not getattr(Connection._make_api_call, "_anchor_bulkhead", False):
        original = Connection._make_api_call

        def guarded(self, operation_name, operation_kwargs):
            gate = _bulkhead["gate"]
            if gate is None:
                return original(self, operation_name, operation_kwargs)
            if not gate.acquire(timeout=_bulkhead["wait"]):
                raise DynamoBusy()
            try:
                return original(self, operation_name, operation_kwargs)
            finally:
                gate.release()
        guarded._anchor_bulkhead = True
        Connection._make_api_call = guarded
