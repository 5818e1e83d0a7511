"""Copy on a real profile: Bedrock through the stand-in, locks, hidden items, the daily limit."""
import json

import pytest

from anchor import create_app, migrate
from anchor.models import ProfileModel
from tests.conftest import drop_tables
from tests.web_helpers import claim, post
from tests.factories import items

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture
def bedrock_app(make_config, bedrock_standin):
    # The demo profiles come from the Spotify stand-in: opt its data in, as an operator could.
    application = create_app(make_config(AI_PROVIDER="bedrock", BEDROCK_MODEL_ID=MODEL, AI_DAILY_LIMIT=3,
                                         AI_SOURCES=frozenset({"spotify", "listenbrainz", "upload"})))
    migrate.run(application.config, echo=lambda _line: None)
    yield application
    drop_tables(application)


def _profile():
    return ProfileModel.get("USER#nadia", consistent_read=True)


def test_claim_writes_copy_once_and_same_data_costs_nothing(bedrock_app, bedrock_standin):
    client = bedrock_app.test_client()
    claim(client, "nadia")
    assert bedrock_standin.count == 1
    profile = _profile()
    assert profile.copyMeta["provider"] == "bedrock" and profile.copyMeta["modelId"] == MODEL
    assert profile.copyMeta["usage"]["totalTokens"] > 0
    with bedrock_app.app_context():
        from anchor.profiles import copywriting
        outcome = copywriting.generate(profile)
    assert outcome.status == "unchanged" and bedrock_standin.count == 1
    assert "Amazon Bedrock" in client.get("/dashboard").get_data(as_text=True)


def test_hidden_album_is_not_in_the_prompt(bedrock_app, bedrock_standin):
    client = bedrock_app.test_client()
    claim(client, "nadia")
    hidden = items(_profile())["albums"][0]
    post(client, f"/dashboard/items/{hidden['id']}/hide", {})
    bedrock_standin.reset()
    post(client, "/dashboard/copy", {})
    assert bedrock_standin.count == 1
    _model, body = bedrock_standin.requests[0]
    prompt = json.dumps(body["messages"])
    assert hidden["id"] not in prompt and json.dumps(hidden["name"])[1:-1] not in prompt
    assert hidden["id"] not in _profile().albumLines or _profile().albumLines[hidden["id"]]


def test_fail_twice_keeps_previous_copy_and_says_why(bedrock_app, bedrock_standin):
    client = bedrock_app.test_client()
    claim(client, "nadia")
    before = _profile()
    bedrock_standin.reset()
    bedrock_standin.script("invented_album", "cliche")
    response = post(client, "/dashboard/copy", {}, htmx=True)
    assert bedrock_standin.count == 2
    after = _profile()
    assert after.bio == before.bio and after.albumLines == before.albumLines
    assert "did not pass our checks" in response.get_data(as_text=True)
    assert "not published" in client.get("/dashboard").get_data(as_text=True)


def test_markup_from_the_model_never_reaches_a_page(bedrock_app, bedrock_standin):
    client = bedrock_app.test_client()
    claim(client, "nadia")
    bedrock_standin.reset()
    bedrock_standin.script("markup", "markup")
    post(client, "/dashboard/copy", {})
    post(client, "/dashboard/publish", {})
    body = bedrock_app.test_client().get("/nadia").get_data(as_text=True)
    assert "onerror" not in body and "<img src=x" not in body


def test_daily_limit(bedrock_app, bedrock_standin):
    client = bedrock_app.test_client()
    claim(client, "nadia")                      # generation 1 of 3
    post(client, "/dashboard/copy", {})         # 2
    post(client, "/dashboard/copy", {})         # 3
    calls = bedrock_standin.count
    response = post(client, "/dashboard/copy", {}, htmx=True)
    assert "Daily limit reached" in response.get_data(as_text=True)
    assert bedrock_standin.count == calls
    assert _profile().aiCount == 3
