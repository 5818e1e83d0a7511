"""AI copy for a profile: written only when the data changed (or the owner asks), capped per day."""
import logging
from dataclasses import dataclass

from flask import current_app

from anchor import clock
from anchor.ai.copy import Copy, CopyFailed, ModelUnavailable
from anchor.ai.writers import write_copy
from anchor.logs import log_event
from anchor.metrics import emf
from anchor.models import ProfileModel, conditional
from anchor.profiles import changelog, listening, music, service, writes

log = logging.getLogger("anchor.copy")


@dataclass
class CopyOutcome:
    """What a generation attempt did, in words the owner can read."""

    status: str          # written | unchanged | failed | unavailable | limited | nodata
    message: str
    ai_called: bool = False


def previous_copy(profile):
    """The profile's current copy as a Copy, or None."""
    if not profile.bio:
        return None
    meta = profile.copyMeta or {}
    return Copy(bio=profile.bio, album_lines=dict(profile.albumLines or {}),
                provider=meta.get("provider", "offline"), model_id=meta.get("modelId"))


def reserve(profile):
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
    return profile.aiDay != today and reserve(profile)   # the day rolled over meanwhile


def release(profile):
    """Give back today's reservation: the model never answered, so it cost the owner nothing."""
    today = clock.now().date().isoformat()
    conditional(profile.update, actions=[ProfileModel.aiCount.add(-1)],
                condition=(ProfileModel.aiDay == today) & (ProfileModel.aiCount > 0))


def writer_for(profile):
    """The configured writer, or the offline one when the page's source keeps its data from AI."""
    return writer_for_source(service.source_of(profile))


def writer_for_source(source):
    """The writer a page showing `source` gets: the configured one where the source's terms allow AI."""
    return current_app.config["AI_PROVIDER"] if listening.ai_allowed(source) else "offline"


def writer_data(profile):
    """What the writers get: the page's data and the owner's own releases, plus (for the offline
    writer; the model's prompt leaves them out) the range's name and the changes since the last
    refresh still true of it."""
    data = service.listening(profile)
    hidden = set(service.layout(profile)["hidden"])
    return {**service.visible(profile), **music.copy_facts(profile),     # the owner's own releases too
            "range": service.page_range(data),
            "changes": changelog.current(profile.changeLog, service.items(profile), hidden)}


def generate(profile, *, force=False, progress=None, fallback_offline=False):
    """Write new copy if the visible data changed since the last copy, or if forced.

    `progress(stage)` hears what is happening (the dashboard shows it). With `fallback_offline`
    (copy rewritten after the owner hid something), the offline writer steps in when the daily
    limit is reached or the model fails, so the page never keeps naming a hidden item for long.
    """
    progress = progress or (lambda _stage: None)
    shown = writer_data(profile)
    if not shown["albums"] and not shown["artists"]:
        return CopyOutcome("nodata", "There is no listening data to write about yet.")
    current_hash = service.current_hash(profile)
    if not force and (profile.bio or profile.copyMeta) and profile.copyHash == current_hash:
        return CopyOutcome("unchanged", "The copy is already up to date.")
    config = current_app.config
    provider = writer_for(profile)
    # The cap is about model cost: the offline writer is free and never counted.
    if provider != "offline" and not reserve(profile):
        limit = config["AI_DAILY_LIMIT"]
        limited = (f"Daily limit reached: copy can be written {limit} times a day. "
                   "Try again tomorrow (UTC).")
        if not fallback_offline:
            return CopyOutcome("limited", limited)
        provider, note = "offline", f"{limited} The offline writer wrote this copy meanwhile."
    else:
        note = None
    # The old copy may name items the owner has since hidden; hidden items never reach the model.
    previous = None if service.layout(profile)["hidden"] else previous_copy(profile)
    try:
        copy = write_copy(shown, previous, provider=provider, model_id=config["BEDROCK_MODEL_ID"],
                          budget=config["AI_BUDGET_SECONDS"], progress=progress)
    except CopyFailed as exc:
        reason = "; ".join(exc.reasons)
        unavailable = isinstance(exc, ModelUnavailable)
        if unavailable:
            release(profile)
        log_event(log, "copy model unavailable" if unavailable else "copy rejected", level=logging.WARNING,
                  handle=profile.handle, reasons=reason, provider=provider,
                  **emf({"CopyGenerations": 1, "CopyFailures" if unavailable else "CopyRejects": 1}))
        if fallback_offline and provider != "offline":
            copy = write_copy(shown, None, provider="offline")
            note = f"The AI model could not write it ({reason}); the offline writer did."
        elif unavailable:
            message = (f"The AI model was unavailable ({reason}), so the previous copy stays. "
                       "This try does not count against your daily limit.")
            writes.write(profile, {"copyError": message})
            return CopyOutcome("unavailable", message, ai_called=True)
        else:
            writes.write(profile, {"copyError": f"The new copy was not published: {reason}"})
            return CopyOutcome("failed", f"The AI copy did not pass our checks, so the previous "
                                         f"copy stays: {reason}", ai_called=True)
    except Exception:
        log_event(log, "copy generation failed", level=logging.WARNING, handle=profile.handle,
                  provider=provider, **emf({"CopyGenerations": 1, "CopyFailures": 1}))
        raise
    usage = copy.usage or {}
    log_event(log, "copy generated", handle=profile.handle, provider=copy.provider,
              **emf({"CopyGenerations": 1, "CopyModelInput": int(usage.get("inputTokens") or 0),
                     "CopyModelOutput": int(usage.get("outputTokens") or 0)}))
    progress("Saving…")
    return _store(profile, shown, copy, current_hash, note)


def _store(profile, shown, copy, current_hash, note):
    """Write the copy (owner-locked bio and lines kept); 'unchanged' when the words are the same."""
    kept = service.locks(profile)
    old_lines = profile.albumLines or {}
    lines = {album["id"]: (old_lines[album["id"]] if album["id"] in kept["lines"]
                           and album["id"] in old_lines else copy.album_lines.get(album["id"], ""))
             for album in shown["albums"]}
    bio = profile.bio if kept["bio"] and profile.bio else copy.bio or None   # None: no bio on the page
    ai_called = copy.provider != "offline"
    if profile.copyMeta and bio == profile.bio and all(old_lines.get(k) == v for k, v in lines.items()):
        writes.write(profile, {"copyHash": current_hash, "copyError": None})
        return CopyOutcome("unchanged", note or "Copy written: it came out unchanged, word for "
                                                "word, so your page stays as it is.",
                           ai_called=ai_called)
    changes = {
        "bio": bio,
        "albumLines": {**old_lines, **lines},
        "copyHash": current_hash,
        "copyMeta": {"provider": copy.provider, "modelId": copy.model_id,
                     "createdAt": copy.created_at, "usage": copy.usage},
        "copyError": None,
    }
    writes.write(profile, changes, bump=True)
    return CopyOutcome("written", note or "New copy written.", ai_called=ai_called)
