"""Switching the source a page shows: off the request path, and never a fetch a refresh could not make.

A switch takes the page's refresh lock, so it never runs beside a refresh: while one runs the
switch is refused and nothing is written. Data the chosen source sent within the manual cooldown
(kept when the page switched away from it), or the uploaded file's totals, is shown at once with
no fetch. Otherwise the switch needs a fetch, and that fetch is the page's manual one: refused
while the cooldown of the last one runs, and once it succeeds it starts the cooldown, as the
Refresh button's does. The fetch runs in a thread that holds the lock before the answer, so the
dashboard shows "Refreshing from …" at once; the copy follows as a copy job.
"""
from dataclasses import dataclass

from flask import current_app

from anchor import clock
from anchor.profiles import connection, copyjobs, listening, service
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.refresh import manual
from anchor.refresh.outcomes import Outcome, RefreshResult, hhmm
from anchor.rules import MANUAL_COOLDOWN

SHOWN_STORED = "shown-stored"        # the first step's own answer: switched to stored data


@dataclass
class Switched:
    """What a switch came to: `ok` (the page shows the source, or will once its fetch lands)."""

    ok: bool
    message: str


def switch_source(profile, source, *, background=False):
    """Show another linked source on the page; fetch it (in a thread) only when a refresh could.

    `background` runs the fetch in a thread even where the app runs copy jobs inline (HTMX).
    Raises connection.LinkRefused when the source is not linked.
    """
    connection.check_linked(profile, source)
    name, shown = listening.label(source), listening.label(service.source_of(profile))
    if source == service.source_of(profile):
        return Switched(True, f"Your page already shows {name}.")
    switched = {}

    def switch_locked(locked):
        """Under the lock, on fresh state: switch, and say whether a fetch must follow."""
        locked.refresh(consistent_read=True)
        if locked.deletedAt is not None:
            return RefreshResult(Outcome.FAILED, "This profile is deleted; restore it before switching.")
        data = connection.stored_data(locked, source)
        if data is None:
            refused = _cooling(locked, name, shown)
            if refused is not None:
                return refused
        try:
            connection.show_source(locked, source, data)
        except (connection.LinkRefused, StaleEdit, ProfileGone) as exc:
            return RefreshResult(Outcome.FAILED, str(exc))
        switched["stored"] = data is not None
        return RefreshResult(Outcome.UNCHANGED, SHOWN_STORED) if data is not None else None

    background = background or current_app.config["COPY_IN_BACKGROUND"]
    result = manual.start_refresh(profile, "switch", background=background, first=switch_locked)
    if result.outcome == Outcome.SKIPPED_LOCKED and not switched:
        return Switched(False, f"Your page is refreshing from {shown} right now; switch to {name} "
                               "when it is done.")
    if not switched:
        return Switched(False, result.message)
    if switched["stored"]:
        return Switched(True, _shown_stored(profile.handle, source, name))
    if result.outcome == Outcome.RUNNING:
        return Switched(True, f"Your page now shows {name}. Fetching your {name} data: this page "
                              "shows it when it is in (without JavaScript, reload in a moment).")
    return Switched(True, f"Your page now shows {name}. {result.message}")


def _cooling(profile, name, shown):
    """A refusal while the page's manual cooldown runs (the switch would need a fetch), else None."""
    last = profile.lastManualRefreshAt
    if last is None or clock.now() >= last + MANUAL_COOLDOWN:
        return None
    return RefreshResult(Outcome.COOLDOWN, f"Showing {name} needs a fetch from {name}, and your page was "
                                           f"refreshed at {hhmm(last)}: you can switch to it from "
                                           f"{hhmm(last + MANUAL_COOLDOWN)}. Your page still shows {shown}.")


def _shown_stored(handle, source, name):
    """After a switch to stored data: no fetch; the copy follows as a job when it no longer fits."""
    message = (f"Your page now shows {name}." if source == "upload" else
               f"Your page now shows {name}, with the data {name} sent within the hour: nothing "
               "was fetched again.")
    profile = service.get(handle)
    if profile is None or service.current_hash(profile) == profile.copyHash:
        return message
    started = copyjobs.start(profile, "switch")
    if started.outcome is not None:                  # ran inline (tests, or background off)
        return message if started.outcome.status in ("written", "unchanged") else f"{message} {started.message}"
    return f"{message} {copyjobs.WRITING}" if started.started else message
