"""How many profiles an hourly pass takes on: the backlog spread over the hours left, within budgets.

Profiles fall due spread over the refresh week. The pass counts the profiles due from now to the
end of the current refresh period (a week, aligned to Monday 00:00 UTC) and needs to take on
`ceil(backlog / hours left)` of them each hour to finish within the period (the pace). It takes
on every profile due now when the budgets allow, so none waits without need, and never more than
the budgets can serve in an hour: the application-wide and per-address request allowances
(per-address ones once per worker instance) divided by the requests a refresh makes. What it
leaves due is how far behind the backlog is, in profiles and in hours of the pace.
"""
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from anchor.profiles import listening
from anchor.refresh import source_limits

PERIOD_ORIGIN = datetime(1970, 1, 5, tzinfo=timezone.utc)     # a Monday, 00:00 UTC
HOUR = 3600.0


@dataclass(frozen=True)
class RunSize:
    """One pass's sizing, as written into its summary."""

    due_now: int            # profiles due at the start of the pass
    period_backlog: int     # profiles due from now to the end of the period (due_now included)
    hours_left: float       # hours to the end of the period (at least 1)
    pace: int               # profiles per hour that finish the period's backlog in time
    budget_cap: int         # profiles the budgets serve in one hour
    size: int               # profiles this pass takes on
    behind: int             # profiles due now that this pass leaves due
    behind_hours: float     # how long the backlog left due takes at the budgets' hourly rate
    on_track: bool          # the budgets allow the pace

    def as_summary(self):
        """The sizing fields of a run summary."""
        return asdict(self)


def period_end(now, interval):
    """The end of the refresh period `now` falls in (periods of `interval`, from a Monday)."""
    seconds = interval.total_seconds()
    elapsed = (now - PERIOD_ORIGIN).total_seconds()
    return PERIOD_ORIGIN + timedelta(seconds=(math.floor(elapsed / seconds) + 1) * seconds)


def hourly_capacity(config, instances=None):
    """{source: profiles per hour its request budget serves} (per-address ones × instances)."""
    instances = instances or config.get("WORKER_INSTANCES") or 1
    found = {}
    for source, spec in source_limits.specs(config).items():
        calls = listening.CALLS_PER_FETCH.get(source) or 1
        copies = instances if spec.per_address else 1
        found[source] = int(spec.bucket_size().rate * HOUR * copies // calls)
    return found


def size_run(due_now, period_backlog, hours_left, budget_cap, ceiling=None):
    """The RunSize for these counts; `ceiling` is an operator's fixed cap on top (None: none)."""
    hours_left = max(1.0, hours_left)
    pace = math.ceil(period_backlog / hours_left) if period_backlog else 0
    limit = budget_cap if ceiling is None else min(budget_cap, ceiling)
    size = max(0, min(due_now, limit))
    behind = due_now - size
    per_hour = max(1, limit)
    return RunSize(due_now=due_now, period_backlog=period_backlog, hours_left=round(hours_left, 2),
                   pace=pace, budget_cap=budget_cap, size=size, behind=behind,
                   behind_hours=round(behind / per_hour, 2), on_track=pace <= limit)


def plan(now, counts, config, ceiling=None):
    """Size this pass from `counts(upper)`, which counts due profiles up to a time."""
    interval = timedelta(seconds=config["REFRESH_INTERVAL_SECONDS"])
    end = period_end(now, interval)
    due_now = counts(now)
    backlog = counts(end) if end > now else due_now
    hours = (end - now).total_seconds() / HOUR
    share = min(1.0, config["WORKER_INTERVAL_SECONDS"] / HOUR)    # passes shorter than an hour
    cap = max(1, int(min(hourly_capacity(config).values()) * share))
    return size_run(due_now, backlog, hours, cap, ceiling)
