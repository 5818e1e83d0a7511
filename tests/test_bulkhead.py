"""The DynamoDB bulkhead: a visitor's page read waits a moment for a slot; owners and hangs fail fast."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from anchor import clock
from anchor.models import bulkhead

MOMENT = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


class SpyGate:
    """One slot that records how long each caller that found it taken was allowed to wait."""

    def __init__(self):
        self.slot = threading.BoundedSemaphore(1)
        self.waits = []
        self.waiting = threading.Event()

    def acquire(self, timeout=None):
        if self.slot.acquire(blocking=False):
            return True
        self.waits.append(timeout)
        self.waiting.set()
        return self.slot.acquire(timeout=timeout)

    def release(self):
        self.slot.release()


@pytest.fixture
def gate(app):
    """One DynamoDB slot per process, which the test can hold; a slot came back at MOMENT."""
    bulkhead.limit_concurrency(1)
    spy = bulkhead._bulkhead["gate"] = SpyGate()
    clock.freeze(MOMENT)
    assert app.test_client().get("/warm-up-read").status_code == 404     # one read, its slot freed
    yield spy
    bulkhead.limit_concurrency(None)
    clock.freeze(None)


def test_a_slot_freed_while_a_visitor_waits_is_taken(app, gate):
    gate.slot.acquire()                          # a slow call holds the only slot
    answers = []
    visitor = threading.Thread(target=lambda: answers.append(app.test_client().get("/nobody-here-yet")))
    visitor.start()
    assert gate.waiting.wait(timeout=30), "the visitor never waited for the slot"
    gate.release()                               # the slow call finishes
    visitor.join(timeout=30)
    assert answers[0].status_code == 404, "the read ran once the slot came back (no 503)"
    assert gate.waits == [bulkhead.PAGE_WAIT]


def test_a_wait_past_the_bound_answers_503_with_retry_after(app, gate, monkeypatch):
    monkeypatch.setattr(bulkhead, "PAGE_WAIT", 0.05)      # the bound itself, not its length, is tested
    gate.slot.acquire()
    try:
        shed = app.test_client().get("/nobody-here-yet")
    finally:
        gate.release()
    assert shed.status_code == 503 and shed.headers["Retry-After"] == "30"
    assert b"briefly unavailable" in shed.data
    assert gate.waits == [0.05]


def test_when_no_slot_came_back_for_the_whole_bound_a_visitor_does_not_wait_long(app, gate):
    """Calls in flight look hung: the waiting thread goes back to serving cached pages."""
    clock.freeze(MOMENT + timedelta(seconds=bulkhead.PAGE_WAIT + 1))
    gate.slot.acquire()
    try:
        assert app.test_client().get("/nobody-here-yet").status_code == 503
    finally:
        gate.release()
    assert gate.waits == [bulkhead.WAIT]


def test_only_public_reads_are_patient(app, gate):
    client = app.test_client()
    client.get("/nobody-here-yet")
    assert bulkhead.slot_wait() == bulkhead.WAIT, "the thread's next request waits the short time again"
    gate.slot.acquire()
    try:
        assert client.get("/dashboard").status_code in (302, 303, 503)
    finally:
        gate.release()
    assert all(wait == bulkhead.WAIT for wait in gate.waits)
