"""Importing a Spotify data download: one import per account, in the background, progress in DynamoDB.

The upload is streamed into a private directory of its own (`<tmp>/anchor-imports/import-*`),
read in a background thread by the upload adapter (anchor/sources/upload.py) and deleted as soon
as it is read, whatever happens; only the aggregates are stored. The import item
(`IMPORT#<account>`) holds the progress so any instance can show it, and a heartbeat: an import
whose heartbeat stopped (the process was killed) reads as failed and a new upload may start at
once. The thread touches its directory with each heartbeat; a directory untouched for
ORPHAN_AFTER belonged to a killed or retired process, and any process on the machine removes it
when it starts, when it starts an import, and at most every SWEEP_EVERY while it serves requests.
"""
import logging
import os
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app

from anchor import clock
from anchor.logs import log_event
from anchor.models import ImportModel, conditional
from anchor.profiles import (copywriting, held_uploads, index, listening, service, share_cards, writes,
                             year_cards, year_copy, years)
from anchor.profiles.accounts import import_key
from anchor.sources import upload, upload_names
from anchor.text import clean_listening

log = logging.getLogger("anchor.imports")

HEARTBEAT_STALE = timedelta(seconds=60)
ORPHAN_AFTER = 2 * HEARTBEAT_STALE      # twice the import's lease: a slow live import keeps its file
SWEEP_EVERY = timedelta(seconds=60)
UPLOAD_NAME = "upload"
UPLOAD_LIMIT = upload.MAX_TOTAL_BYTES + 10 * 1024 * 1024   # the form around the file adds a little
RUNNING, DONE, FAILED = "running", "done", "failed"


class ImportRefused(Exception):
    """An upload cannot start (one is running already, or there is nothing to read)."""


def replace_warning(profile):
    """What an upload changes on a page showing a live source (asked before it starts), or None."""
    shown = service.source_of(profile)
    if shown == "upload":
        return None
    name = listening.label(shown)
    return (f"Uploading changes your page: your page will show the download's lists instead of {name}'s; "
            f"{name} stays linked and you can switch back under Sources.")


def key(account_id):
    """`IMPORT#<account id>`: the account's one import item."""
    return import_key(account_id)


def current(account_id):
    """The account's latest import with a stale running one reported as failed, or None."""
    try:
        item = ImportModel.get(key(account_id), consistent_read=True)
    except ImportModel.DoesNotExist:
        return None
    if item.status == RUNNING and _stale(item):
        item.status = FAILED
        item.message = ("The import stopped before it finished (the server restarted). Nothing was "
                        "changed; please upload the file again.")
    return item


def _stale(item):
    return item.heartbeatAt is None or item.heartbeatAt < clock.now() - HEARTBEAT_STALE


def start(account_id, handle, stream, filename=""):
    """Save the upload to a directory of its own and import it in a background thread; with no
    `handle` (a passkey account before its claim) the data is held for the claim."""
    sweep_orphans()
    now = clock.now()
    item = ImportModel(key(account_id), status=RUNNING, handle=handle, startedAt=now, heartbeatAt=now,
                       rowsRead=0, bytesRead=0, bytesTotal=0, message="Reading your file…",
                       summary=None)
    free = (ImportModel.pk.does_not_exist() | (ImportModel.status != RUNNING)
            | (ImportModel.heartbeatAt < now - HEARTBEAT_STALE))
    if not conditional(item.save, condition=free):
        raise ImportRefused("An import is already running for your account; wait for it to finish.")
    path, size = _save(stream)
    if path is None:
        _finish(item, FAILED, "The file was empty. Choose the ZIP (or JSON file) Spotify sent you.")
        raise ImportRefused("The file was empty. Choose the ZIP (or JSON file) Spotify sent you.")
    app = current_app._get_current_object()
    # The size is logged from what was written: the thread may have deleted the file already.
    log_event(log, "import started", handle=handle, bytes=size)
    threading.Thread(target=_run, args=(app, item, path), name=f"import-{handle}", daemon=True).start()
    return item


