"""One persisted pause per source, in DynamoDB, so a long pause outlives the pass that met it.

Spotify and the AI model limit per application: their state is one item for every worker.
ListenBrainz and Last.fm limit per client IP address (`SourceLimits.per_address`): each instance
keeps its own item. Within a pass, every thread shares one CallBudget (gate.py); a pause longer
than the pass waits is written here, and the next pass reads it before it starts.
"""
import socket
from datetime import timedelta

from anchor import clock
from anchor.models import RateStateModel, conditional

PERSIST_AFTER = timedelta(seconds=60)     # shorter pauses only matter inside one pass


def state_key(source, per_address=False):
    """`RATE#<source>` for application-wide limits, `RATE#<source>#<host>` for per-IP ones."""
    key = f"RATE#{source}"
    return f"{key}#{socket.gethostname()}" if per_address else key


def paused_until(source, now=None, *, per_address=False):
    """When the source lets us back in, or None when it is open at `now`."""
    try:
        item = RateStateModel.get(state_key(source, per_address), consistent_read=True)
    except RateStateModel.DoesNotExist:
        return None
    until = item.pausedUntil
    return until if until is not None and until > (now or clock.now()) else None


def record_pause(source, seconds, *, per_address=False):
    """Remember a pause of `seconds` from now, unless a longer one is already recorded."""
    if timedelta(seconds=seconds) < PERSIST_AFTER:
        return False
    now = clock.now()
    until = now + timedelta(seconds=seconds)
    item = RateStateModel(state_key(source, per_address), pausedUntil=until, updatedAt=now)
    later = RateStateModel.pausedUntil.does_not_exist() | (RateStateModel.pausedUntil < until)
    return conditional(item.save, condition=RateStateModel.pk.does_not_exist() | later)
