"""The owner's dashboard: claim, edit, arrange, write copy, publish (the blueprint and its helpers).

The account and data actions (sources, uploads, refresh, disconnect, delete, export) register on
the same blueprint from anchor/web/dashboard_account.py.
"""
from flask import Blueprint, abort, get_flashed_messages, request, session
from flask_login import current_user, login_required

from anchor.pages.public_view import RANGE_PARAMS
from anchor.profiles import copyjobs, editing, handles, held_uploads, imports, listening, service
from anchor.profiles.accounts import owns
from anchor.profiles.editing import EditRefused
from anchor.profiles.handles import HandleError
from anchor.profiles.lifecycle import LifecycleRefused
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.refresh import first_fetch
from anchor.web import limits, public_page
from anchor.web.dashboard_view import dashboard_view, pick_range, refresh_note
from anchor.web.htmx import after_post, is_htmx, render

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
TEMPLATE = "dashboard/home.html"
BODY = ["flash", "body"]


@bp.before_request
@login_required
def _signed_in():
    """Every dashboard route needs a signed-in account."""


def owner_profile(required=True, allow_deleted=False):
    """The signed-in owner's profile (only ever their own); 404 if they have none to act on."""
    handle = current_user.handle
    profile = service.get(handle) if handle else None
    if profile is not None and not owns(profile, current_user.id):
        profile = None        # a stale account item: the handle belongs to someone else now
    if required and (profile is None or (profile.deletedAt is not None and not allow_deleted)):
        abort(404)
    return profile


def _flashed():
    """Flashed (category, text, place) messages; a plain form's place rides in the category."""
    found = []
    for category, text in get_flashed_messages(with_categories=True):
        kind, _, where = category.partition(" ")
        found.append((kind, text, where or None))
    return found


def page_context(profile=None, message=None, error=None, place=None, **extra):
    """The dashboard template's context: the profile, the messages to show and the view of it."""
    profile = profile if profile is not None else owner_profile(required=False)
    messages = _flashed()
    if message:
        messages.append(("ok", message, place))
    if error:
        messages.append(("error", error, place))
    context = {"profile": profile, "messages": messages,
               "display_name": session.get("display_name"), "upload": imports.current(current_user.id),
               "upload_max_mb": imports.UPLOAD_LIMIT // (1024 * 1024),
               "gone_within": public_page.gone_within(), **extra}
    if profile is None:
        context.update(_before_claim(extra))
    if profile is not None:
        # The range the item lists show rides on the link (GET) or the item form (POST).
        context.update(dashboard_view(profile, pick_range(profile, request.values.get("range"))))
        context["copy_job"] = copyjobs.current(profile)
        context["upload_replace"] = imports.replace_warning(profile)
        context["refresh_note"] = refresh_note(profile, context["copy_job"])
        if extra.get("album_id"):
            context["album"] = next((a for a in context["albums"] if a["id"] == extra["album_id"]), None)
    return context


def _before_claim(extra):
    """The claim form's prefill: the source's names, or a passkey account's upload read before it."""
    found = {}
    if held_uploads.may_hold(current_user.id):
        held = held_uploads.get(current_user.id)
        found = {"start_upload": True, "held": held}
        if held is not None:
            found["typed_handle"], found["claim_name"] = held_uploads.prefill(current_user.id, held)
    if "typed_handle" not in found:
        found["typed_handle"] = handles.suggest(current_user.id, session.get("display_name"))
    return {name: value for name, value in found.items() if name not in extra}


def _claim_name():
    """The display name the claim uses: a passkey account's own (typed on the form), else the source's."""
    if held_uploads.may_hold(current_user.id) and "display_name" in request.form:
        return request.form["display_name"]
    return session.get("display_name")


@bp.get("")
def home():
    return render(TEMPLATE, BODY, **page_context())


@bp.get("/handle-check")
@limits.guard("handle-check")
def handle_check():
    """Live availability while typing (debounced on the client)."""
    available, text = handles.is_available(request.args.get("handle", ""))
    return render(TEMPLATE, ["handle_status"], **page_context(handle_available=available, handle_message=text,
                                                          typed_handle=request.args.get("handle", "")))


@bp.post("/claim")
@limits.guard("claim")
def claim():
    if owner_profile(required=False) is not None:
        return after_post(TEMPLATE, BODY, page_context, error="You already have a handle.")
    try:
        profile = first_fetch.claim_and_fetch(current_user.id, request.form.get("handle", ""),
                                              display_name=_claim_name())
    except HandleError as exc:
        typed = {"typed_handle": request.form.get("handle", "")}
        if "display_name" in request.form:         # a passkey account's name, as typed
            typed["claim_name"] = request.form["display_name"]
        return after_post(TEMPLATE, BODY, lambda **kw: page_context(**kw, **typed), error=exc.message)
    current_user.handle = profile.handle
    name = listening.label(service.source_of(profile))
    if profile.lastRefreshStatus == "failed":
        return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw),
                          error=f"You are anchor.band/{profile.handle}, but {name} did not answer "
                                f"yet ({profile.lastRefreshMessage}). Try “Refresh from {name} now”.")
    if service.available_ranges(profile):
        landed = f"Your {name} data is in."
    elif listening.nothing_to_fetch(service.source_of(profile)):
        landed = "Upload your Spotify data download below to fill it."     # a passkey account's page
    else:
        landed = f"{name} has nothing to show for you yet."
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw),
                      message=f"You are anchor.band/{profile.handle}. {landed}")


