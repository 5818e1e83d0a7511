"""Source-wide incidents: a circuit breaker per source and pass, so an outside outage is not
held against every profile.

A fetch can fail for one profile (a revoked grant, an unknown user) or for everyone at once:
the service answers 5xx or times out, it refuses the app's own credentials (`invalid_client`),
or the app's quota is used up (Spotify's 429 `QUOTA_EXCEEDED`). Within a pass, failures of the
second family are not written at once: the source's `Breaker` collects them. When most fetches
of the pass fail the same way (at least `MIN_FAILURES`, and more than half of the source's
fetches so far), or at the first used-up quota, the breaker trips: it records the incident
(`INCIDENT#<source>`), holds the source's gate for the rest of the pass (the other profiles of
that source stay due, untouched) and drops the failures it collected. When the pass ends
without an incident, the collected failures are counted against their profiles as usual
(`settle`). Outside a pass (manual refresh, first fetch), such a failure is not counted while
an incident is active.

The breakers are this module's registry, one per gate, held only as long as the gate lives.
"""
import logging
import threading
import weakref
from collections import Counter
from datetime import timedelta

from anchor import clock
from anchor.errors import ClientRejected, QuotaExceeded, SourceUnavailable
from anchor.logs import log_event
from anchor.models import IncidentModel, conditional

log = logging.getLogger("anchor.refresh")

SOURCE_WIDE = (QuotaExceeded, ClientRejected, SourceUnavailable)
MIN_FAILURES = 3
ACTIVE_FOR = timedelta(hours=2)   # an incident not seen again for this long is over
HOLD_SECONDS = 24 * 3600          # a tripped breaker closes the source's gate for the whole pass

COUNT, DEFERRED, INCIDENT = "count", "deferred", "incident"
_breakers_lock = threading.Lock()
_breakers = weakref.WeakKeyDictionary()     # gate -> its Breaker, for as long as the gate lives


def kind_of(exc):
    """The incident kind of a source-wide failure."""
    if isinstance(exc, QuotaExceeded):
        return "quota-exceeded"
    if isinstance(exc, ClientRejected):
        return "invalid-client"
    return "unavailable"


def incident_key(source):
    """`INCIDENT#<source>`."""
    return f"INCIDENT#{source}"


class Breaker:
    """One source's fetch results in one pass, shared by the pass's threads."""

    def __init__(self, source, gate):
        # A weak reference: the registry keeps a breaker only while its gate lives.
        self.source, self._gate = source, weakref.ref(gate)
        self.successes, self.failures = 0, Counter()
        self.pending = []             # (handle, reason) not yet counted against the profile
        self.tripped = None           # the incident kind once tripped
        self._lock = threading.Lock()
        self._open = None             # an incident recorded before this pass, read on first use
        self._checked = False

    def success(self):
        """A fetch of this source worked: an incident recorded earlier is over."""
        with self._lock:
            self.successes += 1
            close = not self._checked
            self._checked = True
        if close and self.tripped is None:
            close_incident(self.source)

    def failure(self, kind, handle, reason):
        """A source-wide failure: INCIDENT (not counted) or DEFERRED (counted at `settle`)."""
        with self._lock:
            self.failures[kind] += 1
            if self.tripped is not None:
                return INCIDENT
            self.pending.append((handle, reason))
            attempts = self.successes + sum(self.failures.values())
            trip = kind == "quota-exceeded" or (self.failures[kind] >= MIN_FAILURES
                                                and self.failures[kind] * 2 > attempts)
            if not trip:
                return DEFERRED
            self.tripped, dropped = kind, len(self.pending)
            self.pending = []
        gate = self._gate()
        if gate is not None:
            gate.hold(HOLD_SECONDS)    # the rest of the pass leaves this source's profiles due
        record_incident(self.source, kind, reason, dropped)
        log_event(log, "source incident", level=logging.WARNING, source=self.source, kind=kind,
                  failures=dropped, message=reason)
        return INCIDENT


def breaker(gate, source):
    """The breaker of the pass's gate for `source` (made on first use)."""
    with _breakers_lock:
        found = _breakers.get(gate)
        if found is None:
            found = _breakers[gate] = Breaker(source, gate)
        return found


def on_failure(source, exc, gate, handle):
    """What to do with a source-wide failure: COUNT it now, DEFERRED, or INCIDENT (never counted).

    `gate` is the pass's gate for the source, or None outside a pass.
    """
    kind = kind_of(exc)
    if gate is not None:
        return breaker(gate, source).failure(kind, handle, exc.message)
    if kind == "quota-exceeded":
        record_incident(source, kind, exc.message, 1)
        return INCIDENT
    return INCIDENT if active(source) is not None else COUNT


def on_success(source, gate):
    """A fetch worked (inside a pass: tells the breaker)."""
    if gate is not None:
        breaker(gate, source).success()


def settle(gates, count_failure):
    """At the end of a pass, count the failures no incident explains with `count_failure`.

    `count_failure(handle, reason)` counts one against its profile (None when it could not).
    Returns ({source: incident kind}, how many held-back failures were counted).
    """
    incidents, counted = {}, 0
    for source, gate in gates.items():
        with _breakers_lock:
            found = _breakers.get(gate)
        if found is None:
            continue
        with found._lock:
            pending, found.pending = found.pending, []
            tripped = found.tripped
        if tripped is not None:
            incidents[source] = tripped
            continue
        for handle, reason in pending:
            counted += count_failure(handle, reason) is not None
    return incidents, counted


def record_incident(source, kind, message, failures, now=None):
    """Open an incident for `source`, or note that the open one was seen again."""
    now = now or clock.now()
    item = IncidentModel(incident_key(source), kind=kind, openedAt=now, lastSeenAt=now,
                         failures=failures, message=message[:300])
    still_open = IncidentModel.closedAt.does_not_exist() & (IncidentModel.lastSeenAt > now - ACTIVE_FOR)
    if conditional(item.update, actions=[IncidentModel.lastSeenAt.set(now), IncidentModel.kind.set(kind),
                                         IncidentModel.failures.add(failures),
                                         IncidentModel.message.set(message[:300])],
                   condition=IncidentModel.pk.exists() & still_open):
        return False
    item.save()
    return True


def active(source, now=None):
    """The source's open incident (seen within the last two hours), or None."""
    try:
        item = IncidentModel.get(incident_key(source), consistent_read=True)
    except IncidentModel.DoesNotExist:
        return None
    now = now or clock.now()
    if item.closedAt is not None or item.lastSeenAt < now - ACTIVE_FOR:
        return None
    return item


def close_incident(source, now=None):
    """Mark the source's open incident over (a fetch worked again); True if one was open."""
    closed = conditional(IncidentModel(incident_key(source)).update,
                         actions=[IncidentModel.closedAt.set(now or clock.now())],
                         condition=IncidentModel.pk.exists() & IncidentModel.closedAt.does_not_exist())
    if closed:
        log_event(log, "source incident over", source=source)
    return closed
