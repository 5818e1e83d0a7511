"""One HTTP call with the sources' conventions: budget first, timeouts, bounded jittered retries."""
from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Mapping
from typing import Any, Callable, Self, TypeVar

import requests

from anchor.limits import CallBudget
from anchor.logs import log_event

from .base import BadResponse, RateLimited, SourceError, SourceUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BACKOFF = 8.0


class Retry(Exception):
    """Raised by a response parser: this answer may succeed when asked again (after `wait`, or a backoff)."""

    def __init__(self, error: SourceError, wait: float | None = None):
        super().__init__(error.message)
        self.error, self.wait = error, wait


def name_id(*names: str) -> str:
    """A stable id for an item without an MBID: "name:" + a short hash of its lower-cased names."""
    return "name:" + hashlib.sha1("\x1f".join(n.strip().lower() for n in names).encode()).hexdigest()[:16]


def seconds(value: Any, default: float) -> float:
    """A header's number of seconds, or `default` when missing, garbled, negative or infinite."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number < 86400 * 7 else default


class Transport:
    """A requests session that makes one logical call out of a few attempts."""

    def __init__(self, source: str, *, timeout=(3.05, 10), max_retries: int = 2, max_retry_wait: float = 5.0,
                 backoff_base: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 budget: CallBudget | None = None):
        self.source, self.timeout, self.max_retries = source, timeout, max_retries
        self.max_retry_wait, self.backoff_base = max_retry_wait, backoff_base
        self.sleep, self.budget = sleep, budget
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Anchor.band/1.0 ( https://anchor.band )"
        self._rng = random.Random()

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff, capped."""
        return self._rng.uniform(0, min(MAX_BACKOFF, self.backoff_base * 2 ** attempt))

    def call(self, method: str, url: str, what: str, parse: Callable[[requests.Response], T], **kwargs: Any) -> T:
        """Send, then `parse` the answer; retries timeouts, connection errors and what `parse` marks Retry."""
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            if self.budget is not None:
                self.budget.take()
            try:
                response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                log_event(log, "source call failed", level=logging.WARNING, source=self.source, what=what,
                          error=type(exc).__name__, attempt=attempt + 1)
                if last:
                    raise SourceUnavailable(f"{self.source} did not answer ({what}); try again later") from None
                self.sleep(self.backoff(attempt))
                continue
            except requests.RequestException:
                raise SourceUnavailable(f"Could not reach {self.source} ({what})") from None
            try:
                with response:
                    return parse(response)
            except Retry as retry:
                log_event(log, "source call retried", level=logging.WARNING, source=self.source, what=what,
                          error=retry.error.message, attempt=attempt + 1)
                pause = getattr(self.budget, "pause", None)
                if retry.wait is not None and pause is not None:
                    pause(retry.wait)       # every thread of the pass holds, not just this one
                too_long = retry.wait is not None and retry.wait > self.max_retry_wait
                if last or too_long:
                    raise retry.error from None
                if retry.wait is None:
                    self.sleep(self.backoff(attempt))
                elif pause is None:
                    self.sleep(retry.wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def server_error(self, response: requests.Response, what: str) -> Retry:
        """The Retry for a 5xx answer."""
        return Retry(SourceUnavailable(f"{self.source} is having trouble (HTTP {response.status_code}) with {what}; "
                                       "try again later"))

    def rate_limited(self, wait: float) -> Retry:
        """The Retry for a rate-limit answer asking us to wait `wait` seconds."""
        return Retry(RateLimited(wait, self.source), wait)

    def refused(self, response: requests.Response, what: str) -> SourceError:
        """The error for an answer the source gave but no rule of ours expects."""
        return SourceError(f"{self.source} refused the request for {what} (HTTP {response.status_code})")

    def json_answer(self, response: requests.Response, what: str,
                    errors: Mapping[int, SourceError] | None = None) -> Any:
        """The decoded JSON of a 200 answer: 5xx is a Retry, a status in `errors` raises its error, any other
        status is refused, and a body that is not JSON is a BadResponse."""
        status = response.status_code
        if status >= 500:
            raise self.server_error(response, what)
        if errors and status in errors:
            raise errors[status]
        if status != 200:
            raise self.refused(response, what)
        try:
            return response.json()
        except ValueError:
            raise BadResponse(f"{self.source} sent something that is not JSON for {what}") from None


class TransportClient:
    """A source's client over one Transport: `close()` ends its connections; usable with `with`."""

    transport: Transport

    def close(self) -> None:
        """Close pooled connections."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
