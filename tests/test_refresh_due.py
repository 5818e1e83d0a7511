"""refresh_due: one run per hourly slot, cap, paging, budget, early stop, crash recovery."""
import json
import os
import subprocess
import threading
import time
from datetime import timedelta

import requests

from anchor import clock
from anchor.models import SchedulerRunModel
from anchor.profiles import service, tokens
from anchor.refresh import scheduler
from anchor.limits import CallBudget
from anchor.sources.spotify import TokenSet
from tests.factories import items, make_profile, save_profiles
from tests.refresh_fixtures import T0, connect, due_handles, flask_command, subprocess_env

SLOT = "SCHEDULER#refresh-due#2025-03-10T13"


def test_a_run_cap_leaves_the_rest_due_and_reads_only_due_items(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    grant = spotify_sandbox.issue_tokens("listener-00001")
    token_set = TokenSet(grant["access_token"], grant["refresh_token"], int(time.time()) + 3600,
                         grant["scope"])
    due = [make_profile(f"due-{n:03d}", owner=f"acct-{n}", next_refresh=T0 - timedelta(minutes=n))
           for n in range(75)]
    later = [make_profile(f"later-{n:03d}", next_refresh=T0 + timedelta(hours=1, minutes=n))
             for n in range(175)]
    save_profiles(due + later)
    for n in range(75):
        tokens.save(f"acct-{n}", token_set)
    summary = scheduler.refresh_due(cap=50, concurrency=4)
    assert summary["claimed"] and summary["processed"] == 50
    assert summary["outcomes"] == {"refreshed": 50}
    assert summary["scanned"] == 50 and summary["stopped_early"] is None
    assert summary["spotify_calls"] == 350 and summary["ai_calls"] == 0     # 3 ranges × 2, and the picture
    assert due_handles(T0) == [f"due-{n:03d}" for n in range(24, -1, -1)]   # the latest 25
    assert len(due_handles(T0 + timedelta(days=1))) == 200
    item = SchedulerRunModel.get(SLOT)
    assert item.status == "done" and item.summary["processed"] == 50
    assert item.expiresAt == int((T0 + timedelta(days=7)).timestamp())


def _due_profiles(sandbox, count):
    for n in range(count):
        connect(sandbox, f"fan-{n}", "nadia", account=f"fan-acct-{n}")


def test_two_runs_at_once_give_one_run(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    _due_profiles(spotify_sandbox, 3)
    barrier, summaries = threading.Barrier(2), []

    def run():
        with refresh_app.app_context():
            barrier.wait()
            summaries.append(scheduler.refresh_due(concurrency=2))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    claimed = [s for s in summaries if s["claimed"]]
    assert len(claimed) == 1 and claimed[0]["processed"] == 3
    assert [s["processed"] for s in summaries if not s["claimed"]] == [0]


def test_same_slot_twice_runs_once_and_a_crashed_slot_is_taken_over(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    _due_profiles(spotify_sandbox, 2)
    assert scheduler.refresh_due()["processed"] == 2
    connect(spotify_sandbox, "late", "aiko")                      # due, but this hour ran already
    clock.freeze(T0 + timedelta(minutes=30))
    second = scheduler.refresh_due()
    assert second["claimed"] is False and second["processed"] == 0
    crashed = "SCHEDULER#refresh-due#2025-03-10T14"
    SchedulerRunModel(crashed, lockUntil=T0 + timedelta(minutes=40), lockId="dead", status="running",
                      expiresAt=int((T0 + timedelta(days=7)).timestamp())).save()
    clock.freeze(T0 + timedelta(minutes=35))                      # 14:03, the dead lock still holds
    assert scheduler.refresh_due()["claimed"] is False
    clock.freeze(T0 + timedelta(minutes=45))                      # 14:13, the dead lock expired
    taken = scheduler.refresh_due()
    assert taken["claimed"] and taken["processed"] == 1
    assert SchedulerRunModel.get(crashed).status == "done"


def test_long_retry_after_pauses_the_source_and_reschedules(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    _due_profiles(spotify_sandbox, 3)
    spotify_sandbox.fail_next("429", retry_after=3600)
    summary = scheduler.refresh_due(concurrency=1)
    assert summary["outcomes"] == {"rate-limited": 1, "source-paused": 2}
    assert spotify_sandbox.stats()["status_429"] == 1 and summary["spotify_calls"] == 1
    assert sorted(due_handles(T0)) == ["fan-1", "fan-2"]          # the rest stay due
    assert service.get("fan-0").nextRefreshAt >= T0 + timedelta(seconds=3600)


def test_spotify_budget_leaves_profiles_due_before_it_runs_out(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    _due_profiles(spotify_sandbox, 4)
    summary = scheduler.refresh_due(concurrency=1, budget=CallBudget(limit=16))
    assert summary["outcomes"] == {"refreshed": 2, "source-paused": 2}
    assert summary["spotify_calls"] == 14         # a third refresh could need 9: not started
    assert len(due_handles(T0)) == 2


def test_worker_killed_mid_refresh_loses_nothing(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    sort_key = service.get("nadia").gsi1sk
    requests.post(f"{spotify_sandbox.url}/_control/fail_next", json={"kind": "slow", "delay": 8},
                  timeout=5).raise_for_status()
    command = flask_command("refresh-due")
    proc = subprocess.Popen(command, env=subprocess_env(refresh_app, spotify_sandbox),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            locked = service.get("nadia").refreshLockUntil is not None
            if locked and spotify_sandbox.stats()["paths"]["/v1/me/top/artists"]:
                break                                             # locked and mid-fetch
            assert proc.poll() is None, "the worker exited before taking the lock"
            time.sleep(0.05)
        else:
            raise AssertionError("the worker never took the lock")
        proc.kill()                                               # SIGKILL
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    stranded = service.get("nadia")
    assert stranded.refreshLockId and stranded.gsi1pk == "AUTO#1" and stranded.gsi1sk == sort_key
    assert stranded.listening is None and stranded.lastRefreshStatus is None
    assert "nadia" in due_handles()
    spotify_sandbox.reset()
    clock.freeze(clock.now() + timedelta(minutes=16))             # past the lock and slot expiry
    summary = scheduler.refresh_due()
    assert summary["claimed"] and summary["outcomes"] == {"refreshed": 1}
    refreshed = service.get("nadia")
    assert items(refreshed)["albums"] and refreshed.refreshLockId is None
    assert refreshed.nextRefreshAt > clock.now() + timedelta(days=6)
    assert refreshed.gsi1sk != sort_key and refreshed.gsi1sk.endswith("#nadia")


def test_refresh_due_command_prints_the_summary(refresh_app, spotify_sandbox, runner):
    clock.freeze(T0)
    _due_profiles(spotify_sandbox, 2)
    result = runner.invoke(args=["refresh-due", "--cap", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["slot"] == "2025-03-10T13" and summary["processed"] == 1
    assert len(due_handles(T0)) == 1


def test_short_worker_interval_gets_slots_of_that_length(refresh_app):
    refresh_app.config["WORKER_INTERVAL_SECONDS"] = 120
    clock.freeze(T0)
    first = scheduler.slot_key(T0)                               # 13:28:00 starts a slot
    assert first == "SCHEDULER#refresh-due#2025-03-10T13:28:00"
    assert scheduler.slot_key(T0 + timedelta(seconds=119)) == first
    assert scheduler.slot_key(T0 + timedelta(seconds=120)) == "SCHEDULER#refresh-due#2025-03-10T13:30:00"
    assert scheduler.refresh_due()["claimed"] is True
    assert scheduler.refresh_due()["claimed"] is False          # same two-minute slot
    clock.freeze(T0 + timedelta(seconds=240))
    assert scheduler.refresh_due()["claimed"] is True           # the next slot runs again
    refresh_app.config["WORKER_INTERVAL_SECONDS"] = 3600
    assert scheduler.slot_key(T0) == f"SCHEDULER#refresh-due#{T0:%Y-%m-%dT%H}"
