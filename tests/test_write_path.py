"""The one write path: revision-conditioned updates, deleted profiles, the refresh lock guard."""
from datetime import timedelta

import pytest

from anchor import clock
from anchor.profiles import listening, service, writes
from anchor.profiles.service import ProfileGone
from anchor.refresh import engine, lock
from tests.refresh_fixtures import T0, connect, due_handles


def test_a_write_from_a_stale_copy_decides_again_on_the_fresh_state(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia", public=False)
    stale = service.get("nadia")                                   # read before the publish below
    writes.write(service.get("nadia"), {"isPublic": True, "publishedAt": clock.now()})
    seen = []

    def rename(fresh):
        seen.append(fresh.isPublic)
        return {"displayName": "Nadia Q."}
    writes.update(stale, rename)
    assert seen == [False, True]                                   # refused once, then re-read
    stored = service.get("nadia")
    assert stored.displayName == "Nadia Q." and stored.isPublic
    assert stored.gsi1pk == "AUTO#1" and "nadia" in due_handles()  # index keys from the fresh state


def test_a_deleted_profile_refuses_changes_unless_allowed(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    stale = service.get("nadia")                                   # read before the delete below
    name = stale.displayName
    writes.write(service.get("nadia"), {"deletedAt": clock.now(), "isPublic": False})
    with pytest.raises(ProfileGone):
        writes.write(service.get("nadia"), {"displayName": "Written anyway"})
    with pytest.raises(ProfileGone):
        writes.write(stale, {"displayName": "Written from a stale copy"})
    assert service.get("nadia").displayName == name
    writes.write(service.get("nadia"), {"deletedAt": None}, allow_deleted=True)
    assert service.get("nadia").deletedAt is None


def test_a_refresh_whose_lock_was_taken_over_writes_nothing(refresh_app, spotify_sandbox,
                                                            monkeypatch):
    clock.freeze(T0)
    connect(spotify_sandbox, "nadia", "nadia")
    real_fetch, taken = listening.fetch, {}

    def slow_fetch(profile, calls):
        data = real_fetch(profile, calls)
        clock.freeze(T0 + timedelta(minutes=6))                    # our lock expired meanwhile
        taken["lock"] = lock.acquire_lock(service.get("nadia"))  # and another worker took it
        return data
    monkeypatch.setattr(listening, "fetch", slow_fetch)
    result = engine.refresh_profile("nadia", "scheduled")
    assert taken["lock"]
    assert result.outcome == "failed" and "taken over" in result.message
    profile = service.get("nadia")
    assert profile.listening is None and profile.lastRefreshStatus is None
    assert profile.refreshLockId == taken["lock"]                  # the new holder keeps its lock
