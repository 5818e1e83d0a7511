"""A model of the refresh at internet scale: 1,000,000 profiles, N worker instances, hour by hour.

`python -m bench.simulate [--profiles N] [--instances 1,2,3,...]` prints one table (also the
last section of `make bench`). No service is called: it applies the product's rules (weekly
cadence, hourly passes sized by the budgets, per-application and per-address limits, the AI
model's quota, retries after failures) to the assumptions below, which docs/benchmarks.md and
docs/deploy.md repeat. Change an assumption here and in the docs together.
"""
import argparse
import math
from dataclasses import dataclass

HOURS_PER_WEEK = 168
WEEKS = 3                            # the last week is reported (the first two settle the backlog)


@dataclass(frozen=True)
class Assumptions:
    profiles: int = 1_000_000
    mix: tuple = (("spotify", 0.50), ("listenbrainz", 0.35), ("lastfm", 0.15))
    calls_per_fetch: tuple = (("spotify", 6), ("listenbrainz", 7), ("lastfm", 7))
    # Allowances: Spotify per application (it publishes none; 900 per rolling 30 s assumed),
    # ListenBrainz 30 per 10 s per address (we keep to 25), Last.fm about 5/s per address (we keep to 4).
    app_wide_per_hour: tuple = (("spotify", 900 / 30 * 3600),)
    per_address_per_hour: tuple = (("listenbrainz", 25 / 10 * 3600), ("lastfm", 4 * 3600))
    bucket_efficiency: float = 0.95  # share of an allowance a token bucket uses (burst + hold margin)
    changed_per_week: float = 0.10   # profiles whose data changes in a week -> new AI copy
    ai_sources: tuple = ("listenbrainz",)   # Spotify's terms keep its data away from AI models
    ai_requests_per_minute: int = 100
    ai_tokens_per_minute: int = 400_000
    ai_tokens_per_call: int = 3_000  # ~2,400 in (prompt + data) + ~600 out, one call (retries below)
    ai_retry_share: float = 0.10     # answers that fail validation and are asked once more
    failure_share: float = 0.02      # refreshes failing (5xx, timeouts): retried an hour later
    refresh_seconds: float = 1.2     # one refresh's wall time on an instance (6-7 calls, 10 DynamoDB ops)
    connections: int = 4             # sqsd HttpConnections per instance
    writes_per_refresh: float = 4.0  # lock, data + status, next refresh, unlock (copy: +1 when changed)
    reads_per_refresh: float = 4.0   # due check, profile, consistent re-read, tokens
    bucket_tokens_per_write: float = 5.0   # batched grants: one read + one write per batch
    price_write_million: float = 0.625     # DynamoDB on-demand, USD per million write request units
    price_read_million: float = 0.125      # … per million read request units (strongly consistent: 1)
    price_sqs_million: float = 0.40        # SQS standard, per million requests
    price_kms_10k: float = 0.03            # KMS Decrypt, per 10,000 (one per refresh; 15-min cache)
    price_ai_input_million: float = 1.00   # Claude Haiku 4.5 on Bedrock, per million input tokens
    price_ai_output_million: float = 5.00  # … per million output tokens
    price_instance_hour: float = 0.0208    # t3.small, on demand, us-east-1


