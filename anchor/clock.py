"""The one place the app reads the time, so tests can move it."""
from datetime import datetime, timezone

_frozen = None


def now():
    """Current UTC time (timezone-aware)."""
    return _frozen or datetime.now(timezone.utc)


def freeze(moment):
    """Tests: pin the clock to `moment` (None to release)."""
    global _frozen
    _frozen = moment


def iso(moment):
    """ISO-8601 UTC with a Z, second precision: the form used in index keys."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
