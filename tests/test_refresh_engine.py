"""refresh_profile: lock, outcomes, backoff, AI copy only on change, manual refresh rules."""
import threading
import time
from datetime import timedelta

import pytest

from anchor import clock
from anchor.models import ProfileModel, TokenModel
from anchor.profiles import service, tokens, writes
from anchor.refresh import engine, lock, manual
from anchor.sources.spotify import TokenSet
from tests.refresh_fixtures import T0, connect, due_handles
from tests.factories import items


def top_tracks_calls(sandbox):
    return sandbox.stats()["paths"]["/v1/me/top/tracks"]


def test_refresh_stores_data_and_schedules_a_week_later(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    connect(spotify_sandbox, "nadia", "nadia")
    result = engine.refresh_profile("nadia", "scheduled")
    assert result.outcome == "refreshed" and result.source_calls == 7   # two calls a range, the picture
    profile = service.get("nadia")
    assert items(profile)["albums"] and profile.dataHash == service.current_hash(profile)
    assert profile.lastRefreshStatus == "refreshed" and profile.lastRefreshAt == T0
    assert T0 + timedelta(days=6, hours=12) <= profile.nextRefreshAt <= T0 + timedelta(days=7, hours=12)
    assert profile.gsi1sk == f"{clock.iso(profile.nextRefreshAt)}#nadia"
    assert profile.refreshLockUntil is None and profile.refreshLockId is None
    assert profile.bio  # copy written from the new data (offline writer)


def test_twenty_threads_fetch_once(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    spotify_sandbox.reset_stats()
    spotify_sandbox.fail_next("slow", delay=1.5)   # holds the lock while the others try
    barrier, outcomes = threading.Barrier(20), []

    def attempt():
        with refresh_app.app_context():
            barrier.wait()
            outcomes.append(engine.refresh_profile("nadia", "manual").outcome)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert top_tracks_calls(spotify_sandbox) == 3      # once per range
    assert sorted(outcomes) == ["refreshed"] + ["skipped-locked"] * 19


def test_dead_workers_lock_is_taken_over_and_stale_release_is_harmless(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    profile = connect(spotify_sandbox, "nadia", "nadia")
    dead = lock.acquire_lock(profile)
    assert dead and lock.acquire_lock(profile) is None        # held: nobody else gets it
    clock.freeze(T0 + timedelta(minutes=6))                      # the dead worker's lock expired
    assert engine.refresh_profile("nadia", "scheduled").outcome == "refreshed"
    profile = service.get("nadia")
    owner = lock.acquire_lock(profile)
    assert owner and owner != dead
    assert lock.release_lock(profile, dead) is False           # stale id: logged, not an error
    profile = service.get("nadia")
    assert profile.refreshLockId == owner and lock.is_refreshing(profile)
    assert lock.release_lock(profile, owner) is True
    assert service.get("nadia").refreshLockUntil is None


def test_unchanged_data_makes_no_ai_call_changed_data_makes_one(refresh_app, spotify_sandbox,
                                                                 bedrock_standin):
    refresh_app.config.update(AI_PROVIDER="bedrock", AI_SOURCES=frozenset({"spotify"}))
    connect(spotify_sandbox, "nadia", "nadia")
    first = engine.refresh_profile("nadia", "first")
    assert (first.outcome, first.ai_called, bedrock_standin.count) == ("refreshed", True, 1)
    version = service.get("nadia").version
    again = engine.refresh_profile("nadia", "scheduled")
    assert (again.outcome, again.ai_called, bedrock_standin.count) == ("unchanged", False, 1)
    assert service.get("nadia").version == version               # nothing rewritten
    spotify_sandbox.mutate("nadia")
    changed = engine.refresh_profile("nadia", "scheduled")
    assert (changed.outcome, changed.ai_called, bedrock_standin.count) == ("refreshed", True, 2)


def test_invalid_grant_disconnects_keeps_the_page_and_leaves_the_index(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    assert engine.refresh_profile("nadia", "first").outcome == "refreshed"
    grant = spotify_sandbox.issue_tokens("nadia")
    tokens.save("spotify:nadia", TokenSet(grant["access_token"], grant["refresh_token"],
                                  int(time.time()) - 600, grant["scope"]))   # forces a refresh grant
    writes.write(service.get("nadia"), {"nextRefreshAt": clock.now() - timedelta(minutes=1)})
    assert "nadia" in due_handles()
    spotify_sandbox.fail_next("invalid_grant")
    result = engine.refresh_profile("nadia", "scheduled")
    assert result.outcome == "disconnected" and "sign in with Spotify again" in result.message
    profile = service.get("nadia")
    assert items(profile)["albums"] and profile.bio and profile.isPublic   # page kept
    assert profile.sourceConnected is profile.spotifyConnected is False and profile.gsi1pk is None
    assert profile.lastRefreshStatus == "reconnect-needed" and profile.lastRefreshMessage == result.message
    assert "nadia" not in due_handles(clock.now() + timedelta(days=30))
    with pytest.raises(TokenModel.DoesNotExist):
        TokenModel.get("ACCOUNT#spotify:nadia")


def test_persistent_5xx_backs_off_then_turns_auto_refresh_off(refresh_app, spotify_sandbox):
    now = T0
    clock.freeze(now)
    connect(spotify_sandbox, "nadia", "nadia")
    for failures, wait in enumerate((timedelta(hours=1), timedelta(hours=4), timedelta(hours=24),
                                     timedelta(hours=24)), start=1):
        spotify_sandbox.fail_next("503", count=4)                  # every retry of one call
        result = engine.refresh_profile("nadia", "scheduled")
        profile = service.get("nadia")
        assert result.outcome == "failed" and profile.failureCount == failures
        assert profile.nextRefreshAt == now + wait and profile.gsi1sk.startswith(clock.iso(now + wait))
        assert "nadia" not in due_handles(now) and "nadia" in due_handles(now + wait)
        now += wait
        clock.freeze(now)
    spotify_sandbox.fail_next("503", count=4)
    result = engine.refresh_profile("nadia", "scheduled")
    profile = service.get("nadia")
    assert profile.failureCount == 5 and profile.autoRefreshEnabled is False
    assert result.outcome == "failed" and "Weekly refresh is now off" in result.message
    assert profile.lastRefreshMessage == result.message
    assert profile.gsi1pk is None
    assert engine.refresh_profile("nadia", "manual").outcome == "refreshed"
    assert service.get("nadia").failureCount == 0


def test_rate_limited_reschedules_after_retry_after_without_counting_a_failure(refresh_app,
                                                                                 spotify_sandbox):
    clock.freeze(T0)
    connect(spotify_sandbox, "nadia", "nadia")
    spotify_sandbox.fail_next("429", retry_after=7200)
    result = engine.refresh_profile("nadia", "scheduled")
    profile = service.get("nadia")
    assert result.outcome == "rate-limited" and profile.failureCount == 0
    assert profile.nextRefreshAt >= T0 + timedelta(seconds=7200)
    assert profile.lastRefreshStatus == "rate-limited" and "15:28 UTC" in profile.lastRefreshMessage


def test_deleted_or_missing_profile_fails_without_calling_spotify(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    writes.write(service.get("nadia"), {"deletedAt": clock.now(), "isPublic": False})
    spotify_sandbox.reset_stats()
    assert engine.refresh_profile("nadia", "manual").outcome == "failed"
    assert engine.refresh_profile("nobody", "manual").outcome == "failed"
    assert spotify_sandbox.stats()["requests"] == 0


def test_manual_refresh_of_a_deleted_profile_is_refused(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    writes.write(service.get("nadia"), {"deletedAt": clock.now(), "isPublic": False})
    spotify_sandbox.reset_stats()
    result = manual.start_manual_refresh(service.get("nadia"), background=False)
    assert result.outcome == "failed" and result.message.startswith("This profile is deleted")
    assert service.get("nadia").lastManualRefreshAt is None and spotify_sandbox.stats()["requests"] == 0


def test_manual_refresh_inline_then_cooldown_with_time_left(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    profile = connect(spotify_sandbox, "nadia", "nadia")
    assert manual.manual_refresh_status(profile)[0] == "available"
    result = manual.start_manual_refresh(profile, background=False)
    assert result.outcome == "refreshed"
    profile = service.get("nadia")
    assert profile.lastManualRefreshAt == T0 and profile.lastRefreshStatus == "refreshed"
    clock.freeze(T0 + timedelta(minutes=23))
    again = manual.start_manual_refresh(profile, background=False)
    assert again.outcome == "cooldown"
    assert again.message == "Refresh available again at 14:28 UTC (in 37 minutes)."
    clock.freeze(T0 + timedelta(hours=1))
    assert manual.manual_refresh_status(profile)[0] == "available"
    assert manual.start_manual_refresh(profile, background=False).outcome == "unchanged"


def test_manual_refresh_says_already_refreshing_while_locked(refresh_app, spotify_sandbox):
    profile = connect(spotify_sandbox, "nadia", "nadia")
    lock_id = lock.acquire_lock(profile)
    assert manual.manual_refresh_status(profile) == ("running", "Refreshing from Spotify…")
    result = manual.start_manual_refresh(profile, background=False)
    assert result.outcome == "skipped-locked" and result.message.startswith("Already refreshing")
    stale = service.get("nadia")
    stale.refreshLockUntil = None            # a page loaded before the lock was taken
    assert manual.start_manual_refresh(stale, background=False).outcome == "skipped-locked"
    assert service.get("nadia").lastManualRefreshAt is None       # no cooldown spent
    lock.release_lock(profile, lock_id)


def test_two_clicks_start_one_manual_refresh(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    connect(spotify_sandbox, "nadia", "nadia")
    first, second = service.get("nadia"), service.get("nadia")   # two tabs, same page load
    assert manual.start_manual_refresh(first, background=False).outcome == "refreshed"
    clock.freeze(T0 + timedelta(minutes=1))
    again = manual.start_manual_refresh(second, background=False)
    assert again.outcome == "cooldown" and "(in 59 minutes)" in again.message
    assert top_tracks_calls(spotify_sandbox) == 3      # once per range
    assert service.get("nadia").lastManualRefreshAt == T0          # the second click spent nothing


def test_background_manual_refresh_is_visible_until_it_lands(refresh_app, spotify_sandbox):
    profile = connect(spotify_sandbox, "nadia", "nadia")
    spotify_sandbox.fail_next("slow", delay=0.5)
    result = manual.start_manual_refresh(profile, background=True)
    assert (result.outcome, result.message) == ("running", "Refreshing from Spotify…")
    assert lock.is_refreshing(service.get("nadia"))             # locked before we answered
    deadline = time.monotonic() + 15
    while lock.is_refreshing(service.get("nadia")) and time.monotonic() < deadline:
        time.sleep(0.05)
    profile = service.get("nadia")
    assert profile.lastRefreshStatus == "refreshed" and items(profile)["albums"]
    assert ProfileModel.get("USER#nadia").refreshLockId is None


def test_failed_first_fetch_spends_no_cooldown_and_is_retried_unpublished(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    profile = connect(spotify_sandbox, "nadia", "nadia", public=False)
    spotify_sandbox.fail_next("503", count=20)
    assert engine.refresh_profile("nadia", "first").outcome == "failed"
    profile = service.get("nadia")
    assert profile.lastManualRefreshAt is None and manual.manual_refresh_status(profile)[0] == "available"
    # Not published and no data yet: the pass retries it on its own after the first backoff.
    assert profile.nextRefreshAt == T0 + timedelta(hours=1)
    assert due_handles(T0 + timedelta(hours=1)) == ["nadia"]
    spotify_sandbox.fail_next("503", count=20)
    failed = manual.start_manual_refresh(profile, background=False)
    assert failed.outcome == "failed"
    assert service.get("nadia").lastManualRefreshAt is None        # a failed click costs no hour
    spotify_sandbox.reset()
    assert manual.start_manual_refresh(service.get("nadia"), background=False).outcome == "refreshed"
    profile = service.get("nadia")
    assert profile.lastManualRefreshAt == T0 and manual.manual_refresh_status(profile)[0] == "cooldown"
    assert profile.gsi1pk is None            # data now, still unpublished: out of the due index


def test_a_retry_on_another_day_names_the_day(refresh_app, spotify_sandbox):
    """Issue 27: a 24 h backoff read "try again after 19:01 UTC", which is also a time today."""
    now = T0
    clock.freeze(now)
    connect(spotify_sandbox, "nadia", "nadia")
    said = []
    for wait in (timedelta(hours=1), timedelta(hours=4), timedelta(hours=24)):
        spotify_sandbox.fail_next("503", count=4)
        said.append(engine.refresh_profile("nadia", "scheduled").message)
        now += wait
        clock.freeze(now)
    retry = now                                   # T0 + 29 h: tomorrow
    assert said[-1].endswith(f"We will try again after {retry:%H:%M} UTC on {retry.day} {retry:%B}.")
    assert said[0].endswith(f"We will try again after {T0 + timedelta(hours=1):%H:%M} UTC."), "today: no date"
