"""Rate pauses every process honours (issue 27): a 429 one process meets holds every other one.

ListenBrainz limits per client address with a 10 s window and sends no Retry-After. The pause a
process meets is shared (limits/pauses.py) and read once before every fetch: by the other
process's owner clicks, a pass, the worker route and a first fetch. An owner's click during a
pause answers at once with the time it can run; nothing is sent and nothing sleeps.
"""
import re
from datetime import datetime, timedelta, timezone

import pytest

from anchor import clock, limits
from anchor.errors import RateLimited
from anchor.limits import CallBudget, pauses
from anchor.profiles import service
from anchor.refresh import engine, source_limits
from tests.source_fixtures import SleepRecorder
from tests.source_web_helpers import claim_with, dashboard_text, stats_requests
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import post

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
AFTER = re.compile(r"you can refresh after (\d\d):(\d\d):(\d\d) UTC")


@pytest.fixture
def app(source_app):
    return source_app


@pytest.fixture
def owners(app, brainz_standin):
    """Two ListenBrainz owners with claimed pages (first fetch done): grimnir and ella-bluenote."""
    clients = {}
    for listener in ("grimnir", "ella_bluenote"):
        client = app.test_client()
        assert claim_with(client, "listenbrainz", listener).status_code == 303
        clients[listener] = client
    brainz_standin.reset_stats()
    return clients



def shared_pause_end(app):
    with app.app_context():
        return pauses.paused_until("listenbrainz", per_address=True)


def named_time(text):
    """The time an answer says the refresh can run after, as (h, m, s)."""
    found = AFTER.search(text)
    assert found, text[:2000]
    return tuple(int(part) for part in found.groups())


def names_the_end(text, until):
    """The answer names the pause's end, rounded up to the second."""
    hours, minutes, seconds = named_time(text)
    named = until.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
    return timedelta(0) <= named - until <= timedelta(seconds=2)


class Process:
    """An owner's browser (its cookie) on one app process."""

    def __init__(self, process, client):
        self.process, self.cookie = process, client.get_cookie("session").value

    def dashboard(self):
        return self.process.get("/dashboard", self.cookie)

    def refresh(self, htmx=False):
        """The refresh button as a plain form (the flash rides on the new cookie) or with HTMX."""
        token = CSRF.search(self.dashboard().text).group(1)
        headers = {"HX-Request": "true"} if htmx else {}
        answer = self.process.post("/dashboard/refresh", self.cookie, data={"csrf_token": token},
                                   headers=headers)
        if htmx:
            assert answer.status_code == 200
            return answer.text
        assert answer.status_code == 303, answer.status_code
        self.cookie = answer.cookies.get("session") or self.cookie
        return self.dashboard().text


def test_a_429_one_process_met_holds_the_other_processes_refresh(app, owners, brainz_standin, two_processes):
    processes = two_processes()
    grimnir_a = Process(processes.a, owners["grimnir"])
    ella_b = Process(processes.b, owners["ella_bluenote"])
    brainz_standin.fail_next("429", bare=True)                   # no Retry-After: the 10 s window
    met = grimnir_a.refresh()
    assert "asked us to slow down" in met
    assert stats_requests(brainz_standin) == 1
    answer = ella_b.refresh()                                    # another owner, the other process
    assert stats_requests(brainz_standin) == 1                   # nothing sent into the window
    until = shared_pause_end(app)                                # a 10 s pause is shared too
    assert until is not None and names_the_end(answer, until)
    grimnir_b = Process(processes.b, owners["grimnir"])          # the owner who met it, on B
    assert "you can refresh again after" in grimnir_b.refresh()
    assert stats_requests(brainz_standin) == 1
    with app.app_context():
        assert service.get("ella-bluenote").lastManualRefreshAt is None   # no cooldown started


def test_a_click_on_the_process_that_met_the_429_answers_at_once(app, owners, brainz_standin, two_processes):
    processes = two_processes(count=1)
    grimnir, ella = Process(processes.a, owners["grimnir"]), Process(processes.a, owners["ella_bluenote"])
    brainz_standin.fail_next("429", bare=True)
    grimnir.refresh()
    until = shared_pause_end(app)
    plain = ella.refresh()                   # before: slept out the 10 s in the request, then sent
    assert stats_requests(brainz_standin) == 1 and names_the_end(plain, until)
    fragment = ella.refresh(htmx=True)
    assert stats_requests(brainz_standin) == 1 and names_the_end(fragment, until)


def test_the_next_try_the_owner_was_shown_is_honoured(app, owners, brainz_standin):
    grimnir = owners["grimnir"]
    brainz_standin.fail_next("429", bare=True)
    post(grimnir, "/dashboard/refresh", {})
    with app.app_context():
        shown = service.get("grimnir")
    assert shown.lastRefreshStatus == "rate-limited"
    next_try = f"{shown.nextRefreshAt:%H:%M} UTC"
    assert f"the next try is after {next_try}" in shown.lastRefreshMessage
    brainz_standin.reset_stats()
    clock.freeze(clock.now() + timedelta(seconds=30))       # ListenBrainz's own 10 s window is over
    app.extensions["anchor.gates"].clear()                   # and so is this process's hold
    answer = post(grimnir, "/dashboard/refresh", {})
    assert answer.status_code == 303
    page = dashboard_text(grimnir)
    assert f"you can refresh again after {next_try}" in page
    assert stats_requests(brainz_standin) == 0


def test_a_pass_waits_out_a_pause_another_process_met(app, owners, brainz_standin):
    sleeps = SleepRecorder()
    with app.app_context():
        pauses.record_pause("listenbrainz", 20, per_address=True)      # met by another process
        gate = CallBudget(source="ListenBrainz", sleep=sleeps)
        result = engine.refresh_profile("grimnir", "scheduled", budgets={"listenbrainz": gate})
    assert result.outcome in ("refreshed", "unchanged")
    assert sleeps.calls and sleeps.calls[0] > 15                        # held before its first request


def test_the_worker_route_sends_nothing_while_another_process_is_paused(app, owners, brainz_standin):
    with app.app_context():
        pauses.record_pause("listenbrainz", 120, per_address=True)
        gates = limits.shared_gates(source_limits.specs(app.config))
        result = engine.refresh_profile("grimnir", "scheduled", budgets=gates)
    assert result.outcome == "source-paused"
    assert stats_requests(brainz_standin) == 0


def test_a_first_fetch_during_a_pause_sends_nothing(app, brainz_standin):
    with app.app_context():
        pauses.record_pause("listenbrainz", 10, per_address=True)
    client = app.test_client()
    assert claim_with(client, "listenbrainz", "grimnir").status_code == 303
    assert stats_requests(brainz_standin) == 0
    with app.app_context():
        profile = service.get("grimnir")
    assert profile.lastRefreshStatus == "rate-limited" and "asked us to slow down" in profile.lastRefreshMessage


def test_every_pause_is_shared_however_short(app):
    with app.app_context():
        assert pauses.record_pause("listenbrainz", 3, per_address=True)
        until = pauses.paused_until("listenbrainz", per_address=True)
    assert until is not None and until > datetime.now(timezone.utc)


def test_a_pause_recorded_while_a_fetch_runs_holds_its_next_request(app):
    """Another process meets a 429 after this fetch sent its first request: the next one waits."""
    with app.app_context():
        calls = engine._calls("listenbrainz", None, wait=False)    # an owner's click: never sleeps
        calls.take()
        assert pauses.record_pause("listenbrainz", 10, per_address=True)   # as the other process does
        with pytest.raises(RateLimited):
            calls.take()
        assert calls.count == 1
