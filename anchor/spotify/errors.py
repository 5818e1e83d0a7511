"""Errors raised by the Spotify client; every message is safe to show a user (never a token)."""

from __future__ import annotations

import threading
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
    """A thread-safe count of HTTP requests with an optional ceiling."""

    def __init__(self, limit: int | None = None):
        self.limit = limit
        self.count = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        """Account for one request; raise BudgetExhausted when it would exceed the limit."""
        with self._lock:
            if self.limit is not None and self.count >= self.limit:
                raise BudgetExhausted(f"Spotify request budget of {self.limit} used up for this run")
            self.count += 1

    @property
    def remaining(self) -> int | None:
        """Requests left, or None when unlimited."""
        with self._lock:
            return None if self.limit is None else max(0, self.limit - self.count)