def import_now(account_id, handle, path):
    """Import a file already on disk in this thread (seeding); the import's final status."""
    now = clock.now()
    item = ImportModel(key(account_id), status=RUNNING, handle=handle, startedAt=now, heartbeatAt=now,
                       rowsRead=0, bytesRead=0, bytesTotal=0, message="Reading your file…")
    item.save()
    _import(item, Path(path))
    return ImportModel.get(key(account_id), consistent_read=True).status


def _root():
    root = Path(tempfile.gettempdir()) / "anchor-imports"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def _save(stream):
    """Copy the upload into a new private directory in chunks: (path, bytes), or (None, 0) when empty."""
    path = Path(tempfile.mkdtemp(prefix="import-", dir=_root())) / UPLOAD_NAME
    size = 0
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
            size += len(chunk)
    if size == 0:
        _discard(path)
        return None, 0
    return path, size


def _discard(path):
    """Remove an upload's directory with everything in it."""
    shutil.rmtree(path.parent, ignore_errors=True)


def _last_sign_of_life(directory):
    """The newest modification time of the directory and its files (writes and heartbeats)."""
    try:
        return max(entry.stat().st_mtime for entry in [directory, *directory.iterdir()])
    except FileNotFoundError:          # removed meanwhile by its own thread or another sweep
        return time.time()


def sweep_orphans():
    """Remove the upload directories no live import has touched for ORPHAN_AFTER; how many."""
    root = Path(tempfile.gettempdir()) / "anchor-imports"
    if not root.is_dir():
        return 0
    cutoff = time.time() - ORPHAN_AFTER.total_seconds()
    removed = 0
    for directory in root.glob("import-*"):
        if _last_sign_of_life(directory) < cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    if removed:
        log_event(log, "orphaned uploads removed", count=removed)
    return removed


_last_sweep = {"at": 0.0}


def sweep_now_and_then():
    """Sweep at most every SWEEP_EVERY in this process (called before requests; a listing is cheap)."""
    now = time.monotonic()
    if now - _last_sweep["at"] >= SWEEP_EVERY.total_seconds():
        _last_sweep["at"] = now
        sweep_orphans()


def init_app(app):
    """Remove what killed processes left behind now, then now and then while serving."""
    sweep_orphans()
    _last_sweep["at"] = time.monotonic()
    app.before_request(sweep_now_and_then)


def _run(app, item, path):
    with app.app_context():
        try:
            _import(item, path, own_file=True)
        except Exception:  # a bug must leave the import clearly failed, never stuck "running"
            log_event(log, "import crashed", level=logging.ERROR, exc_info=True, handle=item.handle)
            _finish(item, FAILED, "Something broke while reading your file. Nothing was changed; "
                                  "please try again.")
        finally:
            _discard(path)      # the uploaded file is never kept


def _import(item, path, own_file=False):
    """Read the file and store what it says; `own_file`: the file is this import's own upload,
    kept alive with each heartbeat and removed as soon as it is read."""
    def progress(rows, read, total):
        conditional(item.update, actions=[ImportModel.rowsRead.set(rows), ImportModel.bytesRead.set(read),
                                          ImportModel.bytesTotal.set(total),
                                          ImportModel.heartbeatAt.set(clock.now())],
                    condition=ImportModel.status == RUNNING)
        if own_file:
            os.utime(path.parent)            # still alive: no sweep takes this directory
    try:
        data = upload.import_export(path, progress=progress)
        names = upload_names.names_of(path) if item.handle is None else None
    except upload.UploadRefused as exc:
        _finish(item, FAILED, f"{exc.message} Nothing was changed.")
        return
    finally:
        if own_file:
            _discard(path)
    if item.handle is None:
        _hold(item, data, names)
        return
    profile = service.get(item.handle)
    if profile is None or profile.deletedAt is not None:
        _finish(item, FAILED, "Your profile was deleted while the file was read; nothing was stored.")
        return
    summary = data.pop("summary", {})
    # The years go to items of their own, not the profile item every write reads (profiles/years.py).
    per_year = years.store(profile, data.pop("years", None), data.pop("timezone", None))
    data = clean_listening(data)
    writes.write(profile, {**per_year, **page_fields(profile.links, data, summary), **index.connected_fields(True),
                           **kept_edits(profile, data)}, bump=True)
    write_copy(item.handle)
    _finish(item, DONE, describe(summary), summary)
    log_event(log, "import done", handle=item.handle, plays=summary.get("plays"))


