"""The dashboard's account and data actions: sources, uploads, refresh, disconnect, delete, export.

They register on the one `dashboard` blueprint (anchor/web/dashboard.py), with its endpoint names.
"""
import json

from flask import Response, abort, redirect, request, session, url_for
from flask_login import current_user, logout_user

from anchor.extensions import csrf
from anchor.profiles import connection, held_uploads, imports, lifecycle, listening, service, sessions
from anchor.refresh import lock, manual, switch
from anchor.rules import RESTORE_PERIOD
from anchor.web import limits, public_page
from anchor.web.dashboard import BODY, TEMPLATE, body_action, bp, owner_profile, page_context
from anchor.web.dashboard_view import SIGN_IN
from anchor.web.htmx import after_post, is_htmx, render


@bp.post("/link/<source>")
def link_source(source):
    """Start a sign-in with another source; its callback links it to this page."""
    if source not in SIGN_IN:
        abort(404)
    owner_profile()
    session["linking"] = source
    return redirect(url_for(SIGN_IN[source]), code=303)


@bp.post("/source")
@limits.guard("switch")
def show_source():
    """Show another linked source on the page; its fetch, when one is needed, runs off the request."""
    profile = owner_profile()
    source = request.form.get("source", "")
    if source not in SIGN_IN and source != "upload":
        return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw),
                          error="That is not a source Anchor.band knows.", place="sources")
    before = public_page.shown(profile)
    try:
        result = switch.switch_source(profile, source, background=is_htmx())
    except connection.LinkRefused as exc:
        result = switch.Switched(False, str(exc))
    public_page.changed(profile.handle, before)
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(service.get(profile.handle), **kw),
                      message=result.message if result.ok else None,
                      error=None if result.ok else result.message, place="sources")


def _upload_profile():
    """The owner's page, or None for a passkey account with none yet: its upload waits for the claim."""
    if held_uploads.may_hold(current_user.id) and owner_profile(required=False) is None:
        return None
    return owner_profile()


@bp.post("/upload")
@limits.guard("upload")
@csrf.exempt
def upload_file():
    """Receive a Spotify data download and import it in the background."""
    # The one route that takes large bodies: the limit is raised here, then CSRF is checked.
    request.max_content_length = imports.UPLOAD_LIMIT
    csrf.protect()
    profile = _upload_profile()
    sent = request.files.get("file")
    error = None
    warning = imports.replace_warning(profile) if profile is not None else None
    if sent is None or not sent.filename:
        error = "Choose the ZIP (or JSON file) Spotify sent you, then upload it."
    elif warning and request.form.get("replace_source") != "yes":
        error = f"{warning} Tick the box to confirm, then upload again."
    else:
        try:
            imports.start(current_user.id, profile.handle if profile else None, sent.stream, sent.filename)
        except imports.ImportRefused as exc:
            error = str(exc)
    message = None if error else "Uploaded. Reading your streaming history…"
    return after_post(TEMPLATE, ["import_status", "flash"], lambda **kw: page_context(profile, **kw),
                      message=message, error=error, place="upload-card")


@bp.post("/upload/discard")
def discard_upload():
    """A passkey account throws away the upload it has not claimed a page with."""
    if not held_uploads.may_hold(current_user.id) or owner_profile(required=False) is not None:
        abort(404)
    found = held_uploads.discard(current_user.id)
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(None, **kw),
                      message=held_uploads.DISCARDED if found else None,
                      error=None if found else "There is no upload to throw away.", place="upload-card")


@bp.get("/import-status")
def import_status():
    """Polled while an import runs; when it ends the page reloads to show the new data."""
    profile = _upload_profile()
    response = render(TEMPLATE, ["import_status"], **page_context(profile))
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
    return body_action(act, "Disconnected. Your page stays as it is; sign in again to reconnect. "
                             "Other browsers signed in to your page are signed out.", place="data")


@bp.post("/delete")
def delete():
    def act(profile, typed):
        result = lifecycle.soft_delete(profile, typed)
        public_page.take_down(profile.handle)
        _end_other_sessions(profile)
        return result
    return body_action(act, f"Your profile is deleted. You can restore it for {RESTORE_PERIOD.days} days. "
                             "Other browsers signed in to your page are signed out.",
                        request.form.get("confirm_handle"), place="data")


@bp.post("/sign-out-everywhere")
def sign_out_everywhere():
    """End every session of this page's accounts, this one included."""
    profile = owner_profile(required=False)
    accounts = [current_user.id]
    if profile is not None:
        accounts += [listening.account_id(profile, s) for s in lifecycle.linked_sources(profile)]
    sessions.revoke(*accounts)
    logout_user()
    session.clear()
    return redirect(url_for("site.landing"), code=303)


@bp.post("/restore")
def restore():
    return body_action(lifecycle.restore, "Restored. Publish again when you are ready.",
                        allow_deleted=True)


@bp.get("/export")
def export():
    """Everything stored about the account as a JSON download (no token material)."""
    data = lifecycle.export(current_user.id, owner_profile(required=False))
    response = Response(json.dumps(data, indent=2, ensure_ascii=False, default=str),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="anchor-band-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/preview")
def preview():
    """The public page as visitors will see it, published or not."""
    return public_page.render_public(owner_profile(), preview=True)


@bp.post("/refresh")
@limits.guard("refresh")
def refresh_now():
    profile = owner_profile()
    before = public_page.shown(profile)
    result = manual.start_manual_refresh(profile, background=is_htmx())
    public_page.changed(profile.handle, before)
    ok = result.outcome in ("running", "refreshed", "unchanged")
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(service.get(profile.handle), **kw),
                      message=result.message if ok else None, error=None if ok else result.message,
                      place="status")


@bp.get("/refresh-status")
def refresh_status():
    """Polled while a refresh runs; when it lands the page reloads to show the new data."""
    profile = owner_profile()
    if lock.is_refreshing(profile):
        return render(TEMPLATE, ["refresh_poll"], **page_context(profile))
    response = render(TEMPLATE, ["refresh_poll"], **page_context(profile))
    response.headers["HX-Refresh"] = "true"
    return response
