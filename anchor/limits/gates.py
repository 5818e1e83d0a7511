"""The gates the refresh asks for: a pass's, this process's, and the ones over the shared buckets.

Every gate is built here from the sources' `SourceLimits` ({source: spec}); the refresh engine
only asks for one and charges its requests to it through `ProfileCalls`.
"""
import threading
import time
from datetime import timedelta

from flask import current_app

from anchor import clock
from anchor.limits import pauses
from anchor.limits.buckets import SharedGate, TokenBucket
from anchor.limits.gate import CallBudget
from anchor.limits.spec import SourceLimits

_gates_lock = threading.Lock()


def _persist(spec):
    """Write a pause the gate meets to the source's shared state (read by every process's next fetch)."""
    return lambda seconds: pauses.record_pause(spec.source, seconds, per_address=spec.per_address)


def pass_gate(spec):
    """A pass's request gate for one source: its run ceiling, pace, window and pauses."""
    return CallBudget(limit=spec.run_budget, rate_per_second=spec.rate_per_second, window=spec.window,
                      max_wait=spec.max_wait, source=spec.label, on_pause=_persist(spec))


def pass_gates(specs, given=None):
    """A request gate per source for one pass; a pause one thread meets holds the others.

    `given` maps a source to a gate the caller made itself (a test's small budget).
    """
    given = given or {}
    return {source: given.get(source) or pass_gate(spec) for source, spec in specs.items()}


def hold_shared(gate, spec, now=None):
    """Hold `gate` for the pause any process recorded for the source (one consistent read).

    Returns when the source lets us back in, or None when it is open.
    """
    wall_clock = getattr(gate, "wall_clock", None) or clock.now
    now = now or wall_clock()
    until = pauses.paused_until(spec.source, now, per_address=spec.per_address)
    if until is not None:
        gate.hold((until - now).total_seconds())
    return until


def hold_persisted(gates, specs, now):
    """Hold each gate of a pass for the pause its source is under as the pass starts: {source: until}.

    The gates keep the pass's time from `now` on, for the read before each fetch.
    """
    held = {}
    started = time.monotonic()

    def pass_time():
        return now + timedelta(seconds=time.monotonic() - started)
    for source, gate in gates.items():
        gate.wall_clock = pass_time
        spec = specs.get(source) or SourceLimits(source, source)
        until = hold_shared(gate, spec, now)
        if until is not None:
            held[source] = until
    return held


def gate_for(source, specs, label=None):
    """This process's request gate for a source, shared by refreshes outside a pass.

    It paces the requests and holds them after a 429 as a pass's gate does, without a run's
    ceiling. A source without limits gets an open gate named `label`.
    """
    gates = current_app.extensions.setdefault("anchor.gates", {})
    with _gates_lock:
        if source not in gates:
            spec = specs.get(source)
            gates[source] = pass_gate(spec) if spec is not None else CallBudget(source=label or source)
            gates[source].limit = None              # a process has no per-run ceiling
        return gates[source]


def shared_gates(specs, app=None):
    """This process's gates over the shared buckets, one per source (made once per app)."""
    app = app or current_app._get_current_object()
    with _gates_lock:
        gates = app.extensions.get("anchor.shared_gates")
        if gates is None:
            gates = {source: SharedGate(TokenBucket(source, spec.bucket_size(), per_address=spec.per_address,
                                                    max_wait=spec.max_wait),
                                        source=source, max_wait=spec.max_wait, on_pause=_persist(spec))
                     for source, spec in specs.items()}
            app.extensions["anchor.shared_gates"] = gates
        return gates


class ProfileCalls:
    """Counts one profile's requests while charging them to its gate (a pass's or the process's).

    With `wait=False` (an owner waits on the answer) a pause is never slept out: the request
    raises RateLimited at once.
    """

    def __init__(self, gate, in_pass, *, wait=True, check=None):
        self.shared, self.in_pass, self.wait, self.check = gate, in_pass, wait, check
        self.count = 0

    def take(self):
        """Wait for the gate (or refuse at once while it is paused), then count the request.

        `check()` first brings in a pause another process recorded (`hold_shared`)."""
        if self.check is not None:
            self.check()
        if self.wait:
            self.shared.take()
        else:
            self.shared.take(max_wait=0)
        self.count += 1

    def pause(self, seconds):
        """A 429 for this profile holds the whole gate."""
        self.shared.pause(seconds)

    def observe(self, remaining, reset_in):
        """Rate-limit headers of an answer, passed on to the gate."""
        self.shared.observe(remaining, reset_in)
