"""The year pages' words, written by the copy job after an import or a refresh, off the request.

For each year whose copy is out of date (a hash of what it is written from,
pages/year_view.copy_digest), the offline writer (anchor/ai/year_copy.py) writes at most two
fact sentences from the year's numbers; they are stored in the profile's `years.copy`
({yyyy: {"text", "hash", "provider"}}: two sentences a year, small beside the summary), and
writing `years` renders the year pages again with the words under the totals.

Where the configured writer is the model and the YEAR's data may go to one (decided by where the
year came from, not by the page's current source: an upload's minutes are the listener's own
data, a year in listens came from ListenBrainz), the model is asked once for that year
(anchor/ai/year_model.py), at most MODEL_YEARS_PER_JOB of the newest changed years a job, each
counted against the owner's daily AI limit, and none once the job has spent one model budget.
Any answer that fails the checks, or no answer, leaves the offline facts. A year the model could
not be asked about (the cap, the time, the daily limit, an unavailable model) is marked `waiting`
and asked at the next job; an answer that was refused is not asked again until the year changes.
"""
import logging
import time

from flask import current_app

from anchor.ai.copy import CopyFailed, ModelUnavailable
from anchor.ai.validate import safety_problems
from anchor.ai.writers import write_year_copy
from anchor.ai.year_copy import YEAR_COPY_MAX, offline_year_copy, year_names
from anchor.ai.year_prompt import year_data_for_prompt
from anchor.logs import log_event
from anchor.metrics import emf
from anchor.models.years import read_year, unit_of
from anchor.pages.year_view import all_years, copy_digest, shown_artists
from anchor.profiles import copywriting, service, writes
from anchor.profiles.editing import EditRefused
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.text import clean_name

log = logging.getLogger("anchor.copy")
MODEL_YEARS_PER_JOB = 3     # the newest changed years a job asks the model about; the rest wait


def stored(profile):
    """{yyyy: {"text", "hash", "provider"}}: the years' copy the profile holds."""
    return dict((profile.years or {}).get("copy") or {})


def origin(data):
    """Where a year's numbers came from: "listenbrainz" (counted in listens) or "upload"."""
    return "listenbrainz" if unit_of(data) == "listens" else "upload"


def model_allowed(data):
    """True when the configured writer is the model and this year's data may go to it."""
    return copywriting.writer_for_source(origin(data)) == "bedrock"


def _ask_model(profile, year, data, artists, albums, names):
    """The model's checked words about `year`, or None (and whether to ask again next job)."""
    if not copywriting.reserve(profile):
        return None, True                    # the daily limit: the next job asks
    config, unit = current_app.config, unit_of(data)
    prompt = year_data_for_prompt(year, data, unit, artists, albums, service.visible(profile)["displayName"])
    try:
        text, usage = write_year_copy(prompt, names, model_id=config["BEDROCK_MODEL_ID"],
                                      budget=config["AI_BUDGET_SECONDS"])
    except ModelUnavailable as exc:          # nothing was judged: it costs nothing and is asked again
        copywriting.release(profile)
        log_event(log, "year copy model unavailable", level=logging.WARNING, handle=profile.handle, year=year,
                  reasons="; ".join(exc.reasons), **emf({"YearCopyGenerations": 1, "YearCopyFailures": 1}))
        return None, True
    except CopyFailed as exc:                # the answer's words stay out of the logs: only how many checks failed
        log_event(log, "year copy rejected", level=logging.WARNING, handle=profile.handle, year=year,
                  reasons=len(exc.reasons), **emf({"YearCopyGenerations": 1, "YearCopyRejects": 1}))
        return None, False
    log_event(log, "year copy generated", handle=profile.handle, year=year, provider="bedrock",
              **emf({"YearCopyGenerations": 1, "CopyModelInput": usage["inputTokens"],
                     "CopyModelOutput": usage["outputTokens"]}))
    return text, False


