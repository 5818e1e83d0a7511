"""Bedrock writer against the local Converse stand-in, through real boto3 (no stubbing)."""
import json

import boto3
import pytest

from anchor.ai import CopyFailed, write_copy
from anchor.ai.bedrock import TEXT_INSTEAD_OF_TOOL, BedrockWriter
from anchor.ai.prompt import DATA_BEGIN, TOOL_NAME, extract_data
from tests.ai_fixtures import MODEL_ID


def write(data, client=None):
    return write_copy(data, None, provider="bedrock", model_id=MODEL_ID, client=client)


def test_good_first_time_keeps_usage(bedrock_standin, ai_profile_data):
    copy = write(ai_profile_data)
    assert bedrock_standin.count == 1
    assert copy.provider == "bedrock" and copy.model_id == MODEL_ID
    assert set(copy.album_lines) == {"al1", "al2", "al3", "al4"}
    usage = copy.usage
    assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert bedrock_standin.requests[0][0] == MODEL_ID  # URL-encoded ":" decoded by the stand-in


def test_request_forces_the_tool_with_the_schema(bedrock_standin, ai_profile_data):
    write(ai_profile_data)
    _, body = bedrock_standin.requests[0]
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": TOOL_NAME}}
    spec = body["toolConfig"]["tools"][0]["toolSpec"]
    schema = spec["inputSchema"]["json"]
    assert spec["name"] == TOOL_NAME
    assert schema["required"] == ["bio", "albumLines"]
    assert schema["properties"]["bio"]["minLength"] == 200
    assert schema["properties"]["bio"]["maxLength"] == 600
    assert schema["properties"]["albumLines"]["items"]["properties"]["line"]["maxLength"] == 120
    assert body["inferenceConfig"] == {"maxTokens": 1200, "temperature": 0.4}
    assert "third person" in body["system"][0]["text"]


def test_prompt_carries_only_the_given_albums_without_urls(bedrock_standin, ai_profile_data):
    ai_profile_data["albums"] = ai_profile_data["albums"][:2]  # others hidden by the owner
    write(ai_profile_data)
    text = bedrock_standin.requests[0][1]["messages"][0]["content"][0]["text"]
    assert DATA_BEGIN in text and "http" not in text and "scdn" not in text
    assert [a["id"] for a in extract_data(text)["albums"]] == ["al1", "al2"]
    assert "Expensive Shit" not in text and "Film of Life" not in text


def test_retry_then_succeed_sends_reasons_in_a_tool_result(bedrock_standin, ai_profile_data):
    bedrock_standin.script("invented_album", "good")
    copy = write(ai_profile_data)
    assert bedrock_standin.count == 2
    assert "Velvet Harbour" not in copy.bio
    messages = bedrock_standin.requests[1][1]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    tool_use = messages[1]["content"][0]["toolUse"]
    result = messages[2]["content"][0]["toolResult"]
    assert result["toolUseId"] == tool_use["toolUseId"] and result["status"] == "error"
    assert "Velvet Harbour Sessions" in result["content"][0]["text"]
    assert copy.usage["totalTokens"] > 0


def test_fail_twice_raises_with_reasons(bedrock_standin, ai_profile_data):
    bedrock_standin.script("cliche", "too_long")
    with pytest.raises(CopyFailed) as failed:
        write(ai_profile_data)
    assert bedrock_standin.count == 2
    assert failed.value.attempts == 2
    assert any("it must be 200–600" in r for r in failed.value.reasons)


def test_text_instead_of_tool_is_retried_with_a_text_turn(bedrock_standin, ai_profile_data):
    bedrock_standin.script("text", "good")
    write(ai_profile_data)
    assert bedrock_standin.count == 2
    messages = bedrock_standin.requests[1][1]["messages"]
    assert messages[1] == {"role": "assistant",
                           "content": [{"text": "Here is a lovely bio for this listener."}]}
    assert TEXT_INSTEAD_OF_TOOL in messages[2]["content"][0]["text"]


@pytest.mark.parametrize("behaviour, reason", [
    ("markup", "markup"), ("missing_album", "has no line"), ("text", TEXT_INSTEAD_OF_TOOL),
    ("url", "web address")])
def test_bad_output_is_never_returned(bedrock_standin, ai_profile_data, behaviour, reason):
    bedrock_standin.script(behaviour, behaviour)
    with pytest.raises(CopyFailed) as failed:
        write(ai_profile_data)
    assert any(reason in r for r in failed.value.reasons), failed.value.reasons


def test_throttling_is_retried_by_botocore(bedrock_standin, ai_profile_data):
    bedrock_standin.script("throttle", "good")
    copy = write(ai_profile_data)
    assert bedrock_standin.count >= 2
    assert copy.provider == "bedrock"


def test_persistent_throttling_fails_clearly(bedrock_standin, bedrock_fast_client, ai_profile_data):
    bedrock_standin.script(*["throttle"] * 4)
    with pytest.raises(CopyFailed) as failed:
        write(ai_profile_data, client=bedrock_fast_client)
    assert failed.value.reasons == ["Bedrock is throttling requests; try again later"]
    assert bedrock_standin.count == 2  # botocore's own retry, then no second conversation turn


@pytest.mark.parametrize("behaviour, reason", [
    ("unavailable", "Bedrock is temporarily unavailable; try again later"),
    ("internal_error", "Bedrock had an internal error; try again later"),
    ("invalid_request", "Bedrock rejected the request for model"),
])
def test_service_errors_become_copy_failed(bedrock_standin, bedrock_fast_client,
                                           ai_profile_data, behaviour, reason):
    bedrock_standin.script(*[behaviour] * 2)
    with pytest.raises(CopyFailed) as failed:
        write(ai_profile_data, client=bedrock_fast_client)
    assert failed.value.reasons[0].startswith(reason)


def test_unreachable_endpoint_becomes_copy_failed(bedrock_standin, monkeypatch, ai_profile_data):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9")
    import botocore.config
    config = botocore.config.Config(connect_timeout=1, retries={"max_attempts": 1})
    writer = BedrockWriter(MODEL_ID, config=config)
    with pytest.raises(CopyFailed) as failed:
        writer.write(ai_profile_data)
    writer.close()
    assert "Bedrock" in failed.value.reasons[0] and "try again later" in failed.value.reasons[0]


def test_missing_region_is_a_clear_failure(bedrock_standin, monkeypatch, ai_profile_data):
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(CopyFailed) as failed:
        write(ai_profile_data)
    assert failed.value.reasons == ["no AWS region is configured for Bedrock; set AWS_REGION"]


def test_previous_bio_is_offered_to_the_model(bedrock_standin, ai_profile_data):
    first = write(ai_profile_data)
    write_copy(ai_profile_data, first, provider="bedrock", model_id=MODEL_ID)
    text = bedrock_standin.requests[1][1]["messages"][0]["content"][0]["text"]
    assert "The previous bio was" in text and json.dumps(first.bio, ensure_ascii=False) in text


def test_standin_refuses_requests_without_forced_tool(bedrock_standin):
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    try:
        with pytest.raises(client.exceptions.ValidationException):
            client.converse(modelId=MODEL_ID,
                            messages=[{"role": "user", "content": [{"text": "hello"}]}])
    finally:
        client.close()
