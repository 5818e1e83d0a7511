"""The errors of every call to an outside service (listening sources, the AI model, limits).

Every message is safe to show the owner: never a token or a secret. The listening sources'
port (`anchor.sources`) speaks this vocabulary, and so do the outgoing limits that gate it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class SourceError(Exception):
    """Something went wrong talking to a source; `message` is user-facing text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SourceUnavailable(SourceError):
    """The service answered 5xx, timed out or could not be reached, even after retries."""


class RateLimited(SourceError):
    """The service asked us to wait longer than we are willing to wait now."""

    WORDING = "{source} rate limited us until {until:%H:%M} UTC"

    def __init__(self, retry_after: float, source: str = "The service", now: datetime | None = None):
        self.retry_after = max(0.0, float(retry_after))
        self.until = (now or datetime.now(timezone.utc)) + timedelta(seconds=self.retry_after)
        super().__init__(self.WORDING.format(source=source, until=self.until))


class QuotaExceeded(RateLimited):
    """The application's quota is used up (Spotify's 429 with reason QUOTA_EXCEEDED): every
    request fails until the quota window ends, whoever it is for."""

    WORDING = "{source}'s request quota for this app is used up until {until:%H:%M} UTC"


class ClientRejected(SourceError):
    """The service refused this application's own credentials (e.g. `invalid_client`)."""


class CredentialsRevoked(SourceError):
    """The stored grant or session no longer works: the owner must sign in again."""


class AccessTokenRejected(SourceError):
    """The API refused the access token (401): refresh it and try again."""


class UnknownUser(SourceError):
    """The service does not know this user (or their data is private): a per-profile failure."""


class NotReady(SourceError):
    """The service has no statistics for this user yet (e.g. ListenBrainz answers 204)."""


class BadResponse(SourceError):
    """The service answered something we do not understand."""


class BudgetExhausted(SourceError):
    """This run's budget of requests is used up."""
