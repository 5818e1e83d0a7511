"""The owner's dashboard: claim, edit, arrange, write copy, publish, refresh, delete."""
import json

from flask import Blueprint, Response, abort, get_flashed_messages, redirect, request, session, url_for
from flask_login import current_user, login_required, logout_user

from anchor.extensions import csrf
from anchor.profiles import (connection, copyjobs, editing, handles, imports, lifecycle, listening, service,
                             sessions)
from anchor.rules import RESTORE_PERIOD
from anchor.profiles.accounts import owns
from anchor.profiles.editing import EditRefused
from anchor.profiles.handles import HandleError
from anchor.profiles.lifecycle import LifecycleRefused
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.refresh import lock, manual
from anchor.web import limits, public_page
from anchor.web.dashboard_view import SIGN_IN, dashboard_view
from anchor.web.htmx import after_post, is_htmx, render

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
TEMPLATE = "dashboard/home.html"
BODY = ["flash", "body"]


@bp.before_request
@login_required
def _signed_in():
    """Every dashboard route needs a signed-in account."""


def _profile(required=True, allow_deleted=False):
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


def _context(profile=None, message=None, error=None, place=None, **extra):
    profile = profile if profile is not None else _profile(required=False)
    messages = _flashed()
    if message:
        messages.append(("ok", message, place))
    if error:
        messages.append(("error", error, place))
    context = {"profile": profile, "messages": messages,
               "display_name": session.get("display_name"), "upload": imports.current(current_user.id),
               "upload_max_mb": imports.UPLOAD_LIMIT // (1024 * 1024),
               "gone_within": public_page.gone_within(), **extra}
    if profile is not None:
        context.update(dashboard_view(profile))
        context["copy_job"] = copyjobs.current(profile)
        if extra.get("album_id"):
            context["album"] = next((a for a in context["albums"] if a["id"] == extra["album_id"]), None)
    return context


@bp.get("")
def home():
    return render(TEMPLATE, BODY, **_context())


@bp.get("/handle-check")
@limits.guard("handle-check")
def handle_check():
    """Live availability while typing (debounced on the client)."""
    available, text = handles.is_available(request.args.get("handle", ""))
    return render(TEMPLATE, ["handle_status"], **_context(handle_available=available,
                                                          handle_message=text))


@bp.post("/claim")
@limits.guard("claim")
def claim():
    if _profile(required=False) is not None:
        return after_post(TEMPLATE, BODY, _context, error="You already have a handle.")
    try:
        profile = connection.claim(current_user.id, request.form.get("handle", ""),
                                   display_name=session.get("display_name"))
    except HandleError as exc:
        return after_post(TEMPLATE, BODY, lambda **kw: _context(
            **kw, typed_handle=request.form.get("handle", "")), error=exc.message)
    current_user.handle = profile.handle
    name = listening.label(service.source_of(profile))
    if profile.lastRefreshStatus == "failed":
        return after_post(TEMPLATE, BODY, lambda **kw: _context(profile, **kw),
                          error=f"You are anchor.band/{profile.handle}, but {name} did not answer "
                                f"yet ({profile.lastRefreshMessage}). Try “Refresh from {name} now”.")
    return after_post(TEMPLATE, BODY, lambda **kw: _context(profile, **kw),
                      message=f"You are anchor.band/{profile.handle}. Your {name} data is in.")


def _edit(action, block, *args, album_id=None, place=None):
    """Run a text edit; HTMX gets the edited form back, fresh versions and the message."""
    profile = _profile()
    blocks = [block, "versions", "flash"]
    message = error = None
    try:
        action(profile, *args)
        public_page.forget(profile.handle)
        message = "Saved."
    except StaleEdit as exc:
        error = exc.message
        profile = service.get(profile.handle)
    except (EditRefused, ProfileGone) as exc:
        error = str(exc)
    return after_post(TEMPLATE, blocks, lambda **kw: _context(profile, album_id=album_id, **kw),
                      message=message, error=error, place=place or block)


@bp.post("/name")
def edit_name():
    return _edit(editing.edit_display_name, "identity", request.form.get("display_name"),
                 request.form.get("version"))


@bp.post("/bio")
def edit_bio():
    return _edit(editing.edit_bio, "bio", request.form.get("bio"), request.form.get("version"))


