"""How long one profile waits before its next try, after failures or a source's rate limit."""
from datetime import timedelta

BACKOFF = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
RATE_LIMIT_MIN_WAIT = timedelta(hours=1)


def backoff_after(failures):
    """Wait before retrying after `failures` consecutive failures: 1 h, 4 h, then 24 h."""
    return BACKOFF[min(failures, len(BACKOFF)) - 1]
