"""Profile copy: the Copy record and the failure type every writer shares."""
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def zero_usage() -> dict:
    """Token usage for copy that cost nothing."""
    return {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}


@dataclass
class Copy:
    """Validated profile copy and where it came from."""

    bio: str
    album_lines: dict[str, str]
    provider: str
    model_id: str | None = None
    created_at: str = field(default_factory=_now)
    usage: dict = field(default_factory=zero_usage)

    def to_dict(self) -> dict:
        """Plain dict for storage (album_lines copied)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Copy":
        """Rebuild from `to_dict` output, tolerating missing provenance fields."""
        return cls(bio=data["bio"], album_lines=dict(data.get("album_lines") or {}),
                   provider=data.get("provider", "offline"), model_id=data.get("model_id"),
                   created_at=data.get("created_at") or _now(),
                   usage={**zero_usage(), **(data.get("usage") or {})})


class CopyFailed(Exception):
    """No publishable copy: the reasons are short sentences fit to show the owner."""

    def __init__(self, reasons: list[str], attempts: int = 1):
        self.reasons = list(reasons)
        self.attempts = attempts
        super().__init__("; ".join(self.reasons) or "copy could not be written")


class ModelUnavailable(CopyFailed):
    """The model could not be asked or did not answer in time (throttling, outage, budget):
    nothing was judged, so it does not count against the owner's daily limit."""
