"""Token buckets in DynamoDB: request budgets shared by every thread, process and instance.

A bucket holds up to `capacity` tokens and refills at `rate` tokens a second. A grant reads the
item, refills it by the time since the last grant, takes up to the tokens asked for and writes
the rest back on the condition that nobody wrote in between (optimistic: a lost race reads
again). A process asks for a small batch at a time and hands it to its threads, so a request
costs a fraction of a DynamoDB write; a batch still unused `hold` seconds after its grant is
dropped. Any rolling window of W seconds therefore sees at most capacity + rate × (W + hold)
requests, which `BucketSize.window` keeps at the service's allowance.

Limits per application (Spotify, the AI model) have one item for every instance, `BUCKET#<name>`;
limits per IP address (ListenBrainz, Last.fm) one item per instance, `BUCKET#<name>#<host>`,
like the pauses in pauses.py. A 429 drains the shared bucket, so every instance waits it out.
"""
import json
import math
import socket
import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context

from anchor.errors import RateLimited
from anchor.limits.gate import CallBudget
from anchor.models import RateStateModel, conditional

HOLD = 1.0                 # seconds a granted batch may wait in a process before it is dropped
BURST_SHARE = 0.02         # capacity as a share of the window's allowance (at least 1 token)
GRANT_ATTEMPTS = 8         # optimistic write attempts before a grant gives up for this round


@dataclass(frozen=True)
class BucketSize:
    """A bucket's size (tokens) and refill rate (tokens per second)."""

    capacity: float
    rate: float

    @classmethod
    def window(cls, requests, seconds, *, hold=HOLD, pace=None, burst=BURST_SHARE):
        """The bucket that never lets more than `requests` through in any rolling `seconds`."""
        capacity = max(1.0, math.floor(requests * burst))
        refill = (requests - capacity) / (seconds + hold)
        return cls(capacity, min(refill, pace) if pace else refill)

    @classmethod
    def per_minute(cls, amount):
        """A per-minute quota (the AI model's requests or tokens per minute); bursts of 10 %."""
        return cls.window(amount, 60.0, burst=0.1)


def bucket_key(name, per_address=False):
    """`BUCKET#<name>` for application-wide limits, `BUCKET#<name>#<host>` for per-IP ones."""
    key = f"BUCKET#{name}"
    return f"{key}#{socket.gethostname()}" if per_address else key


