"""What a refresh comes to, in words the owner reads: the outcomes, the result, the button's state."""
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

ALREADY_REFRESHING = "Already refreshing…"
RECONNECT_NEEDED = "reconnect-needed"      # the dashboard asks the owner to sign in again


class Outcome(StrEnum):
    """What one refresh (or a click on the refresh button) came to."""

    REFRESHED = "refreshed"
    UNCHANGED = "unchanged"
    SKIPPED_LOCKED = "skipped-locked"
    RATE_LIMITED = "rate-limited"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    SOURCE_PAUSED = "source-paused"
    SOURCE_INCIDENT = "source-incident"      # a source-wide failure: not held against the profile
    FAILURE_DEFERRED = "failure-deferred"    # counted at the end of the pass unless an incident
    COOLDOWN = "cooldown"
    RUNNING = "running"


@dataclass
class RefreshResult:
    """What one refresh did, in words the owner can read."""

    outcome: Outcome
    message: str
    source_calls: int = 0          # requests sent to the profile's listening source
    ai_called: bool = False


class RefreshState(NamedTuple):
    """The refresh button's state on the dashboard: available | cooldown | running."""

    status: str
    message: str


def nothing_to_show(name):
    """The note for a source that has no listening for the account yet (not "Refreshed")."""
    return (f"{name} has no listening history for this account yet, so your page has nothing to show. "
            f"It fills in when you refresh after your first listens reach {name}.")


def hhmm(moment, today=None):
    """A time as the owner reads it in a refresh message: `14:05 UTC`, with the date when not `today`'s."""
    if today is not None and moment.date() != today.date():
        return f"{moment:%H:%M} UTC on {moment.day} {moment:%B}"
    return moment.strftime("%H:%M UTC")
