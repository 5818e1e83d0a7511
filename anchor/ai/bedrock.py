"""Copy from an Anthropic Claude model on Amazon Bedrock (Converse API, forced tool use).

One conversation per `write`: the first answer is validated; if it fails, the model gets ONE
retry whose request answers its tool call with a toolResult (status "error") listing the failed
checks. Both turns share one time budget (30 s by default): the client's connect and read
timeouts and botocore's retries are sized from it, and each call is also abandoned when the
budget runs out, so a slow model ends in a clear message in time. Every AWS or transport error,
and the budget running out, becomes ModelUnavailable (a CopyFailed) with a sentence fit for the
owner. One bedrock-runtime client per process, made on first use after the fork, is shared by
every thread (botocore clients are thread-safe; making one is not, hence the lock).
"""
import logging
import os
import threading
import time

import botocore.config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, NoCredentialsError,
                                 NoRegionError, ReadTimeoutError)

from anchor import aws
from anchor.limits import buckets
from anchor.logs import log_event
from anchor.sources.base import RateLimited

from .copy import Copy, CopyFailed, ModelUnavailable, zero_usage
from .prompt import (SYSTEM_PROMPT, TOOL_NAME, build_user_message, data_for_prompt, retry_text,
                     tool_config)
from .validate import lines_from_tool, validate_copy

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 30.0
INFERENCE = {"maxTokens": 1200, "temperature": 0.4}
TEXT_INSTEAD_OF_TOOL = "model answered with text instead of using the tool"

_CLIENT_ERRORS = {
    "ThrottlingException": "Bedrock is throttling requests; try again later",
    "ServiceQuotaExceededException": "the Bedrock quota for this account is used up; try again later",
    "ServiceUnavailableException": "Bedrock is temporarily unavailable; try again later",
    "InternalServerException": "Bedrock had an internal error; try again later",
    "ModelTimeoutException": "the model took too long to answer; try again later",
    "ModelNotReadyException": "the model is not ready yet; try again in a few minutes",
    "ModelErrorException": "the model failed while writing; try again later",
    "AccessDeniedException": "this AWS account may not use model {model}; "
                             "check Bedrock model access and the IAM policy",
    "ResourceNotFoundException": "Bedrock does not know model {model}; check BEDROCK_MODEL_ID",
    "ValidationException": "Bedrock rejected the request for model {model}: {message}",
    "UnrecognizedClientException": "the AWS credentials were refused by Bedrock",
}


