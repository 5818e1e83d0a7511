"""`CallBudget`: the in-process request gate, shared by the threads that call one source.

It paces requests, keeps a rolling window, honours pauses and holds an optional ceiling per run.
A pass builds one per source (`gates.pass_gates`), a process keeps one per source for refreshes
outside a pass (`gates.gate_for`), and `buckets.SharedGate` puts one in front of a shared bucket.
"""
from __future__ import annotations

import threading
import time
from collections import deque

from anchor.errors import BudgetExhausted, RateLimited


class CallBudget:
    """The request gate one refresh pass shares across its threads, for one source.

    It counts requests against an optional ceiling (`limit`), spreads them at `rate_per_second`,
    keeps to a sliding window of `window = (requests, seconds)` (a service's rolling limit) and
    honours a pause: when any thread meets a 429, `pause(seconds)` holds every thread of the pass
    (a pause longer than `max_wait` makes `take()` raise RateLimited instead of sleeping).
    `on_pause(seconds)` shares the pause with every process (limits/pauses.py); `hold(seconds)`
    takes one in that another process met.
    """

    def __init__(self, limit: int | None = None, rate_per_second: float | None = None, *,
                 window: tuple[int, float] | None = None, max_wait: float = 30.0,
                 source: str = "The service", on_pause=None, sleep=time.sleep, clock=time.monotonic):
        self.limit = limit
        self.count = 0
        self.pauses = 0          # rate-limit answers (429s) met, for the pass's metrics
        self.interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self.window, self.max_wait, self.source, self.on_pause = window, max_wait, source, on_pause
        self._sleep, self._clock = sleep, clock
        self.wall_clock = None   # a pass run as of another time (refresh_due(now)) reads pauses on it
        self._next_slot = clock()
        self._paused_until = 0.0
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self, max_wait: float | None = None) -> None:
        """Account for one request, waiting for its turn; raise when over the limit or paused long.

        `max_wait` overrides the gate's longest pause to sleep through (0: never sleep out a pause).
        """
        longest = self.max_wait if max_wait is None else max_wait
        with self._lock:
            if self.limit is not None and self.count >= self.limit:
                raise BudgetExhausted(f"The request budget of {self.limit} is used up for this run")
            now = self._clock()
            paused = self._paused_until - now
            if paused > longest:
                raise RateLimited(paused, self.source)
            slot = max(now, self._next_slot, self._paused_until)
            if self.window:
                requests, seconds = self.window
                while self._recent and self._recent[0] <= slot - seconds:
                    self._recent.popleft()
                if len(self._recent) >= requests:
                    slot = max(slot, self._recent[len(self._recent) - requests] + seconds)
                self._recent.append(slot)
            self.count += 1
            self._next_slot = slot + self.interval
        if slot > now:
            self._sleep(slot - now)

    def hold(self, seconds: float) -> None:
        """Pause without telling `on_pause` (a pause read back from an earlier pass)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def pause(self, seconds: float) -> None:
        """Hold every thread of the pass for `seconds` (a 429's Retry-After or reset header)."""
        with self._lock:
            self.pauses += 1
        self.hold(seconds)
        if self.on_pause is not None:
            self.on_pause(seconds)

    def observe(self, remaining, reset_in) -> None:
        """Rate-limit headers of an answer: an exhausted window pauses until it resets."""
        if remaining is not None and reset_in is not None and remaining <= 0:
            self.pause(float(reset_in))

    @property
    def paused_for(self) -> float:
        """Seconds the gate is still paused (0 when open)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    @property
    def remaining(self) -> int | None:
        """Requests left, or None when unlimited."""
        with self._lock:
            return None if self.limit is None else max(0, self.limit - self.count)
