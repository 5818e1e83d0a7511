"""`SourceLimits`: one source's outgoing limits, read once from the source's record.

Built from the dict a source's record gives (`{"run_budget", "rate_per_second", "window",
"max_wait", "per_address"}`); every gate, bucket, persisted pause and pass size of the source
is derived from it, so no setting is read twice.
"""
import math
from dataclasses import dataclass

from anchor.limits.buckets import BucketSize


@dataclass(frozen=True)
class SourceLimits:
    """A source's limits: a run's ceiling, pace, rolling window, longest wait, per-address or not."""

    source: str                                  # the source's key ("spotify")
    label: str                                   # its name as the owner reads it (in messages)
    run_budget: int | None = None                # requests one pass may make (None: no ceiling)
    rate_per_second: float | None = None         # pace of requests (None: unpaced)
    window: tuple[int, float] | None = None      # (requests, seconds) in any rolling window
    max_wait: float = 30.0                       # longest pause a request sleeps through
    per_address: bool = False                    # limited per client IP (one state per instance)

    @classmethod
    def from_values(cls, source, label, values):
        """The spec for `source` from its record's `limits(config)` dict."""
        return cls(source, label, **values)

    def bucket_size(self):
        """The shared bucket that keeps every instance within the window (or the pace)."""
        if self.window:
            requests, seconds = self.window
            return BucketSize.window(requests, seconds, pace=self.rate_per_second)
        return BucketSize(capacity=max(1.0, math.floor(self.rate_per_second)), rate=self.rate_per_second)
