"""Shared token buckets in DynamoDB and the sizing of a pass."""
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from anchor.errors import RateLimited
from anchor.limits import buckets
from anchor.limits.buckets import BucketSize, TokenBucket
from anchor.models import RateStateModel
from anchor.refresh import sizing, source_limits
from tests.refresh_fixtures import subprocess_env


class FakeClock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_bucket_refills_by_time_and_grants_in_batches(app):
    clock = FakeClock()
    first = TokenBucket("spotify", BucketSize(capacity=5, rate=1.0), batch=3, clock=clock, sleep=clock.sleep)
    second = TokenBucket("spotify", BucketSize(capacity=5, rate=1.0), batch=3, clock=clock, sleep=clock.sleep)
    with app.app_context():
        assert first.grant(3) == (3, 0.0)
        assert second.grant(3) == (2, 0.0)                   # one bucket for both processes
        granted, wait = second.grant(1)
        assert granted == 0 and wait == pytest.approx(1.0)
        clock.now += 2.5
        assert first.grant(5) == (2, 0.0)                    # 2.5 tokens refilled, whole ones granted
        item = RateStateModel.get("BUCKET#spotify")
        assert item.tokens == pytest.approx(0.5) and item.refilledAt == clock.now
        clock.now += 100
        assert first.grant(9) == (5, 0.0)                    # never more than the capacity


def test_take_hands_a_batch_to_threads_and_a_drain_holds_every_process(app):
    clock = FakeClock()
    bucket = TokenBucket("spotify", BucketSize(capacity=4, rate=2.0), batch=4, hold=1.0, max_wait=5,
                         clock=clock, sleep=clock.sleep)
    other = TokenBucket("spotify", BucketSize(capacity=4, rate=2.0), batch=1, max_wait=5, clock=clock,
                        sleep=clock.sleep)
    with app.app_context():
        for _ in range(4):
            bucket.take()
        assert bucket.writes == 1                            # one grant of four tokens
        start = clock.now
        bucket.take()                                        # waits for the refill
        assert clock.now - start == pytest.approx(0.5)
        other.drain(3)                                       # a 429 with Retry-After: 3
        start = clock.now
        bucket.take()
        assert clock.now - start >= 3
        other.drain(60)
        with pytest.raises(RateLimited):
            other.take()                                     # longer than max_wait: give up


def test_per_address_limits_have_one_bucket_per_instance(app):
    specs = source_limits.specs(app.config)
    assert buckets.bucket_key("spotify", specs["spotify"].per_address) == "BUCKET#spotify"
    per_address = buckets.bucket_key("listenbrainz", specs["listenbrainz"].per_address)
    assert per_address.startswith("BUCKET#listenbrainz#")
    window = BucketSize.window(900, 30)
    assert window.capacity + window.rate * (30 + buckets.HOLD) == pytest.approx(900)


def test_the_model_quota_is_taken_before_each_call(app):
    app.config.update(AI_REQUESTS_PER_MINUTE=60, AI_TOKENS_PER_MINUTE=100_000)
    with app.app_context():
        estimate = buckets.before_model_call("system " * 100, [{"role": "user", "content": "x" * 400}], 1200)
        requests, tokens = buckets.model_buckets()
        assert estimate > 1300 and requests.key == "BUCKET#ai-requests"
        left = RateStateModel.get("BUCKET#ai-tokens").tokens
        assert left == pytest.approx(tokens.limit.capacity - estimate, abs=5)


def test_two_processes_sharing_a_bucket_never_exceed_it(app, spotify_sandbox):
    allowed, window = 20, 2.0
    spotify_sandbox.set_rate_limit(allowed, window)
    spotify_sandbox.reset_stats()
    env = subprocess_env(app, spotify_sandbox)
    children = [subprocess.Popen([sys.executable, "-m", "tests.bucket_child", spotify_sandbox.url,
                                  str(allowed), str(window), "2.2"], env=env, stdout=subprocess.PIPE,
                                 text=True) for _ in range(2)]
    outputs = [child.communicate(timeout=60)[0] for child in children]
    spotify_sandbox.set_rate_limit(None)
    sent = [int(line.split()[1]) for out in outputs for line in out.splitlines() if line.startswith("SENT")]
    stats = spotify_sandbox.stats()
    assert len(sent) == 2 and all(n > 0 for n in sent)
    assert stats["paths"]["/v1/me"] == sum(sent) and stats["status_429"] == 0
    arrivals = sorted(stats["arrivals"])
    busiest = max(sum(1 for t in arrivals if start <= t < start + window) for start in arrivals)
    assert busiest <= allowed


MONDAY = datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_the_period_is_the_refresh_week_from_monday():
    week = timedelta(days=7)
    assert sizing.period_end(MONDAY, week) == MONDAY + week
    assert sizing.period_end(MONDAY + timedelta(days=3, hours=5), week) == MONDAY + week
    assert sizing.period_end(MONDAY - timedelta(seconds=1), week) == MONDAY
    assert sizing.period_end(MONDAY + timedelta(minutes=7), timedelta(minutes=10)) == \
        MONDAY + timedelta(minutes=10)


def test_sized_run_arithmetic():
    on_track = sizing.size_run(due_now=120, period_backlog=16_800, hours_left=168, budget_cap=500)
    assert (on_track.pace, on_track.size, on_track.behind, on_track.on_track) == (100, 120, 0, True)
    behind = sizing.size_run(due_now=2_000, period_backlog=40_000, hours_left=10, budget_cap=1_500)
    assert (behind.pace, behind.size, behind.behind) == (4_000, 1_500, 500)
    assert behind.behind_hours == pytest.approx(0.33) and behind.on_track is False
    capped = sizing.size_run(due_now=300, period_backlog=300, hours_left=0.2, budget_cap=1_000, ceiling=200)
    assert (capped.hours_left, capped.pace, capped.size, capped.behind) == (1.0, 300, 200, 100)
    assert sizing.size_run(0, 0, 50, 10).as_summary()["size"] == 0


def test_the_budget_cap_counts_per_address_sources_once_per_instance(app):
    config = dict(app.config, REFRESH_SPOTIFY_WINDOW=(900, 30.0), REFRESH_SPOTIFY_RATE=1000.0,
                  REFRESH_LISTENBRAINZ_WINDOW=(25, 10.0), REFRESH_LASTFM_RATE=4.0, WORKER_INSTANCES=1)
    one = sizing.hourly_capacity(config)
    three = sizing.hourly_capacity(dict(config, WORKER_INSTANCES=3))
    assert three["spotify"] == one["spotify"] and three["listenbrainz"] == 3 * one["listenbrainz"]
    assert one["listenbrainz"] == int(BucketSize.window(25, 10).rate * 3600 // 14)
    counts = {MONDAY + timedelta(days=2): 40, MONDAY + timedelta(days=7): 3_400}
    planned = sizing.plan(MONDAY + timedelta(days=2), counts.__getitem__, dict(config, REFRESH_INTERVAL_SECONDS=7 * 86400,
                                                                          WORKER_INTERVAL_SECONDS=3600))
    assert (planned.due_now, planned.period_backlog, planned.hours_left, planned.pace) == (40, 3_400, 120, 29)
    assert planned.size == 40 and planned.budget_cap == min(one.values())