def write_year(profile, year, data, ask_model=False):
    """One year's copy entry, from the year's numbers and what its page shows (the model's words
    when `ask_model` and it answers well, else the offline facts)."""
    artists = shown_artists(profile, data)
    hidden = set(service.layout(profile)["hidden"])
    albums = [a for a in data.get("albums") or [] if a.get("id") not in hidden]
    names = year_names(service.visible(profile)["displayName"], profile.handle, artists, albums)
    entry = {"hash": copy_digest(profile, year, data)}
    text, waiting = _ask_model(profile, year, data, artists, albums, names) if ask_model else (None, False)
    if text:
        return {**entry, "text": text, "provider": "bedrock"}
    entry.update(text=offline_year_copy(year, data, artists, names), provider="offline")
    return {**entry, "waiting": True} if waiting else entry


def _up_to_date(profile, year, data, kept):
    """Locked words, or words written from what the page shows now and not waiting for the model."""
    if kept.get("locked"):
        return True
    return kept.get("hash") == copy_digest(profile, year, data) and not (kept.get("waiting") and model_allowed(data))


def update(profile):
    """Write the copy of every year whose copy is out of date; the years written."""
    if profile.deletedAt is not None:
        return []
    before, after, data_of, asked = stored(profile), {}, {}, 0
    # One job spends about one model budget: a slow model holds up the refresh or import that ran it.
    stop_asking = time.monotonic() + current_app.config["AI_BUDGET_SECONDS"]
    for entry in all_years(profile):         # newest first: the cap keeps the model for the newest
        year = entry["year"]
        data_of[year] = read_year(profile.handle, year)
        if data_of[year] is None:
            continue
        kept = before.get(year) or {}
        if _up_to_date(profile, year, data_of[year], kept):
            after[year] = kept
            continue
        ask = model_allowed(data_of[year])
        if ask and (asked >= MODEL_YEARS_PER_JOB or time.monotonic() >= stop_asking):
            after[year] = {**write_year(profile, year, data_of[year]), "waiting": True}
            continue
        asked += ask
        after[year] = write_year(profile, year, data_of[year], ask_model=ask)
    if after == before:
        return []
    listed = (profile.years or {}).get("list")

    def decide(fresh):
        # Written from what the page showed when read: if that moved meanwhile, the next job writes.
        if (fresh.years or {}).get("list") != listed or stored(fresh) != before or any(
                copy_digest(fresh, year, data_of[year]) != entry["hash"]
                for year, entry in after.items() if not entry.get("locked")):
            return None
        return {"years": dict(fresh.years, copy=after)}
    try:
        written = writes.update(profile, decide)
    except (ProfileGone, StaleEdit):
        return []
    changed = sorted(year for year in after if after[year] != before.get(year))
    if written is not None:
        log_event(log, "year copy written", handle=profile.handle, years=",".join(changed), asked=asked)
    return changed if written is not None else []


def edit(profile, year, raw, version):
    """Save the owner's words for `year` and lock them against the copy job (empty: unlock, and
    the next copy job writes the year's words again)."""
    text = clean_name(raw, YEAR_COPY_MAX * 4)
    if len(text) > YEAR_COPY_MAX:
        raise EditRefused(f"The words for {year} are {len(text)} characters; the limit is {YEAR_COPY_MAX}.")
    problems = safety_problems(text, f"The words for {year}") if text else []
    if problems:
        raise EditRefused(problems[0] + ".")
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise EditRefused("The form is missing its version. Reload the page and try again.") from None

    def decide(fresh):
        if str(year) not in ((fresh.years or {}).get("list") or {}):
            raise EditRefused("That year is not on your page.")
        words = {name: entry for name, entry in stored(fresh).items() if name != str(year)}
        if text:
            words[str(year)] = {"text": text, "hash": None, "provider": "owner", "locked": True}
        return {"years": dict(fresh.years, copy=words)}
    return writes.update(profile, decide, bump=True, expect_version=expected)


def update_quietly(profile):
    """`update`, with any failure logged: the page is written whatever happens to its words."""
    try:
        return update(profile)
    except Exception:  # a bug here must never fail the refresh or the copy job that called it
        log_event(log, "year copy failed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        return []