class TokenBucket:
    """One shared bucket; `take()` blocks a thread until its tokens are granted."""

    def __init__(self, name, limit, *, per_address=False, batch=None, hold=HOLD, max_wait=30.0,
                 clock=time.time, sleep=time.sleep):
        self.name, self.key, self.limit = name, bucket_key(name, per_address), limit
        self.batch = max(1, int(batch or min(limit.capacity, math.ceil(limit.rate * 0.2))))
        self.hold, self.max_wait = hold, max_wait
        self._clock, self._sleep = clock, sleep
        self._local, self._local_until = 0, 0.0
        self._lock = threading.Lock()
        self.reads = self.writes = 0          # DynamoDB calls, for the bench's overhead figure

    # -- the shared item ---------------------------------------------------------------------
    def _read(self):
        self.reads += 1
        try:
            return RateStateModel.get(self.key, consistent_read=True)
        except RateStateModel.DoesNotExist:
            return None

    def _level(self, item, now):
        """(tokens now, time of the stored level) after refilling by the time since then."""
        if item is None or item.tokens is None:
            return self.limit.capacity, now
        at = float(item.refilledAt)
        now = max(now, at)        # another instance's clock may run a little ahead of ours
        return min(self.limit.capacity, float(item.tokens) + (now - at) * self.limit.rate), at

    def _write(self, item, tokens, now):
        """Store `tokens` at `now` unless someone wrote since `item` was read; True if stored."""
        self.writes += 1
        if item is None or item.refilledAt is None:
            fresh = RateStateModel(self.key, tokens=tokens, refilledAt=now)
            return conditional(fresh.save, condition=RateStateModel.refilledAt.does_not_exist())
        return conditional(item.update, actions=[RateStateModel.tokens.set(tokens),
                                                 RateStateModel.refilledAt.set(now)],
                           condition=RateStateModel.refilledAt == item.refilledAt)

    def grant(self, want, least=1):
        """Take `least` to `want` tokens from the shared item: (granted, seconds to wait if none)."""
        least = min(least, self.limit.capacity)
        for _ in range(GRANT_ATTEMPTS):
            item = self._read()
            now = self._clock()
            available, at = self._level(item, now)
            granted = int(min(want, max(0, math.floor(available))))
            if granted < least:
                return 0, (least - available) / self.limit.rate
            if self._write(item, available - granted, max(now, at)):
                return granted, 0.0
        return 0, 1.0 / self.limit.rate        # heavy contention: try again after one token

    def drain(self, seconds):
        """Hold every process for `seconds` (a 429 with Retry-After): the bucket goes into debt."""
        with self._lock:
            self._local = 0
        for _ in range(GRANT_ATTEMPTS):
            item = self._read()
            now = self._clock()
            available, at = self._level(item, now)
            debt = -self.limit.rate * max(0.0, seconds)
            if available <= debt or self._write(item, debt, max(now, at)):
                return

    # -- a thread's request ------------------------------------------------------------------
    def take(self, count=1):
        """Block until `count` tokens are this thread's; RateLimited when the wait is too long."""
        while True:
            with self._lock:
                now = self._clock()
                if now > self._local_until:
                    self._local = 0                  # an old batch would overrun the window
                if self._local >= count:
                    self._local -= count
                    return
                needed = count - self._local
                granted, wait = self.grant(max(needed, self.batch), needed)
                if granted:
                    self._local += granted
                    self._local_until = now + self.hold
                    continue
            if wait > self.max_wait:
                raise RateLimited(wait, self.name)
            self._sleep(min(wait, 1.0))


class SharedGate(CallBudget):
    """A pass's request gate backed by a shared bucket (the engine sees a CallBudget)."""

    def __init__(self, bucket, *, source, max_wait=30.0, on_pause=None):
        super().__init__(max_wait=max_wait, source=source, on_pause=on_pause)
        self.bucket = bucket

    def take(self, max_wait=None):
        super().take(max_wait)    # a pause this process knows of: sleep or raise; counts the request
        self.bucket.take()

    def pause(self, seconds):
        super().pause(seconds)
        self.bucket.drain(seconds)


_made_lock = threading.Lock()


def model_buckets(app=None):
    """(requests bucket, tokens bucket) for the AI model, or None when no quota is set."""
    app = app or current_app._get_current_object()
    rpm, tpm = app.config.get("AI_REQUESTS_PER_MINUTE"), app.config.get("AI_TOKENS_PER_MINUTE")
    if not rpm or not tpm:
        return None
    with _made_lock:
        made = app.extensions.get("anchor.model_buckets")
        if made is None:
            made = (TokenBucket("ai-requests", BucketSize.per_minute(rpm), batch=1, max_wait=60),
                    TokenBucket("ai-tokens", BucketSize.per_minute(tpm), batch=1, max_wait=60))
            app.extensions["anchor.model_buckets"] = made
        return made


def before_model_call(system, messages, max_tokens):
    """Wait for the model's shared quota: one request and the call's estimated tokens.

    Tokens are estimated before the call (about 4 characters a token, plus the most the answer
    may use), so a burst of calls cannot overrun the tokens-per-minute quota.
    """
    if not has_app_context():
        return 0
    buckets = model_buckets()
    if buckets is None:
        return 0
    requests, tokens = buckets
    estimate = (len(system) + len(json.dumps(messages))) // 4 + max_tokens
    requests.take()
    tokens.take(min(estimate, int(tokens.limit.capacity)))
    return estimate
