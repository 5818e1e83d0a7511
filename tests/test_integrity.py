"""Data integrity under races, kills and hung dependencies.

A slowed Bedrock stand-in holds a refresh in its copy phase, owner actions land meanwhile, and a
scan then checks every profile item against the one index rule and its own dataHash.
"""
import os
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest

from anchor import clock, create_app, migrate
from anchor.models import ProfileModel, SchedulerRunModel
from anchor.profiles import connection, copywriting, editing, index, lifecycle, service, tokens, writes
from anchor.limits import pauses
from anchor.refresh import engine, scheduler, steps
from devstack.dynamodb import DynamoDBLocal
from tests.conftest import drop_tables
from tests.refresh_fixtures import connect, flask_command, subprocess_env
from tests.web_helpers import claim, post
from tests.factories import items

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture
def slow_model_app(make_config, bedrock_standin, spotify_sandbox, monkeypatch):
    """Copy from the Bedrock stand-in (slowed by each test), app context pushed."""
    application = create_app(make_config(AI_PROVIDER="bedrock", BEDROCK_MODEL_ID=MODEL,
                                         AI_DAILY_LIMIT=100, AI_SOURCES=frozenset({"spotify"})))
    migrate.run(application.config, echo=lambda _line: None)
    monkeypatch.setattr(tokens, "cache", tokens._TokenCache())
    with application.app_context():
        yield application
    drop_tables(application)
    clock.freeze(None)


def violations():
    """Every profile item that breaks the index rule or whose dataHash is not its data's."""
    found = []
    for item in ProfileModel.scan(ProfileModel.pk.startswith("USER#"), consistent_read=True):
        expected = index.index_keys(item.handle, index.state_of(item)) or (None, None)
        if (item.gsi1pk, item.gsi1sk) != expected:
            found.append(f"{item.handle}: index {(item.gsi1pk, item.gsi1sk)} != {expected}")
        if item.listening and item.dataHash != service.current_hash(item):
            found.append(f"{item.handle}: dataHash does not match its data")
    return found


def _in_copy_phase(standin, before, timeout=10):
    deadline = time.monotonic() + timeout
    while standin.count <= before:
        assert time.monotonic() < deadline, "the refresh never reached its copy step"
        time.sleep(0.01)


def _auto_off(profile):
    return editing.set_auto_refresh(profile, False)


def _auto_on(profile):
    return editing.set_auto_refresh(profile, True)


def _delete_restore(profile):
    lifecycle.soft_delete(profile, profile.handle)
    return lifecycle.restore(service.get(profile.handle))


# (action, set-up before the refresh, what must hold afterwards)
RACES = {
    "publish": (editing.publish, {"isPublic": False}, lambda p: p.isPublic and p.gsi1pk),
    "unpublish": (editing.unpublish, {}, lambda p: not p.isPublic and p.gsi1pk is None),
    "delete": (lambda p: lifecycle.soft_delete(p, p.handle), {},
               lambda p: p.deletedAt is not None and p.gsi1pk is None),
    "delete-then-restore": (_delete_restore, {}, lambda p: p.deletedAt is None and p.gsi1pk is None),
    "disconnect": (connection.disconnect, {},
                   lambda p: p.sourceConnected is p.spotifyConnected is False and p.gsi1pk is None),
    "auto-off": (_auto_off, {}, lambda p: not p.autoRefreshEnabled and p.gsi1pk is None),
    "auto-on": (_auto_on, {"autoRefreshEnabled": False}, lambda p: p.autoRefreshEnabled and p.gsi1pk),
    "write-copy": (lambda p: copywriting.generate(p, force=True), {}, lambda p: p.gsi1pk),
}


@pytest.mark.parametrize("action", sorted(RACES))
def test_owner_action_racing_the_copy_phase(slow_model_app, spotify_sandbox, bedrock_standin, action):
    act, setup, holds = RACES[action]
    profile = connect(spotify_sandbox, "nadia", "nadia")
    assert engine.refresh_profile("nadia", "first").outcome == "refreshed"   # data and copy
    if setup:
        writes.write(service.get("nadia"), setup)
    spotify_sandbox.mutate("nadia")
    bedrock_standin.delay = 0.6
    before = bedrock_standin.count
    results = []

    def refresh():
        with slow_model_app.app_context():
            results.append(engine.refresh_profile(profile.handle, "scheduled"))

    worker = threading.Thread(target=refresh)
    worker.start()
    _in_copy_phase(bedrock_standin, before)
    act(service.get("nadia"))         # the owner acts on the page they loaded just now
    worker.join(30)
    assert results and results[0].outcome in ("refreshed", "unchanged")
    assert violations() == []
    assert holds(service.get("nadia")), action


