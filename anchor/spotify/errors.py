"""Errors raised by the Spotify client; every message is safe to show a user (never a token)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class SpotifyError(Exception):
    """Something went wrong talking to Spotify; `message` is user-facing text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SpotifyUnavailable(SpotifyError):
    """Spotify answered 5xx or did not answer, even after retries."""


class RateLimited(SpotifyError):
    """Spotify asked us to wait longer than we are willing to wait now."""

    def __init__(self, retry_after: float, now: datetime | None = None):
        self.retry_after = float(retry_after)
        self.until = (now or datetime.now(timezone.utc)) + timedelta(seconds=self.retry_after)
        super().__init__(f"Spotify rate limited us until {self.until:%H:%M} UTC")


class InvalidGrant(SpotifyError):
    """The refresh token (or sign-in code) is no longer valid: the connection is gone."""


class AccessTokenRejected(SpotifyError):
    """The Web API refused the access token (401): refresh it and try again."""


class BadResponse(SpotifyError):
    """Spotify answered something we do not understand."""


class BudgetExhausted(SpotifyError):
    """This run's budget of Spotify requests is used up."""


class CallBudget:
    """A thread-safe count of HTTP requests with an optional ceiling and an optional pace.

    With `rate_per_second`, each `take()` waits for its turn so requests are spread evenly
    (no bursts), which keeps a run under Spotify's rolling rate-limit window.
    """

    def __init__(self, limit: int | None = None, rate_per_second: float | None = None,
                 sleep=time.sleep, clock=time.monotonic):
        self.limit = limit
        self.count = 0
        self.interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self._sleep, self._clock = sleep, clock
        self._next_slot = clock()
        self._lock = threading.Lock()

    def take(self) -> None:
        """Account for one request (waiting for its turn when paced); raise when over the limit."""
        with self._lock:
            if self.limit is not None and self.count >= self.limit:
                raise BudgetExhausted(f"Spotify request budget of {self.limit} used up for this run")
            self.count += 1
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        if slot > now:
            self._sleep(slot - now)

    @property
    def remaining(self) -> int | None:
        """Requests left, or None when unlimited."""
        with self._lock:
            return None if self.limit is None else max(0, self.limit - self.count)