@bp.post("/albums/<album_id>/line")
def edit_line(album_id):
    profile = _profile()
    album = next((a for a in service.items(profile)["albums"] if a["id"] == album_id), None)
    if album is None:
        abort(404)
    return _edit(editing.edit_line, "line_form", album_id, request.form.get("line"),
                 request.form.get("version"), album_id=album_id, place=f"line-{album_id}")


def _body_action(action, message, *args, allow_deleted=False, place="status", blocks=BODY):
    """Run an owner action; HTMX gets `blocks` back with the message shown at `place`."""
    profile = _profile(allow_deleted=allow_deleted)
    try:
        result = action(profile, *args)
    except (EditRefused, LifecycleRefused, ProfileGone, StaleEdit) as exc:
        return after_post(TEMPLATE, blocks, lambda **kw: _context(profile, **kw), error=str(exc), place=place)
    public_page.forget(profile.handle)
    text = message(result) if callable(message) else message
    return after_post(TEMPLATE, blocks, lambda **kw: _context(profile, **kw), message=text, place=place)


ITEM_BLOCKS = ["items", "versions", "flash"]


def _item_action(action, message, item_id, *args):
    """An action on one artist or album: the list is swapped, the message shown on the item."""
    return _body_action(action, message, item_id, *args, place=f"item-{item_id}", blocks=ITEM_BLOCKS)


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


@bp.post("/items/<item_id>/pin")
def toggle_pinned(item_id):
    return _item_action(editing.toggle_pinned, "Updated what your page shows first.", item_id)


@bp.post("/items/<item_id>/move")
def move_item(item_id):
    """Move an artist or album one place up or down in the page's order."""
    direction = request.form.get("direction", "")

    def said(profile):
        listed = service.order(service.items(profile), profile.layout)
        place = next((n for part in listed.values() for n, i in enumerate(part, 1) if i["id"] == item_id), None)
        return f"Moved {direction} to place {place}." if place else f"Moved {direction}."
    return _item_action(editing.move, said, item_id, direction)


@bp.post("/copy")
@limits.guard("copy")
def generate_copy():
    """Start writing copy in the background; the dashboard shows its progress, then the result."""
    profile = _profile()
    started = copyjobs.start(profile, "owner")
    public_page.forget(profile.handle)
    job = started.job
    failed = not started.started or (job.status == copyjobs.DONE and job.outcome not in ("written", "unchanged"))
    done = started.started and job.status == copyjobs.DONE      # ran inline
    text = job.message if done else started.message
    response = after_post(TEMPLATE, BODY if done else ["copy_status", "flash"],
                          lambda **kw: _context(service.get(profile.handle), **kw),
                          message=None if failed else text, error=text if failed else None,
                          place="copy")
    if done and is_htmx():     # new words and versions everywhere: swap the whole body
        response.headers["HX-Retarget"] = "#dashboard-body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.get("/copy-status")
def copy_status():
    """Polled while copy is being written; when it is done the page reloads to show it."""
    profile = _profile()
    response = render(TEMPLATE, ["copy_status"], **_context(profile))
    if not copyjobs.is_running(profile):
        public_page.forget(profile.handle)
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/publish")
def publish():
    return _body_action(editing.publish, "Published. Your page is live.")


@bp.post("/unpublish")
def unpublish():
    def act(profile):
        result = editing.unpublish(profile)
        public_page.take_down(profile.handle)
        return result
    return _body_action(act, lambda _: f"Unpublished. Visitors stop seeing your page within "
                                       f"{public_page.gone_within()}.")


@bp.post("/auto-refresh")
def auto_refresh():
    enabled = request.form.get("enabled") == "on"
    return _body_action(editing.set_auto_refresh,
                        "Weekly refresh is on." if enabled else "Weekly refresh is off.", enabled)


@bp.post("/link/<source>")
def link_source(source):
    """Start a sign-in with another source; its callback links it to this page."""
    if source not in SIGN_IN:
        abort(404)
    _profile()
    session["linking"] = source
    return redirect(url_for(SIGN_IN[source]), code=303)


@bp.post("/source")
def show_source():
    """Show another linked source on the page, then refresh from it."""
    profile = _profile()
    source = request.form.get("source", "")
    if source not in SIGN_IN and source != "upload":
        return after_post(TEMPLATE, BODY, lambda **kw: _context(profile, **kw),
                          error="That is not a source Anchor.band knows.", place="sources")
    try:
        connection.show_source(profile, source)
    except (connection.LinkRefused, StaleEdit, ProfileGone) as exc:
        return after_post(TEMPLATE, BODY, lambda **kw: _context(profile, **kw), error=str(exc),
                          place="sources")
    result = manual.start_refresh(service.get(profile.handle), "switch", background=is_htmx())
    public_page.forget(profile.handle)
    return after_post(TEMPLATE, BODY, lambda **kw: _context(service.get(profile.handle), **kw),
                      message=f"Your page now shows {listening.label(source)}. {result.message}",
                      place="sources")


