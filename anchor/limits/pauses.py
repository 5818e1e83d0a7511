"""One shared pause per source, in DynamoDB: a pause any process meets holds every process.

Spotify and the AI model limit per application: their state is one item for every worker.
ListenBrainz and Last.fm limit per client IP address (`SourceLimits.per_address`): each instance
keeps its own item, shared by its processes. Every pause a gate meets is written here, however
short (a ListenBrainz 429 asks for its 10 s window); every fetch reads it once before its first
request (gates.hold_shared), and a pass also reads it when it starts.
"""
import socket
from datetime import timedelta

from anchor import clock
from anchor.models import RateStateModel, conditional


def state_key(source, per_address=False):
    """`RATE#<source>` for application-wide limits, `RATE#<source>#<host>` for per-IP ones."""
    key = f"RATE#{source}"
    return f"{key}#{socket.gethostname()}" if per_address else key


def paused_until(source, now=None, *, per_address=False):
    """When the source lets us back in, or None when it is open at `now` (one consistent read)."""
    try:
        item = RateStateModel.get(state_key(source, per_address), consistent_read=True)
    except RateStateModel.DoesNotExist:
        return None
    until = item.pausedUntil
    return until if until is not None and until > (now or clock.now()) else None


def record_pause(source, seconds, *, per_address=False):
    """Remember a pause of `seconds` from now for every process, unless a longer one is recorded."""
    if seconds <= 0:
        return False
    now = clock.now()
    until = now + timedelta(seconds=seconds)
    item = RateStateModel(state_key(source, per_address), pausedUntil=until, updatedAt=now)
    later = RateStateModel.pausedUntil.does_not_exist() | (RateStateModel.pausedUntil < until)
    return conditional(item.save, condition=RateStateModel.pk.does_not_exist() | later)
