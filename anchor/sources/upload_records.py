"""One entry of a Spotify streaming history: its format, its names made fit for a page, its duration."""
from __future__ import annotations

import re
import unicodedata

from .upload_archive import UploadRefused

MAX_NAME = 200
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI + "\ufeff\ufff9-\ufffb]")
_SPACES = re.compile(r"\s+")


def clean_name(value) -> str:
    """A name fit for a page: NFC, control and bidi characters dropped, whitespace collapsed,
    at most MAX_NAME characters ("" for anything that is not a string)."""
    if not isinstance(value, str):
        return ""
    value = _UNWANTED.sub("", unicodedata.normalize("NFC", value[:MAX_NAME * 4]))
    return _SPACES.sub(" ", value).strip()[:MAX_NAME].rstrip()


def shape_error(name: str, kind: str) -> UploadRefused:
    """The refusal for a file whose entries lack the keys of its history format."""
    wanted = ("'ts' and 'ms_played'" if kind == "extended" else "'endTime', 'artistName' and 'msPlayed'")
    return UploadRefused(f"The file {name} does not look like a Spotify streaming history: its entries "
                         f"lack {wanted}.", "shape")


def kind_of(record) -> str | None:
    """Which history format one entry belongs to (by its keys)."""
    if isinstance(record, dict):
        if "ts" in record and "ms_played" in record:
            return "extended"
        if "endTime" in record and "msPlayed" in record:
            return "account"
    return None


def too_many_names() -> UploadRefused:
    """The refusal for an upload that names more artists and albums than any real history."""
    return UploadRefused("This upload names far more artists and albums than any real listening history; "
                         "it was not imported.", "too_many_names")


def duration_ms(value, name: str) -> int:
    """A play's duration in whole milliseconds; refused when it is not a non-negative number."""
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, float) and value >= 0 and value == value and value != float("inf"):
        return int(value)
    raise UploadRefused(f"The file {name} has a play with a duration we cannot read.", "shape")