def test_concurrent_toggles_are_never_lost(slow_model_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    engine.refresh_profile("nadia", "first")
    ids = [a["id"] for a in items(service.get("nadia"))["artists"][:6]]
    stale = [service.get("nadia") for _ in ids]   # six tabs loaded before any click

    def hide(item_id, copy):
        with slow_model_app.app_context():
            editing.toggle_hidden(copy, item_id)
    threads = [threading.Thread(target=hide, args=pair) for pair in zip(ids, stale)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(service.layout(service.get("nadia"))["hidden"]) == sorted(ids)
    assert violations() == []


def test_sigkill_in_the_copy_phase_is_repaired_by_the_next_pass(slow_model_app, spotify_sandbox,
                                                                bedrock_standin):
    connect(spotify_sandbox, "nadia", "nadia")
    env = subprocess_env(slow_model_app, spotify_sandbox)
    env.update(ANCHOR_AI_PROVIDER="bedrock", BEDROCK_MODEL_ID=MODEL, ANCHOR_ROLE="worker",
               ANCHOR_AI_SOURCES="spotify")
    bedrock_standin.delay = 30
    process = subprocess.Popen(flask_command("refresh-due"), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        _in_copy_phase(bedrock_standin, 0, timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    killed = service.get("nadia")
    assert killed.lastRefreshStatus == steps.COPY_PENDING
    assert killed.listening and killed.copyHash != killed.dataHash
    assert killed.nextRefreshAt <= clock.now() + steps.COPY_PENDING_RETRY
    assert killed.gsi1pk, "a half-written profile stays in the due index"
    bedrock_standin.delay = 0
    later = clock.now() + timedelta(minutes=61)      # the next hourly pass
    clock.freeze(later)
    summary = scheduler.refresh_due(later)
    assert summary["outcomes"] == {"unchanged": 1}
    repaired = service.get("nadia")
    assert repaired.copyHash == repaired.dataHash and repaired.bio
    assert repaired.lastRefreshStatus == "unchanged"
    assert repaired.nextRefreshAt > later + timedelta(days=6)
    assert violations() == []


def test_a_retry_after_seen_by_one_thread_holds_the_others(slow_model_app, spotify_sandbox):
    for n in range(8):
        connect(spotify_sandbox, f"listener-{n:05d}" if n else "nadia",
                "nadia" if not n else "tomas", account=f"acct-{n}")
    spotify_sandbox.reset_stats()
    spotify_sandbox.fail_next("429", retry_after=2)
    summary = scheduler.refresh_due(concurrency=4)
    assert summary["processed"] == 8
    stats = spotify_sandbox.stats()
    assert stats["status_429"] == 1
    seen_429 = stats["last_429_at"]
    held = [t for t in stats["arrivals"] if seen_429 + 0.15 < t < seen_429 + 1.9]
    assert held == [], f"{len(held)} requests arrived inside the Retry-After window"
    assert max(stats["arrivals"]) >= seen_429 + 1.9     # the pass went on afterwards


def test_a_long_retry_after_holds_the_next_pass(slow_model_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    connect(spotify_sandbox, "tomas", "tomas")
    spotify_sandbox.fail_next("429", retry_after=7200)
    first = scheduler.refresh_due(concurrency=1)
    assert first["outcomes"] == {"rate-limited": 1, "source-paused": 1}
    assert pauses.paused_until("spotify") is not None
    spotify_sandbox.reset_stats()
    later = clock.now() + timedelta(hours=1)
    second = scheduler.refresh_due(later)
    assert "spotify" in second["paused"] and second["outcomes"] == {"source-paused": 1}
    assert spotify_sandbox.stats()["requests"] == 0              # nothing was sent to Spotify
    third = scheduler.refresh_due(clock.now() + timedelta(hours=3))
    assert third["outcomes"] == {"refreshed": 2} and not third["paused"]


def test_shutdown_mid_pass_leaves_the_slot_to_another_worker(slow_model_app, spotify_sandbox,
                                                             monkeypatch):
    for n, name in enumerate(("nadia", "tomas", "aiko", "ifeoma")):
        connect(spotify_sandbox, name, name)
    original = engine.refresh_profile

    def then_sigterm(*args, **kwargs):
        result = original(*args, **kwargs)
        scheduler.shutting_down.set()
        return result
    monkeypatch.setattr(engine, "refresh_profile", then_sigterm)
    now = clock.now()
    try:
        first = scheduler.refresh_due(now, concurrency=1)
    finally:
        scheduler.shutting_down.clear()
    assert first["stopped_early"] == "shutting down" and first["processed"] == 1
    slot = SchedulerRunModel.get(scheduler.slot_key(now), consistent_read=True)
    assert slot.status == "released"
    monkeypatch.setattr(engine, "refresh_profile", original)
    second = scheduler.refresh_due(now, concurrency=1)          # another worker, same hour
    assert second["claimed"] is True and second["processed"] == 3


def test_hung_dynamodb_fails_fast_and_cached_pages_keep_answering(make_config):
    database = DynamoDBLocal().start()
    application = create_app(make_config(DYNAMODB_ENDPOINT=database.endpoint))
    try:
        migrate.run(application.config, echo=lambda _line: None)
        owner = application.test_client()
        claim(owner, "nadia")
        post(owner, "/dashboard/publish", {})
        visitor = application.test_client()
        assert visitor.get("/nadia").status_code == 200          # now in the page cache
        os.kill(database.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            health = visitor.get("/healthz")
            assert health.status_code == 503 and time.monotonic() - started < 2
            assert visitor.get("/nadia").status_code == 200      # cached: no DynamoDB call
            started = time.monotonic()
            uncached = visitor.get("/tomas")
            assert uncached.status_code == 503 and uncached.headers["Retry-After"] == "30"
            assert "briefly unavailable" in uncached.get_data(as_text=True)
            assert time.monotonic() - started < 8
        finally:
            os.kill(database.process.pid, signal.SIGCONT)
        assert visitor.get("/healthz").status_code == 200
    finally:
        database.stop()