def run(a: Assumptions, instances: int, mix_aware: bool):
    """Simulate WEEKS weeks hour by hour; figures per hour averaged over the last week."""
    mix, calls = dict(a.mix), dict(a.calls_per_fetch)
    allowance = {s: v * a.bucket_efficiency for s, v in a.app_wide_per_hour}
    allowance.update({s: v * a.bucket_efficiency * instances for s, v in a.per_address_per_hour})
    capacity = {s: allowance[s] / calls[s] for s in mix}             # profiles/h each budget serves
    throughput = instances * a.connections * 3600 / a.refresh_seconds
    ai_per_hour = min(a.ai_requests_per_minute * 60,
                      a.ai_tokens_per_minute * 60 / (a.ai_tokens_per_call * (1 + a.ai_retry_share)))
    backlog = {s: 0.0 for s in mix}
    retry = {s: 0.0 for s in mix}
    totals = {"refreshed": 0.0, "calls": 0.0, "ai": 0.0, "writes": 0.0, "reads": 0.0, "sqs": 0.0,
              "kms": 0.0, "ai_in": 0.0, "ai_out": 0.0}
    worst_backlog = 0.0
    for hour in range(WEEKS * HOURS_PER_WEEK):
        arriving = {s: a.profiles * mix[s] / HOURS_PER_WEEK + retry[s] for s in mix}
        due = {s: backlog[s] + arriving[s] for s in mix}
        # The pass sizes itself: the tightest budget bounds the total unless it knows the mix.
        cap = sum(capacity.values()) if mix_aware else min(capacity.values())
        total_due = sum(due.values())
        size = min(total_due, cap, throughput)
        done = {s: min(due[s], capacity[s], size * due[s] / total_due if total_due else 0) for s in mix}
        for s in mix:
            backlog[s] = due[s] - done[s]
            retry[s] = done[s] * a.failure_share
        if hour >= (WEEKS - 1) * HOURS_PER_WEEK:
            refreshed = sum(done.values())
            changed = sum(done[s] for s in a.ai_sources) * a.changed_per_week
            ai = min(changed, ai_per_hour)
            totals["refreshed"] += refreshed
            totals["calls"] += sum(done[s] * calls[s] for s in mix)
            totals["ai"] += ai
            grants = totals_grants = sum(done[s] * calls[s] for s in mix) / a.bucket_tokens_per_write
            totals["writes"] += refreshed * a.writes_per_refresh + changed + totals_grants + ai
            totals["reads"] += refreshed * a.reads_per_refresh + grants
            totals["sqs"] += refreshed * (0.1 + 1 + 1)         # batched send, receive, delete
            totals["kms"] += refreshed
            totals["ai_in"] += ai * (1 + a.ai_retry_share) * a.ai_tokens_per_call * 0.8
            totals["ai_out"] += ai * (1 + a.ai_retry_share) * a.ai_tokens_per_call * 0.2
            worst_backlog = max(worst_backlog, sum(backlog.values()))
    per_hour = {k: v / HOURS_PER_WEEK for k, v in totals.items()}
    cost = (per_hour["writes"] / 1e6 * a.price_write_million + per_hour["reads"] / 1e6 * a.price_read_million
            + per_hour["sqs"] / 1e6 * a.price_sqs_million + per_hour["kms"] / 1e4 * a.price_kms_10k
            + per_hour["ai_in"] / 1e6 * a.price_ai_input_million
            + per_hour["ai_out"] / 1e6 * a.price_ai_output_million + instances * a.price_instance_hour)
    needed = a.profiles / HOURS_PER_WEEK * (1 + a.failure_share)
    lateness = worst_backlog / max(1.0, per_hour["refreshed"])
    return {"instances": instances, "needed": needed, "refreshed": per_hour["refreshed"],
            "binding": min(capacity, key=capacity.get), "capacity": min(capacity.values()),
            "throughput": throughput, "calls": per_hour["calls"], "ai": per_hour["ai"], "ai_quota": ai_per_hour,
            "writes": per_hour["writes"], "reads": per_hour["reads"], "sqs": per_hour["sqs"], "cost": cost,
            "backlog": worst_backlog, "late_hours": lateness,
            "holds": worst_backlog <= needed and per_hour["refreshed"] >= needed * 0.999}


def table(rows):
    head = ("instances", "cap rule", "due/h", "refreshed/h", "tightest budget/h", "instance limit/h",
            "source calls/h", "AI gens/h (quota)", "DDB writes/h", "DDB reads/h", "SQS req/h",
            "USD/h", "USD/month", "backlog (h late)", "cadence")
    lines = [head]
    for rule, r in rows:
        lines.append((r["instances"], rule, f"{r['needed']:,.0f}", f"{r['refreshed']:,.0f}",
                      f"{r['capacity']:,.0f} ({r['binding']})", f"{r['throughput']:,.0f}",
                      f"{r['calls']:,.0f}", f"{r['ai']:,.0f} ({r['ai_quota']:,.0f})", f"{r['writes']:,.0f}",
                      f"{r['reads']:,.0f}", f"{r['sqs']:,.0f}", f"{r['cost']:.2f}", f"{r['cost'] * 730:,.0f}",
                      f"{r['backlog']:,.0f} ({r['late_hours']:.1f})", "holds" if r["holds"] else "slips"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    render = lambda line: "| " + " | ".join(str(c).rjust(w) for c, w in zip(line, widths)) + " |"
    return "\n".join([render(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [render(line) for line in lines[1:]])


def simulate(profiles=1_000_000, instances=(1, 2, 3, 4, 5, 6)):
    """The table's rows: each instance count under the cap as built and a mix-aware cap."""
    a = Assumptions(profiles=profiles)
    rows = [("tightest", run(a, n, mix_aware=False)) for n in instances]
    rows += [("mix-aware", run(a, n, mix_aware=True)) for n in instances[:3]]
    return a, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--instances", default="1,2,3,4,5,6")
    args = parser.parse_args(argv)
    a, rows = simulate(args.profiles, tuple(int(n) for n in args.instances.split(",")))
    print(f"Refresh at {a.profiles:,} profiles: one week's cadence, hourly passes, figures per hour "
          f"(week {WEEKS} of {WEEKS}); assumptions in bench/simulate.py and docs/benchmarks.md")
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
