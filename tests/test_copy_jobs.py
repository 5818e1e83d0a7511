"""Copy written off the request path: progress (HTMX and plain), one job at a time, the time
budget, failures that cost nothing, 'unchanged', the Spotify opt-in in the background."""
import os
import time

import pytest

from anchor import create_app, migrate
from anchor.models import CopyJobModel, ProfileModel
from anchor.profiles import copyjobs
from tests.conftest import drop_tables
from tests.two_processes import AppProcess, child_config
from tests.web_helpers import claim, post

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
ALL_SOURCES = frozenset({"spotify", "listenbrainz", "upload"})


@pytest.fixture
def jobs_app(make_config, bedrock_standin):
    """Bedrock through the stand-in, copy in the background."""
    application = create_app(make_config(AI_PROVIDER="bedrock", BEDROCK_MODEL_ID=MODEL, AI_DAILY_LIMIT=5,
                                         AI_SOURCES=ALL_SOURCES, COPY_IN_BACKGROUND=True,
                                         AI_BUDGET_SECONDS=20.0))
    migrate.run(application.config, echo=lambda _line: None)
    yield application
    bedrock_standin.release()
    drop_tables(application)


def _profile(handle="nadia"):
    return ProfileModel.get(f"USER#{handle}", consistent_read=True)


def _job(handle="nadia"):
    return CopyJobModel.get(f"COPYJOB#{handle}", consistent_read=True)


def wait_for_job(handle="nadia"):
    """Until the profile's copy job has ended (a waiting loop, not a timing assertion)."""
    for _ in range(600):
        try:
            if _job(handle).status == copyjobs.DONE:
                return _job(handle)
        except CopyJobModel.DoesNotExist:
            pass
        time.sleep(0.05)
    raise AssertionError("the copy job never ended")


def claimed(app, standin):
    client = app.test_client()
    claim(client, "nadia")
    wait_for_job()                  # the copy after the claim is a job too
    standin.reset()
    return client


def test_write_copy_in_the_background_with_and_without_javascript(jobs_app, bedrock_standin):
    client = claimed(jobs_app, bedrock_standin)
    assert _job().reason == "first" and _profile().bio
    before = _profile()
    bedrock_standin.hold()
    answer = post(client, "/dashboard/copy", {}, htmx=True)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Writing your copy" in body
    assert 'hx-get="/dashboard/copy-status"' in body and 'id="flash"' in body
    poll = client.get("/dashboard/copy-status", headers={"HX-Request": "true"})
    assert "Writing your copy…" in poll.get_data(as_text=True) and "HX-Refresh" not in poll.headers
    assert _job().status == copyjobs.RUNNING
    bedrock_standin.release()
    job = wait_for_job()
    poll = client.get("/dashboard/copy-status", headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"
    # The stand-in's good answer for the same data is the same words: said so, nothing rewritten.
    assert job.outcome == "unchanged" and "came out unchanged" in job.message
    page = client.get("/dashboard").get_data(as_text=True)
    assert "came out unchanged" in page and "Writing your copy…" not in page
    assert _profile().version == before.version and bedrock_standin.count == 1

    # Without JavaScript: redirect-after-post, the page shows the progress, a reload the result.
    bedrock_standin.hold()
    bedrock_standin.script("cliche", "invented_album")
    answer = post(client, "/dashboard/copy", {})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/dashboard#copy")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Writing your copy…" in page and "Reload this page" in page and "Write copy</button>" not in page
    bedrock_standin.release()
    wait_for_job()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "did not pass our checks" in page and "Write copy</button>" in page


def test_the_refresh_note_says_the_copy_is_being_written_only_until_it_is(jobs_app, bedrock_standin):
    client = jobs_app.test_client()
    bedrock_standin.hold()
    claim(client, "nadia")                      # the first fetch's copy runs as a job
    assert _job().status == copyjobs.RUNNING
    assert copyjobs.WRITING in client.get("/dashboard").get_data(as_text=True)
    bedrock_standin.release()
    assert wait_for_job().outcome == "written"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Refreshed from Spotify at" in page and copyjobs.WRITING not in page


def test_the_note_is_right_on_a_process_that_did_not_run_the_job(jobs_app, bedrock_standin, tmp_path):
    """The job runs in a thread of this process; the dashboard is read from another one."""
    client = jobs_app.test_client()
    bedrock_standin.hold()
    claim(client, "nadia")
    cookie = client.get_cookie("session").value
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    other = AppProcess(child_config(jobs_app, AI_PROVIDER="offline"), env, tmp_path / "process-b.log")
    try:
        assert copyjobs.WRITING in other.get("/dashboard", cookie).text
        bedrock_standin.release()
        wait_for_job()
        page = other.get("/dashboard", cookie).text
        assert "Refreshed from Spotify at" in page and copyjobs.WRITING not in page
    finally:
        other.kill()


def test_a_second_click_while_writing_starts_nothing(jobs_app, bedrock_standin):
    client = claimed(jobs_app, bedrock_standin)
    bedrock_standin.hold()
    post(client, "/dashboard/copy", {}, htmx=True)
    first = _job().jobId
    again = post(client, "/dashboard/copy", {}, htmx=True)
    assert copyjobs.ALREADY in again.get_data(as_text=True)
    with jobs_app.app_context():       # any process: the claim is the conditional put
        assert copyjobs.start(_profile(), "owner").started is False
    assert _job().jobId == first
    bedrock_standin.release()
    wait_for_job()
    assert bedrock_standin.count == 1 and _profile().aiCount == 2

    # Spotify data reaches the model only when the operator opts in, in the background too.
    jobs_app.config["AI_SOURCES"] = frozenset({"listenbrainz", "upload"})
    post(client, "/dashboard/copy", {})
    assert wait_for_job().outcome in ("written", "unchanged")    # offline: the same words again
    assert bedrock_standin.count == 1


def test_a_slow_or_throttled_model_keeps_the_copy_and_the_daily_limit(jobs_app, bedrock_standin):
    client = claimed(jobs_app, bedrock_standin)
    before = _profile()
    jobs_app.config["AI_BUDGET_SECONDS"] = 1.0
    bedrock_standin.delay = 4.0          # sleeps past the 1-second budget
    post(client, "/dashboard/copy", {}, htmx=True)
    job = wait_for_job()
    assert job.outcome == "unavailable"
    assert "did not answer within 1 seconds" in job.message and "previous copy stays" in job.message
    after = _profile()
    assert (after.bio, after.albumLines, after.version) == (before.bio, before.albumLines, before.version)
    assert after.aiCount == before.aiCount         # an unanswered call costs nothing

    # Throttling (or an outage) past botocore's retry: the model was unavailable, it cost nothing.
    jobs_app.config["AI_BUDGET_SECONDS"] = 20.0
    bedrock_standin.reset()
    used = _profile().aiCount
    bedrock_standin.script(*["throttle"] * 4)
    post(client, "/dashboard/copy", {})
    job = wait_for_job()
    assert job.outcome == "unavailable" and bedrock_standin.count >= 1
    assert job.message.startswith("The AI model was unavailable")
    assert "did not pass our checks" not in job.message and "does not count against" in job.message
    assert _profile().aiCount == used
    assert "The AI model was unavailable" in client.get("/dashboard").get_data(as_text=True)