def _hold(item, data, names):
    """No page yet: keep the aggregates and the names for the claim (anchor/profiles/held_uploads)."""
    summary = data.pop("summary", {})
    kept = {name: data.pop(name) for name in ("years", "timezone") if data.get(name)}
    held_uploads.hold(item.pk.removeprefix("IMPORT#"), clean_listening(data), summary, names, kept)
    _finish(item, DONE, describe(summary), summary)
    log_event(log, "import held", plays=summary.get("plays"))


def page_fields(links, data, summary):
    """The profile fields an upload's data sets: the page shows it, with the import's message."""
    return {"listening": data, "uploaded": data, "source": "upload",
            "links": dict(links or {}, upload=clock.iso(clock.now())),
            "lastRefreshAt": clock.now(), "lastRefreshStatus": "imported",
            "lastRefreshMessage": describe(summary), "failureCount": 0}


def write_copy(handle):
    """The page's words and share card for its new data (after an import, or a claim taking one)."""
    try:
        copywriting.generate(service.get(handle))
    except Exception:  # the data is in; the copy can be written from the dashboard
        log_event(log, "copy after import crashed", level=logging.ERROR, exc_info=True, handle=handle)
    share_cards.update_quietly(service.get(handle))
    year_copy.update_quietly(service.get(handle))
    year_cards.update_quietly(service.get(handle))


def _ids(data):
    """Every artist and album id in every range of an upload's data."""
    return {item["id"] for part in ((data or {}).get("ranges") or {}).values()
            for kind in ("artists", "albums") for item in part.get(kind) or [] if item.get("id")}


def kept_edits(profile, data):
    """The owner's edits once `data` replaces the previous upload: hidden ids, featured picks (with
    notes) and album lines (locked or not) of items the new file no longer holds are dropped; edits
    of items still there, and of other sources' items (kept for a switch back), stay."""
    previous = profile.uploaded or (profile.listening if profile.source == "upload" else None)
    gone = _ids(previous) - _ids(data)
    if not gone:
        return {}
    layout = service.normal_layout(profile.layout)
    featured = [f for f in layout["featured"] if f["id"] not in gone]
    locked = dict(profile.locked or {})
    if "lines" in locked:
        locked["lines"] = [i for i in locked["lines"] if i not in gone]
    return {"layout": {"hidden": [i for i in layout["hidden"] if i not in gone], "featured": featured,
                       "pinned": [f["id"] for f in featured]},
            "albumLines": {i: line for i, line in (profile.albumLines or {}).items() if i not in gone},
            "locked": locked}


def describe(summary):
    """One sentence about what the import read."""
    if not summary:
        return "Imported."
    text = (f"Imported {summary.get('plays', 0):,} plays from {summary.get('from')} to {summary.get('to')}"
            f"; your top artist is {summary.get('top_artist') or 'unknown'}.")
    if not summary.get("albums_available", True):
        text += (" This file (Account data) has no album names, so your page shows top artists only; "
                 "ask Spotify for the Extended streaming history to get albums too.")
    return text


def _finish(item, status, message, summary=None):
    actions = [ImportModel.status.set(status), ImportModel.message.set(message),
               ImportModel.heartbeatAt.set(clock.now())]
    if summary is not None:
        actions.append(ImportModel.summary.set(summary))
    conditional(item.update, actions=actions, condition=ImportModel.status == RUNNING)
