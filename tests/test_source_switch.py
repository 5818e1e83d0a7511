"""Switching the source a page shows (issue 27, item 2): the answer never waits for the fetch, a
switch never costs a source call a refresh could not make, and switches are limited per account,
in one process and across two. Real stand-ins, real DynamoDB Local, no mocks."""
import re
import threading

import pytest

from anchor.profiles import service
from anchor.refresh import lock
from tests.source_web_helpers import ONE_FETCH, dashboard_text, link_listenbrainz, publish, stats_requests
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, post

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SWITCH_LIMIT = 10
TOO_OFTEN = "Your page’s source was switched too often. Please wait"


@pytest.fixture
def app(source_app):
    return source_app



def spotify_calls(sandbox):
    return sum(sandbox.stats()["paths"].values())


def profile_of(app, handle="nadia"):
    with app.app_context():
        return service.get(handle)


@pytest.fixture
def owner(app, spotify_sandbox, brainz_standin):
    """The Spotify owner of the published page /nadia, with ListenBrainz linked (not shown)."""
    client = app.test_client()
    assert claim(client, "nadia").status_code == 303
    publish(client)
    assert link_listenbrainz(client, "grimnir").status_code == 302
    assert profile_of(app).source == "spotify" and stats_requests(brainz_standin) == 0
    return client


def _join(name):
    """Wait for this process's thread `name` (a refresh or copy job) to end, if it runs."""
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join()


def test_a_plain_form_switch_answers_before_the_fetch(owner, app, brainz_standin, monkeypatch):
    app.config["COPY_IN_BACKGROUND"] = True            # as in production
    release, reached = threading.Event(), threading.Event()
    answer_stats = brainz_standin.stats_api

    def held(*args, **kwargs):
        # The stand-in holds every stats request until the test has looked at the answer; the
        # timeout only keeps a switch that waits for its fetch from hanging the run.
        reached.set()
        release.wait(timeout=15)
        return answer_stats(*args, **kwargs)
    monkeypatch.setattr(brainz_standin, "stats_api", held)
    spotify_data = profile_of(app).listening

    answer = post(owner, "/dashboard/source", {"source": "listenbrainz"})          # no JavaScript
    released_before = release.is_set()
    release.set()
    assert answer.status_code == 303 and not released_before
    switching = profile_of(app)
    with app.app_context():
        assert lock.is_refreshing(switching)                    # the fetch is a job, still running
    assert switching.source == "listenbrainz" and switching.listening == spotify_data
    _join("refresh-nadia")
    _join("copy-nadia")
    landed = profile_of(app)
    assert reached.is_set() and stats_requests(brainz_standin) == ONE_FETCH
    assert landed.listening["source"] == "listenbrainz" and landed.lastManualRefreshAt is not None
    page = dashboard_text(owner)
    assert "Your page now shows ListenBrainz. Fetching your ListenBrainz data" in page


def test_switching_back_and_forth_costs_one_fetch_and_the_limit_refuses_more(
        owner, app, spotify_sandbox, brainz_standin):
    spotify_data = profile_of(app).listening
    spotify_before = spotify_calls(spotify_sandbox)
    for number in range(1, SWITCH_LIMIT + 1):
        source = "listenbrainz" if number % 2 else "spotify"
        assert post(owner, "/dashboard/source", {"source": source}).status_code == 303
        shown = profile_of(app)
        assert shown.source == source and shown.listening["source"] == source
        if source == "spotify":
            assert shown.listening == spotify_data                # its stored data, not a new fetch
    # The first switch fetched (and started the hour of cooldown); every later one showed data
    # its source had sent within the hour.
    assert stats_requests(brainz_standin) == ONE_FETCH and spotify_calls(spotify_sandbox) == spotify_before
    assert "with the data Spotify sent within the hour: nothing was fetched again" in dashboard_text(owner)

    for htmx in (False, True):
        refused = post(owner, "/dashboard/source", {"source": "listenbrainz"}, htmx=htmx)
        assert refused.status_code == 429 and TOO_OFTEN in refused.get_data(as_text=True)
    assert profile_of(app).source == "spotify"
    assert stats_requests(brainz_standin) == ONE_FETCH and spotify_calls(spotify_sandbox) == spotify_before


def test_a_switch_that_needs_a_fetch_waits_for_the_refresh_cooldown(owner, app, brainz_standin):
    assert post(owner, "/dashboard/refresh", {}).status_code == 303
    refreshed = profile_of(app)
    assert refreshed.lastManualRefreshAt is not None

    post(owner, "/dashboard/source", {"source": "listenbrainz"})
    page = dashboard_text(owner)
    assert "Showing ListenBrainz needs a fetch from ListenBrainz, and your page was refreshed at" in page
    assert "Your page still shows Spotify." in page
    after = profile_of(app)
    assert after.source == "spotify" and after.version == refreshed.version
    assert stats_requests(brainz_standin) == 0


def test_a_switch_while_a_refresh_runs_changes_nothing(owner, app, brainz_standin):
    with app.app_context():
        running = service.get("nadia")
        assert lock.acquire_lock(running) is not None           # a refresh of the page is running
    before = profile_of(app)
    post(owner, "/dashboard/source", {"source": "listenbrainz"})
    assert ("Your page is refreshing from Spotify right now; switch to ListenBrainz when it is done."
            in dashboard_text(owner))
    after = profile_of(app)
    assert after.source == "spotify" and after.version == before.version
    assert stats_requests(brainz_standin) == 0


def test_the_switch_limit_holds_across_two_processes(owner, app, two_processes, spotify_sandbox,
                                                     brainz_standin):
    processes = two_processes()
    cookie = owner.get_cookie("session").value
    spotify_before = spotify_calls(spotify_sandbox)

    def switch(process, source):
        token = CSRF.search(process.get("/dashboard", cookie).text).group(1)
        return process.post("/dashboard/source", cookie, data={"source": source, "csrf_token": token})
    for number in range(1, SWITCH_LIMIT + 1):
        process = processes.a if number % 2 else processes.b
        answer = switch(process, "listenbrainz" if number % 2 else "spotify")
        assert answer.status_code == 303, (number, answer.status_code)
    for process in (processes.a, processes.b):
        refused = switch(process, "listenbrainz")
        assert refused.status_code == 429 and TOO_OFTEN in refused.text
    assert profile_of(app).source == "spotify"
    assert stats_requests(brainz_standin) == ONE_FETCH and spotify_calls(spotify_sandbox) == spotify_before
