"""Opening a Spotify data download safely: the ZIP (or bare JSON) checks and the streaming reader.

Nothing is ever extracted to disk and no member is ever read whole: each history file is read
straight from the archive (`zipfile.open`) through `CountedStream`, which counts the bytes
actually read (headers can lie) against `MAX_TOTAL_BYTES`, and handed to ijson, which yields one
play at a time. Every refusal is an `UploadRefused` whose message can be shown to the uploader.
"""
from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import ijson

from .base import SourceError

MAX_TOTAL_BYTES = 300 * 1024 * 1024   # uncompressed history (declared and actually read)
MAX_RATIO = 200                        # uncompressed : compressed, per member...
RATIO_FLOOR = 1024 * 1024              # ...for members bigger than this (tiny files may compress well)
MAX_MEMBERS = 2000
MAX_MEMBER_NAME = 1024
CHUNK = 64 * 1024

try:
    BACKEND = ijson.get_backend("yajl2_c")
except (ImportError, ValueError):  # pragma: no cover - depends on the wheel
    BACKEND = ijson
BACKEND_NAME = getattr(BACKEND, "backend", "python")

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
BOM = b"\xef\xbb\xbf"
WHITESPACE = b" \t\r\n"
EXTENDED_NAME = re.compile(r"^(?:Streaming_History_Audio_.*|endsong_\d+)\.json$", re.IGNORECASE)
ACCOUNT_NAME = re.compile(r"^StreamingHistory(?:_music_)?\d+\.json$", re.IGNORECASE)
DRIVE = re.compile(r"^[A-Za-z]:")

WRONG_KIND = ("This looks like another kind of Spotify download: it holds no listening history. "
              "Ask Spotify for 'Extended streaming history' or 'Account data' and upload that ZIP.")


class UploadRefused(SourceError):
    """The upload cannot be imported; `message` tells the uploader why, `code` names the reason.

    Codes: empty, not_export, damaged, encrypted, too_big, ratio, path, members, no_history,
    not_json, shape, no_plays, too_many_names.
    """

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass
class Budget:
    """Bytes read so far (decompressed), refused beyond `limit`; `total` is what we expect to read."""
    total: int
    limit: int = field(default_factory=lambda: MAX_TOTAL_BYTES)
    read: int = 0

    def add(self, n: int) -> None:
        self.read += n
        if self.read > self.limit:
            raise too_big()


def too_big() -> UploadRefused:
    return UploadRefused(f"This upload is too big: we import at most {MAX_TOTAL_BYTES // (1024 * 1024)} MB "
                         "of listening history.", "too_big")


class CountedStream:
    """A read-only byte stream that counts into a Budget; `read(n)` returns at most CHUNK bytes
    when n is negative or larger (ijson always asks for a size, so nothing is read whole)."""

    def __init__(self, raw: BinaryIO, budget: Budget, prefix: bytes = b""):
        self._raw, self._budget, self._prefix = raw, budget, prefix

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > CHUNK:
            n = CHUNK
        if self._prefix:
            data, self._prefix = self._prefix[:n], self._prefix[n:]
            return data
        data = self._raw.read(n)
        self._budget.add(len(data))
        return data


@dataclass
class HistoryFile:
    """One history file: its name as shown to the uploader, the kind its name promises
    ("extended", "account" or None for a bare JSON file), its declared size and an opener."""
    name: str
    kind: str | None
    size: int
    open: Callable[[], BinaryIO] = field(repr=False)


@dataclass
class Export:
    files: list[HistoryFile]
    is_zip: bool

    @property
    def kind(self) -> str | None:
        return self.files[0].kind if self.files else None

    @property
    def declared_bytes(self) -> int:
        return sum(f.size for f in self.files)


