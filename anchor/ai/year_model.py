"""A year page's words from the Bedrock model: ONE Converse call through the bio's writer.

The bio's client, quota, time budget and error mapping (bedrock.py) are reused; the prompt and
tool are the year's (year_prompt.py). There is no retry: a year is asked at most once per change,
and any answer that fails `year_problems` raises CopyFailed, so the caller writes the offline facts.
"""
import time

from .bedrock import BedrockWriter, add_usage, tool_answer
from .copy import CopyFailed, zero_usage
from .year_copy import year_problems
from .year_prompt import YEAR_SYSTEM_PROMPT, YEAR_TOOL_NAME, build_year_message, year_tool_config

YEAR_INFERENCE = {"maxTokens": 300, "temperature": 0.4}    # two sentences of ≤ 300 characters


def model_year_copy(prompt_data, names, *, model_id, budget, client=None):
    """(text, usage): the model's checked words about one year, or CopyFailed (ModelUnavailable
    when it could not answer: throttled, failing, over budget)."""
    writer = BedrockWriter(model_id, client=client, budget=budget)
    try:
        messages = [{"role": "user", "content": [{"text": build_year_message(prompt_data)}]}]
        response = writer.converse(messages, 1, time.monotonic() + budget, YEAR_SYSTEM_PROMPT,
                                   year_tool_config(), YEAR_INFERENCE)
    finally:
        writer.close()
    usage = zero_usage()
    add_usage(usage, response.get("usage"))
    _content, _calls, chosen, missing = tool_answer(response, YEAR_TOOL_NAME)
    if chosen is None:
        raise CopyFailed(missing)
    text = (chosen.get("input") if isinstance(chosen.get("input"), dict) else {}).get("text")
    reasons = year_problems(text, names)
    if reasons:
        raise CopyFailed(reasons)
    return text, usage
