"""AI copy for a profile: written only when the data changed (or the owner asks), capped per day."""
import logging
from dataclasses import dataclass

from flask import current_app

from anchor import clock
from anchor.ai.copy import Copy, CopyFailed
from anchor.ai.writers import write_copy
from anchor.logs import log_event
from anchor.metrics import emf
from anchor.models import ProfileModel, conditional
from anchor.profiles import service

log = logging.getLogger("anchor.copy")


@dataclass
class CopyOutcome:
    """What a generation attempt did, in words the owner can read."""

    status: str          # written | unchanged | failed | limited | nodata
    message: str
    ai_called: bool = False


def locks(profile):
    """Which owner-edited fields regeneration must keep."""
    raw = profile.locked or {}
    return {"bio": bool(raw.get("bio")), "lines": list(raw.get("lines", []))}


def previous_copy(profile):
    """The profile's current copy as a Copy, or None."""
    if not profile.bio:
        return None
    meta = profile.copyMeta or {}
    return Copy(bio=profile.bio, album_lines=dict(profile.albumLines or {}),
                provider=meta.get("provider", "offline"), model_id=meta.get("modelId"))


def _reserve(profile):
    """Count one generation against today's limit, atomically; False when the limit is reached."""
    limit = current_app.config["AI_DAILY_LIMIT"]
    today = clock.now().date().isoformat()
    if profile.aiDay != today:
        reserved = conditional(profile.update,
                               actions=[ProfileModel.aiDay.set(today), ProfileModel.aiCount.set(1)],
                               condition=ProfileModel.aiDay.does_not_exist() | (ProfileModel.aiDay != today))
    else:
        reserved = conditional(profile.update, actions=[ProfileModel.aiCount.add(1)],
                               condition=(ProfileModel.aiDay == today) & (ProfileModel.aiCount < limit))
    if reserved:
        return True
    profile.refresh(consistent_read=True)
    return profile.aiDay != today and _reserve(profile)   # the day rolled over meanwhile


def writer_for(profile):
    """The configured writer, or the offline one when the page's source keeps its data from AI."""
    source = service.source_of(profile)
    allowed = source in current_app.config["AI_SOURCES"]
    return current_app.config["AI_PROVIDER"] if allowed else "offline"


def generate(profile, *, force=False):
    """Write new copy if the visible data changed since the last copy, or if forced."""
    shown = service.visible(profile)
    if not shown["albums"] and not shown["artists"]:
        return CopyOutcome("nodata", "There is no listening data to write about yet.")
    current_hash = service.current_hash(profile)
    if not force and profile.bio and profile.copyHash == current_hash:
        return CopyOutcome("unchanged", "The copy is already up to date.")
    config = current_app.config
    provider = writer_for(profile)
    # The cap is about model cost: the offline writer is free and never counted.
    if provider != "offline" and not _reserve(profile):
        limit = config["AI_DAILY_LIMIT"]
        return CopyOutcome("limited", f"Daily limit reached: copy can be written {limit} times a "
                                      "day. Try again tomorrow (UTC).")
    # The old copy may name items the owner has since hidden; hidden items never reach the model.
    previous = None if service.layout(profile)["hidden"] else previous_copy(profile)
    try:
        copy = write_copy(shown, previous, provider=provider, model_id=config["BEDROCK_MODEL_ID"])
    except CopyFailed as exc:
        reason = "; ".join(exc.reasons)
        log_event(log, "copy rejected", level=logging.WARNING, handle=profile.handle, reasons=reason,
                  provider=provider, **emf({"CopyGenerations": 1, "CopyRejects": 1}))
        service.write(profile, {"copyError": f"The new copy was not published: {reason}"})
        return CopyOutcome("failed", f"The AI copy did not pass our checks, so the previous copy "
                                     f"stays: {reason}", ai_called=True)
    except Exception:
        log_event(log, "copy generation failed", level=logging.WARNING, handle=profile.handle,
                  provider=provider, **emf({"CopyGenerations": 1, "CopyFailures": 1}))
        raise
    usage = copy.usage or {}
    log_event(log, "copy generated", handle=profile.handle, provider=provider,
              **emf({"CopyGenerations": 1, "CopyModelInput": int(usage.get("inputTokens") or 0),
                     "CopyModelOutput": int(usage.get("outputTokens") or 0)}))
    kept = locks(profile)
    old_lines = profile.albumLines or {}
    lines = {album["id"]: (old_lines[album["id"]] if album["id"] in kept["lines"]
                           and album["id"] in old_lines else copy.album_lines.get(album["id"], ""))
             for album in shown["albums"]}
    changes = {
        "bio": profile.bio if kept["bio"] and profile.bio else copy.bio,
        "albumLines": {**old_lines, **lines},
        "copyHash": current_hash,
        "copyMeta": {"provider": copy.provider, "modelId": copy.model_id,
                     "createdAt": copy.created_at, "usage": copy.usage},
        "copyError": None,
    }
    service.write(profile, changes, bump=True)
    return CopyOutcome("written", "New copy written.", ai_called=copy.provider != "offline")