@contextmanager
def open_export(path) -> Iterator[Export]:
    """Check the upload at `path` (ZIP or JSON, told apart by its first bytes) and yield its history files."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise UploadRefused("The uploaded file is empty.", "empty")
    if head[:4] in ZIP_MAGICS:
        with _open_zip(path) as archive:
            yield archive
        return
    first = head[len(BOM):] if head.startswith(BOM) else head
    first = first.lstrip(WHITESPACE)[:1]
    if first not in (b"[", b"{"):
        raise UploadRefused("This file is neither a ZIP archive nor a JSON file. Upload the ZIP Spotify sent you "
                            "(my_spotify_data.zip) or one of the JSON files in it.", "not_export")
    if first == b"{":
        raise UploadRefused(WRONG_KIND, "no_history")
    size = path.stat().st_size
    if size > MAX_TOTAL_BYTES:
        raise too_big()
    yield Export([HistoryFile(path.name, None, size, lambda: open(path, "rb"))], is_zip=False)


def _refuse_damaged() -> UploadRefused:
    return UploadRefused("This ZIP archive is damaged or was altered; download it from Spotify again.", "damaged")


def check_member_name(raw: str) -> None:
    """Refuse names that try to leave the archive (we never extract, but such a name means a crafted file)."""
    parts = raw.split("/")
    if ("\x00" in raw or "\\" in raw or raw.startswith("/") or DRIVE.match(raw) or ".." in parts
            or len(raw) > MAX_MEMBER_NAME or any(ord(ch) < 32 for ch in raw)):
        raise UploadRefused("This archive has file names that point outside it, which Spotify never sends; "
                            "it was not imported.", "path")


def history_kind(name: str) -> str | None:
    """'extended' or 'account' for a history member name, None for any other member."""
    if name.startswith("__MACOSX/") or name.endswith("/"):
        return None
    base = name.rsplit("/", 1)[-1]
    if EXTENDED_NAME.match(base):
        return "extended"
    if ACCOUNT_NAME.match(base):
        return "account"
    return None


@contextmanager
def _open_zip(path: Path) -> Iterator[Export]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse_damaged() from None
    with archive:
        infos = archive.infolist()
        if not infos:
            raise UploadRefused("This ZIP archive is empty.", "empty")
        if len(infos) > MAX_MEMBERS:
            raise UploadRefused(f"This archive holds more than {MAX_MEMBERS} files, which is not what Spotify sends; "
                                "it was not imported.", "members")
        seen, total = set(), 0
        for info in infos:
            check_member_name(info.orig_filename)
            if info.orig_filename in seen:
                raise UploadRefused("This archive holds the same file twice, which Spotify never sends; "
                                    "it was not imported.", "damaged")
            seen.add(info.orig_filename)
            if info.flag_bits & 0x1:
                raise UploadRefused("This ZIP archive is password-protected. Upload the archive as Spotify "
                                    "sent it, without a password.", "encrypted")
            if info.file_size < 0 or info.compress_size < 0:
                raise _refuse_damaged()
            # Deflate never grows data by more than a few bytes per 16 KiB block: a declared size well
            # under the compressed size is a header that lies (a classic ZIP bomb trick).
            if info.compress_size > info.file_size + 1024 + info.file_size // 100:
                raise _refuse_damaged()
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UploadRefused("This archive is compressed far more than any real listening history "
                                    "(it may be a ZIP bomb); it was not imported.", "ratio")
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise too_big()
        members = [(info, history_kind(info.filename)) for info in infos]
        members = [(info, kind) for info, kind in members if kind]
        if not members:
            raise UploadRefused(WRONG_KIND, "no_history")
        # One download may be zipped together with the other: the extended history holds every
        # play of the account data too, so only one kind is read (never both: plays would count twice).
        kind = "extended" if any(k == "extended" for _, k in members) else "account"
        files = [HistoryFile(info.filename, kind, info.file_size, _opener(archive, info))
                 for info, k in sorted(members, key=lambda m: m[0].filename) if k == kind]
        yield Export(files, is_zip=True)


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    def open_member():
        try:
            return archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError):
            raise _refuse_damaged() from None
    return open_member


def iter_items(hf: HistoryFile, budget: Budget) -> Iterator:
    """The elements of one history file's top-level array, one at a time (refuses anything else)."""
    raw = hf.open()
    try:
        prefix = b""
        while True:  # find the first meaningful byte without reading the file whole
            chunk = raw.read(4096)
            budget.add(len(chunk))
            if not chunk:
                raise UploadRefused(f"The file {short(hf.name)} is empty.", "empty")
            prefix += chunk
            if prefix.startswith(BOM):
                prefix = prefix[len(BOM):]
            stripped = prefix.lstrip(WHITESPACE)
            if stripped:
                prefix = stripped
                break
            if len(prefix) > CHUNK:
                raise UploadRefused(f"The file {short(hf.name)} is not valid JSON.", "not_json")
            prefix = b""
        if prefix[:1] != b"[":
            if prefix[:1] == b"{":
                raise UploadRefused(f"The file {short(hf.name)} is not a list of plays, so it is not a "
                                    "streaming history.", "shape")
            raise UploadRefused(f"The file {short(hf.name)} is not valid JSON.", "not_json")
        stream = CountedStream(raw, budget, prefix)
        try:
            yield from BACKEND.items(stream, "item", buf_size=CHUNK, use_float=True)
        except ijson.JSONError:
            raise UploadRefused(f"The file {short(hf.name)} is not valid JSON (it may be cut short).",
                                "not_json") from None
        except UnicodeDecodeError:
            raise UploadRefused(f"The file {short(hf.name)} is not valid UTF-8 JSON.", "not_json") from None
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError):
            raise _refuse_damaged() from None
    except (zipfile.BadZipFile, EOFError):
        raise _refuse_damaged() from None
    finally:
        raw.close()


def short(name: str) -> str:
    """A member name fit to quote in a message: its base name, printable, at most 80 characters."""
    base = name.rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return f"'{base[:80]}'"
