"""The listener's own names in a Spotify data download, to prefill the claim form; nothing else.

Account data holds `Userdata.json` ({"username", "email", "birthdate", "country", …}) and
`Identity.json` ({"displayName", "firstName", "lastName", "imageUrl", …}); older extended-history
entries (`endsong_*.json`) carry "username". Only "username" and "displayName" are read, cleaned
like every other name, and returned; the rest of those files is never looked at twice.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .upload_archive import Budget, UploadRefused, history_kind, iter_items, open_export
from .upload_records import clean_name

MAX_ACCOUNT_FILE = 64 * 1024      # Userdata.json and Identity.json are a few hundred bytes
FIELDS = {"Userdata.json": ("username", "userName"), "Identity.json": ("displayName", "displayName")}


def names_of(path) -> dict:
    """{"userName", "displayName"} found in the upload at `path` (either may be missing); never raises
    for a bad file: the import itself reports what is wrong with it."""
    path = Path(path)
    found = {}
    try:
        if zipfile.is_zipfile(path):
            found.update(_account_files(path))
        if "userName" not in found:
            found.update(_history_username(path))
    except (UploadRefused, OSError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError):
        pass
    return {key: value for key, value in found.items() if value}


def _account_files(path: Path) -> dict:
    found = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            wanted = FIELDS.get(info.filename.rsplit("/", 1)[-1])
            if wanted is None or info.file_size > MAX_ACCOUNT_FILE or history_kind(info.filename):
                continue
            try:
                document = json.loads(archive.read(info)[:MAX_ACCOUNT_FILE])
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(document, dict):
                found[wanted[1]] = clean_name(document.get(wanted[0]))
    return found


def _history_username(path: Path) -> dict:
    """"username" of the first history entry, when the format has one (older extended history)."""
    with open_export(path) as export:
        for history in export.files[:1]:
            items = iter_items(history, Budget(total=history.size))
            try:
                first = next(items, None)
            finally:
                items.close()       # the member is closed now, not whenever the generator is collected
            if isinstance(first, dict):
                return {"userName": clean_name(first.get("username"))}
    return {}
