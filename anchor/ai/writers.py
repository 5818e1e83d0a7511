"""`write_copy`: picks the writer (offline or Bedrock) and returns copy that passed validation."""
from .copy import Copy
from .offline import offline_copy

PROVIDERS = ("offline", "bedrock")


def write_copy(profile_data: dict, previous_copy: Copy | None = None, *, provider: str,
               model_id: str | None = None, client=None, budget: float = 30.0,
               progress=None) -> Copy:
    """Write copy that passed validation, or raise CopyFailed (one retry with the reasons).

    `budget` bounds both model turns together; `progress(stage)` hears what is happening."""
    if provider == "offline":
        return offline_copy(profile_data)
    if provider == "bedrock":
        if not model_id:
            raise ValueError("provider 'bedrock' needs a model_id (set BEDROCK_MODEL_ID)")
        from .bedrock import BedrockWriter   # its client loads only where Bedrock is used (memory)
        writer = BedrockWriter(model_id, client=client, budget=budget)
        try:
            return writer.write(profile_data, previous_copy, progress=progress)
        finally:
            writer.close()
    raise ValueError(f"unknown AI copy provider {provider!r}; use one of: {', '.join(PROVIDERS)}")


def write_year_copy(prompt_data: dict, names: list[str], *, model_id: str | None, budget: float = 30.0,
                    client=None) -> tuple[str, dict]:
    """(text, usage): the model's checked words about one year (one call), or CopyFailed."""
    if not model_id:
        raise ValueError("provider 'bedrock' needs a model_id (set BEDROCK_MODEL_ID)")
    from .year_model import model_year_copy   # its client loads only where Bedrock is used (memory)
    return model_year_copy(prompt_data, names, model_id=model_id, budget=budget, client=client)