def _edit(action, block, *args, album_id=None, place=None):
    """Run a text edit; HTMX gets the edited form back, fresh versions and the message."""
    profile = owner_profile()
    blocks = [block, "versions", "flash"]
    message = error = None
    before = public_page.shown(profile)
    try:
        action(profile, *args)
        public_page.changed(profile.handle, before)
        message = "Saved."
    except StaleEdit as exc:
        error = exc.message
        profile = service.get(profile.handle)
    except (EditRefused, ProfileGone) as exc:
        error = str(exc)
    return after_post(TEMPLATE, blocks, lambda **kw: page_context(profile, album_id=album_id, **kw),
                      message=message, error=error, place=place or block, values=_range_values())


@bp.post("/name")
def edit_name():
    return _edit(editing.edit_display_name, "identity", request.form.get("display_name"),
                 request.form.get("version"))


@bp.post("/bio")
def edit_bio():
    return _edit(editing.edit_bio, "bio", request.form.get("bio"), request.form.get("version"))


@bp.post("/albums/<album_id>/line")
def edit_line(album_id):
    profile = owner_profile()
    album = next((a for a in editing.albums_of(profile) if a["id"] == album_id), None)
    if album is None:
        abort(404)
    return _edit(editing.edit_line, "line_form", album_id, request.form.get("line"),
                 request.form.get("version"), album_id=album_id, place=f"line-{album_id}")


def body_action(action, message, *args, allow_deleted=False, place="status", blocks=BODY, values=None):
    """Run an owner action; HTMX gets `blocks` back with the message shown at `place`."""
    profile = owner_profile(allow_deleted=allow_deleted)
    before = public_page.shown(profile)
    try:
        result = action(profile, *args)
    except (EditRefused, LifecycleRefused, ProfileGone, StaleEdit) as exc:
        return after_post(TEMPLATE, blocks, lambda **kw: page_context(profile, **kw), error=str(exc), place=place,
                          values=values)
    public_page.changed(profile.handle, before)
    text = message(result) if callable(message) else message
    return after_post(TEMPLATE, blocks, lambda **kw: page_context(profile, **kw), message=text, place=place,
                      values=values)


ITEM_BLOCKS = ["items", "versions", "flash"]


def _range_values():
    """The query a plain form's redirect carries: the range its lists were shown in."""
    shown = request.form.get("range")
    return {"range": shown} if shown in RANGE_PARAMS else None


def _item_action(action, message, item_id, *args):
    """An action on one artist or album: the lists are swapped, the message shown on the item's
    row (or on the Featured block, for a control there: the row may be in another range); a plain
    form goes back to the range it was posted from."""
    values = _range_values()
    place = "featured" if request.form.get("at") == "featured" else f"item-{item_id}"
    return body_action(action, message, item_id, *args, place=place, blocks=ITEM_BLOCKS, values=values)


@bp.post("/items/<item_id>/hide")
def toggle_hidden(item_id):
    def act(profile, item):
        updated = editing.toggle_hidden(profile, item)
        # The page dropped what names a hidden item at once; the copy is rewritten behind it.
        if updated is not None and editing.copy_names_hidden(updated):
            return copyjobs.start(updated, "hidden", fallback_offline=True)
        return None

    def message(started):
        if started is not None and started.started:
            return ("Updated what your page shows. Sentences naming what you hid are off your page, "
                    "and the copy is being rewritten without it.")
        return "Updated what your page shows."
    return _item_action(act, message, item_id)


@bp.post("/items/<item_id>/feature")
def toggle_featured(item_id):
    """Feature an artist or album above the ranked lists, or take it out of the Featured block."""
    return _item_action(editing.toggle_featured, "Updated what your page features.", item_id)


@bp.post("/items/<item_id>/note")
def edit_note(item_id):
    """The owner's note on a featured item, shown with it on the page."""
    return _item_action(editing.edit_note, "Saved your note.", item_id, request.form.get("note"))


@bp.post("/copy")
@limits.guard("copy")
def generate_copy():
    """Start writing copy in the background; the dashboard shows its progress, then the result."""
    profile = owner_profile()
    before = public_page.shown(profile)
    started = copyjobs.start(profile, "owner")
    public_page.changed(profile.handle, before)
    job = started.job
    failed = not started.started or (job.status == copyjobs.DONE and job.outcome not in ("written", "unchanged"))
    done = started.started and job.status == copyjobs.DONE      # ran inline
    text = job.message if done else started.message
    response = after_post(TEMPLATE, BODY if done else ["copy_status", "flash"],
                          lambda **kw: page_context(service.get(profile.handle), **kw),
                          message=None if failed else text, error=text if failed else None,
                          place="copy")
    if done and is_htmx():     # new words and versions everywhere: swap the whole body
        response.headers["HX-Retarget"] = "#dashboard-body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.get("/copy-status")
def copy_status():
    """Polled while copy is being written; when it is done the page reloads to show it."""
    profile = owner_profile()
    response = render(TEMPLATE, ["copy_status"], **page_context(profile))
    if not copyjobs.is_running(profile):
        public_page.forget(profile.handle)
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/publish")
def publish():
    return body_action(editing.publish, "Published. Your page is live.")


@bp.post("/unpublish")
def unpublish():
    def act(profile):
        result = editing.unpublish(profile)
        public_page.take_down(profile.handle)
        return result
    return body_action(act, lambda _: f"Unpublished. Visitors stop seeing your page within "
                                       f"{public_page.gone_within()}.")


@bp.post("/auto-refresh")
def auto_refresh():
    enabled = request.form.get("enabled") == "on"
    return body_action(editing.set_auto_refresh,
                        "Weekly refresh is on." if enabled else "Weekly refresh is off.", enabled)