@bp.post("/upload")
@limits.guard("upload")
@csrf.exempt
def upload_file():
    """Receive a Spotify data download and import it in the background."""
    # The one route that takes large bodies: the limit is raised here, then CSRF is checked.
    request.max_content_length = imports.UPLOAD_LIMIT
    csrf.protect()
    profile = _profile()
    sent = request.files.get("file")
    error = None
    if sent is None or not sent.filename:
        error = "Choose the ZIP (or JSON file) Spotify sent you, then upload it."
    else:
        try:
            imports.start(current_user.id, profile.handle, sent.stream, sent.filename)
        except imports.ImportRefused as exc:
            error = str(exc)
    message = None if error else "Uploaded. Reading your streaming history…"
    return after_post(TEMPLATE, ["import_status", "flash"], lambda **kw: _context(profile, **kw),
                      message=message, error=error, place="upload-card")


@bp.get("/import-status")
def import_status():
    """Polled while an import runs; when it ends the page reloads to show the new data."""
    profile = _profile()
    response = render(TEMPLATE, ["import_status"], **_context(profile))
    found = imports.current(current_user.id)
    if found is not None and found.status != imports.RUNNING:
        response.headers["HX-Refresh"] = "true"
    return response


def _end_other_sessions(profile):
    """Every other browser signed in to this page's accounts is signed out; this one stays."""
    accounts = [listening.account_id(profile, source) for source in lifecycle.linked_sources(profile)]
    sessions.revoke(*accounts, current_user.id, keep=current_user.id)


@bp.post("/disconnect")
def disconnect():
    def act(profile):
        result = connection.disconnect(profile)
        _end_other_sessions(profile)
        return result
    return _body_action(act, "Disconnected. Your page stays as it is; sign in again to reconnect. "
                             "Other browsers signed in to your page are signed out.", place="data")


@bp.post("/delete")
def delete():
    def act(profile, typed):
        result = lifecycle.soft_delete(profile, typed)
        public_page.take_down(profile.handle)
        _end_other_sessions(profile)
        return result
    return _body_action(act, f"Your profile is deleted. You can restore it for {RESTORE_PERIOD.days} days. "
                             "Other browsers signed in to your page are signed out.",
                        request.form.get("confirm_handle"), place="data")


@bp.post("/sign-out-everywhere")
def sign_out_everywhere():
    """End every session of this page's accounts, this one included."""
    profile = _profile(required=False)
    accounts = [current_user.id]
    if profile is not None:
        accounts += [listening.account_id(profile, s) for s in lifecycle.linked_sources(profile)]
    sessions.revoke(*accounts)
    logout_user()
    session.clear()
    return redirect(url_for("site.landing"), code=303)


@bp.post("/restore")
def restore():
    return _body_action(lifecycle.restore, "Restored. Publish again when you are ready.",
                        allow_deleted=True)


@bp.get("/export")
def export():
    """Everything stored about the account as a JSON download (no token material)."""
    data = lifecycle.export(current_user.id, _profile(required=False))
    response = Response(json.dumps(data, indent=2, ensure_ascii=False, default=str),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="anchor-band-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/preview")
def preview():
    """The public page as visitors will see it, published or not."""
    return public_page.render_public(_profile(), preview=True)


@bp.post("/refresh")
@limits.guard("refresh")
def refresh_now():
    profile = _profile()
    result = manual.start_manual_refresh(profile, background=is_htmx())
    public_page.forget(profile.handle)
    ok = result.outcome in ("running", "refreshed", "unchanged")
    return after_post(TEMPLATE, BODY, lambda **kw: _context(service.get(profile.handle), **kw),
                      message=result.message if ok else None, error=None if ok else result.message,
                      place="status")


@bp.get("/refresh-status")
def refresh_status():
    """Polled while a refresh runs; when it lands the page reloads to show the new data."""
    profile = _profile()
    if lock.is_refreshing(profile):
        return render(TEMPLATE, ["refresh_poll"], **_context(profile))
    response = render(TEMPLATE, ["refresh_poll"], **_context(profile))
    response.headers["HX-Refresh"] = "true"
    return response