def _failure_reason(exc: Exception, model_id: str) -> str:
    """A sentence for the owner (and the logs) describing an AWS or transport failure."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")[:200]
        template = _CLIENT_ERRORS.get(code, "Bedrock request failed ({code}); try again later")
        return template.format(model=model_id, message=message, code=code or "unknown error")
    if isinstance(exc, NoRegionError):
        return "no AWS region is configured for Bedrock; set AWS_REGION"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials are available for Bedrock"
    if isinstance(exc, ReadTimeoutError):
        return "Bedrock did not answer in time; try again later"
    if isinstance(exc, ConnectTimeoutError):
        return "could not connect to Bedrock in time; try again later"
    return f"could not reach Bedrock ({type(exc).__name__}); try again later"


def budget_config(budget: float) -> botocore.config.Config:
    """Client settings that fit in one generation's budget: a short connect timeout, a read
    timeout of what is left, and one retry (standard mode) for throttling and 5xx."""
    connect = max(0.5, min(3.0, budget / 10))
    return botocore.config.Config(connect_timeout=connect, read_timeout=max(1.0, budget - connect),
                                  retries={"mode": "standard", "total_max_attempts": 2})


def shared_client(region: str | None, budget: float):
    """This process's bedrock-runtime client for the region, endpoint and budget."""
    key = ("bedrock-runtime", region, os.environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"), budget)
    return aws.shared(key, lambda: aws.client("bedrock-runtime", region_name=region,
                                              config=budget_config(budget)))


class _OverBudget(Exception):
    """The call did not end within the time left."""


def _within(call, seconds: float):
    """Run `call()` in a helper thread and wait at most `seconds`; _OverBudget if it is slower.

    A call that overruns is abandoned (its thread ends with the client's read timeout)."""
    box: dict = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc
    worker = threading.Thread(target=run, name="bedrock-call", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise _OverBudget
    if "error" in box:
        raise box["error"]
    return box["value"]


def add_usage(total: dict, usage: dict | None) -> None:
    """Add a Converse answer's token counts to `total`."""
    for key in total:
        total[key] += int((usage or {}).get(key) or 0)


def tool_answer(response: dict, tool_name: str) -> tuple[list, list, dict | None, list[str]]:
    """(content, tool calls, the call of `tool_name` or None, why none was) of a Converse answer."""
    content = response.get("output", {}).get("message", {}).get("content") or []
    tool_uses = [b["toolUse"] for b in content if isinstance(b, dict) and "toolUse" in b]
    chosen = next((t for t in tool_uses if t.get("name") == tool_name), None)
    missing = [] if chosen is not None else [f"model called another tool instead of {tool_name}" if tool_uses
                                             else TEXT_INSTEAD_OF_TOOL]
    return content, tool_uses, chosen, missing


class BedrockWriter:
    """Writes profile copy with one Bedrock model; reuse it to reuse its HTTP connections."""

    def __init__(self, model_id: str, client=None, region: str | None = None,
                 config: botocore.config.Config | None = None, budget: float = DEFAULT_BUDGET):
        self.model_id = model_id
        self._client = client
        self._owns_client = client is None and config is not None
        self._region = region
        self._config = config
        self.budget = budget

    @property
    def client(self):
        """The bedrock-runtime client: the one given, one of our own for an explicit config, or
        the process's shared client (endpoint from the environment).

        botocore itself reads only AWS_DEFAULT_REGION; AWS_REGION (set by AWS runtimes) is
        honoured here as well.
        """
        if self._client is None:
            region = self._region or os.environ.get("AWS_REGION") or None
            if self._config is not None:
                self._client = aws.client("bedrock-runtime", region_name=region,
                                          config=self._config)
            else:
                self._client = shared_client(region, self.budget)
        return self._client

    def close(self) -> None:
        """Close the HTTP connections of a client this writer created."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def _converse(self, messages: list, attempts: int, deadline: float) -> dict:
        return self.converse(messages, attempts, deadline, SYSTEM_PROMPT, tool_config(), INFERENCE)

    def converse(self, messages: list, attempts: int, deadline: float, system: str, tools: dict,
                 inference: dict) -> dict:
        """One Converse call inside the shared quota and the time left; ModelUnavailable on any failure."""
        try:    # the model's quota is shared by every instance (limits/buckets.py)
            buckets.before_model_call(system, messages, inference["maxTokens"])
        except RateLimited:
            raise ModelUnavailable(["the AI model's shared quota is used up for now; try again later"],
                                   attempts=attempts) from None

        def call():
            return self.client.converse(
                modelId=self.model_id, system=[{"text": system}], messages=messages,
                inferenceConfig=dict(inference), toolConfig=tools)
        try:
            return _within(call, deadline - time.monotonic())
        except _OverBudget:
            log_event(log, "bedrock converse over budget", level=logging.WARNING,
                      model=self.model_id, attempt=attempts, budget_s=self.budget)
            raise ModelUnavailable([f"the model did not answer within {self.budget:g} seconds; "
                                    "try again later"], attempts=attempts) from None
        except (ClientError, BotoCoreError) as exc:
            reason = _failure_reason(exc, self.model_id)
            log_event(log, "bedrock converse failed", level=logging.WARNING, model=self.model_id,
                      attempt=attempts, error=type(exc).__name__)
            raise ModelUnavailable([reason], attempts=attempts) from exc

    def write(self, profile_data: dict, previous_copy: Copy | None = None, progress=None) -> Copy:
        """Return validated copy, or raise CopyFailed after one retry with the reasons
        (ModelUnavailable when the model could not answer in the budget)."""
        progress = progress or (lambda _stage: None)
        deadline = time.monotonic() + self.budget
        data = data_for_prompt(profile_data)
        previous_bio = previous_copy.bio if previous_copy else None
        messages = [{"role": "user", "content": [{"text": build_user_message(data, previous_bio)}]}]
        usage = zero_usage()
        reasons: list[str] = []
        for attempt in (1, 2):
            progress("Asking the model…" if attempt == 1
                     else "The first answer failed our checks; asking the model once more…")
            response = self._converse(messages, attempt, deadline)
            progress("Checking the answer…")
            add_usage(usage, response.get("usage"))
            content, tool_uses, chosen, reasons = tool_answer(response, TOOL_NAME)
            if chosen is not None:
                tool_input = chosen.get("input") if isinstance(chosen.get("input"), dict) else {}
                bio = tool_input.get("bio")
                lines, reasons = lines_from_tool(tool_input.get("albumLines"))
                reasons += validate_copy(profile_data, bio, lines)
                if not reasons:
                    return Copy(bio=bio, album_lines=lines, provider="bedrock",
                                model_id=self.model_id, usage=usage)
            log_event(log, "bedrock copy rejected", model=self.model_id, attempt=attempt,
                      reasons=len(reasons))
            messages.append({"role": "assistant", "content": content or [{"text": "(empty)"}]})
            messages.append({"role": "user", "content": self._feedback(tool_uses, chosen, reasons)})
        raise CopyFailed(reasons, attempts=2)

    @staticmethod
    def _feedback(tool_uses: list, chosen: dict | None, reasons: list[str]) -> list:
        """The user turn after a rejected answer: toolResults for every tool call, or text."""
        if not tool_uses:
            return [{"text": retry_text(reasons)}]
        results = []
        for tool_use in tool_uses:
            text = retry_text(reasons) if tool_use is chosen else f"Unknown tool; use {TOOL_NAME}."
            results.append({"toolResult": {"toolUseId": tool_use.get("toolUseId"),
                                           "content": [{"text": text}], "status": "error"}})
        return results
