"""Spotify's names for the shared source errors; every message is safe to show (never a token)."""

from __future__ import annotations

from datetime import datetime

from anchor.limits import CallBudget
from anchor.sources.base import AccessTokenRejected, BadResponse, BudgetExhausted, ClientRejected
from anchor.sources.base import QuotaExceeded as _QuotaExceeded
from anchor.sources.base import CredentialsRevoked as InvalidGrant
from anchor.sources.base import RateLimited as _RateLimited
from anchor.sources.base import SourceError as SpotifyError
from anchor.sources.base import SourceUnavailable as SpotifyUnavailable

__all__ = ["SpotifyError", "SpotifyUnavailable", "RateLimited", "InvalidGrant", "AccessTokenRejected",
           "BadResponse", "BudgetExhausted", "CallBudget", "ClientRejected", "QuotaExceeded"]


class RateLimited(_RateLimited):
    """Spotify asked us to wait longer than we are willing to wait now."""

    def __init__(self, retry_after: float, now: datetime | None = None):
        super().__init__(retry_after, "Spotify", now)


class QuotaExceeded(_QuotaExceeded):
    """Spotify's quota for this app is used up until its window ends (429 QUOTA_EXCEEDED)."""

    def __init__(self, retry_after: float, source: str = "Spotify", now: datetime | None = None):
        super().__init__(retry_after, source, now)
        self.message = f"Spotify's request quota for this app is used up until {self.until:%H:%M} UTC"
        self.args = (self.message,)
