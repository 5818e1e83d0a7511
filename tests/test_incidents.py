"""Source-wide incidents: an outage or a used-up quota is not held against the profiles."""
import json
import logging
from datetime import timedelta

from anchor import clock, metrics
from anchor.logs import JsonFormatter
from anchor.models import IncidentModel
from anchor.profiles import service
from anchor.limits import incidents, pauses
from anchor.refresh import engine, scheduler
from tests.refresh_fixtures import T0, connect, due_handles

HANDLES = ("ana", "ben", "cleo", "dev", "eli")


def state(handle):
    profile = service.get(handle)
    return (profile.failureCount, profile.autoRefreshEnabled, profile.nextRefreshAt,
            profile.lastRefreshStatus)


def summary_line(caplog):
    record = [r for r in caplog.records if r.getMessage() == "refresh-due summary"][-1]
    return json.loads(JsonFormatter().format(record))


def test_an_outage_across_a_pass_counts_against_no_profile(refresh_app, spotify_sandbox, caplog):
    clock.freeze(T0)
    for handle in HANDLES:
        connect(spotify_sandbox, handle, "nadia", account=handle)
    before = {handle: state(handle) for handle in HANDLES}
    spotify_sandbox.fail_next("500", count=1000)         # Spotify answers 5xx to everything
    with caplog.at_level(logging.INFO, logger="anchor"):
        summary = scheduler.refresh_due(concurrency=1)
    assert summary["incidents"] == {"spotify": "unavailable"}
    assert summary["outcomes"]["source-incident"] == 1          # the fetch that tripped it
    assert summary["outcomes"]["source-paused"] == 2            # the rest never asked
    assert {handle: state(handle) for handle in HANDLES} == before   # no backoff, no auto-off
    assert sorted(due_handles()) == sorted(HANDLES)
    incident = incidents.active("spotify")
    assert incident.kind == "unavailable" and incident.failures == 3
    line = summary_line(caplog)
    assert line["incidents"] == {"spotify": "unavailable"} and line["SourceIncidents"] == 1
    assert metrics.validate(line) == [] and line["ProfilesFailed"] == 0
    for record in caplog.records:            # every metric line the pass wrote is valid EMF
        entry = json.loads(JsonFormatter().format(record))
        assert "_aws" not in entry or metrics.validate(entry) == [], entry
    # A manual refresh meanwhile says what is going on and counts nothing either.
    manual = engine.refresh_profile("ana", "manual")
    assert manual.outcome == "source-incident" and "failing for everyone" in manual.message
    assert state("ana")[:3] == before["ana"][:3]
    # Spotify is back: the next pass refreshes again and its first success closes the incident.
    spotify_sandbox.reset()
    clock.freeze(T0 + timedelta(hours=1))
    assert scheduler.refresh_due(cap=1)["outcomes"] == {"refreshed": 1}
    assert incidents.active("spotify") is None
    assert IncidentModel.get(incidents.incident_key("spotify")).closedAt is not None


def test_one_profiles_server_error_in_a_healthy_pass_still_counts(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    for handle in HANDLES[:2]:
        connect(spotify_sandbox, handle, "nadia", account=handle)
    spotify_sandbox.fail_next("500", count=4)             # every attempt of one fetch
    summary = scheduler.refresh_due(concurrency=1)
    assert summary["incidents"] == {} and summary["late_failures"] == 1
    failed = [h for h in HANDLES[:2] if service.get(h).failureCount == 1]
    assert len(failed) == 1
    profile = service.get(failed[0])
    assert profile.lastRefreshStatus == "failed" and profile.nextRefreshAt == T0 + timedelta(hours=1)
    assert profile.refreshLockId is None
    assert incidents.active("spotify") is None


def test_quota_exceeded_pauses_spotify_until_the_window_ends(refresh_app, spotify_sandbox):
    clock.freeze(T0)
    for handle in HANDLES[:3]:
        connect(spotify_sandbox, handle, "nadia", account=handle)
    before = {handle: state(handle) for handle in HANDLES[:3]}
    spotify_sandbox.fail_next("quota", retry_after=7200)
    summary = scheduler.refresh_due(concurrency=1)
    assert summary["incidents"] == {"spotify": "quota-exceeded"}
    assert {handle: state(handle) for handle in HANDLES[:3]} == before
    assert pauses.paused_until("spotify") >= T0 + timedelta(seconds=7200)
    # The next pass, within the window, sends Spotify nothing; after it, refreshing resumes.
    spotify_sandbox.reset_stats()
    clock.freeze(T0 + timedelta(hours=1))
    held = scheduler.refresh_due(concurrency=1)
    assert held["paused"]["spotify"] and spotify_sandbox.stats()["requests"] == 0
    assert held["outcomes"] == {"source-paused": 3}
    clock.freeze(T0 + timedelta(hours=2, minutes=1))
    assert scheduler.refresh_due(cap=1)["outcomes"] == {"refreshed": 1}


def test_rejected_app_credentials_are_an_incident_not_a_profile_failure(refresh_app, spotify_sandbox):
    for handle in HANDLES[:3]:
        connect(spotify_sandbox, handle, "nadia", account=handle, expired=True)   # each fetch refreshes its token
    spotify_sandbox.fail_next("invalid_client", count=1000)
    summary = scheduler.refresh_due(concurrency=1)
    assert summary["incidents"] == {"spotify": "invalid-client"}
    assert all(state(h)[0] == 0 and state(h)[1] for h in HANDLES[:3])
