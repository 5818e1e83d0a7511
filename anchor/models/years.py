"""`YEAR#<handle>#<yyyy>`: one year of an upload's history, and the key of its visitor's page.

One item per year rather than one `YEARS#<handle>` item: a year holds 50 artists and 50 albums
(about 30–40 KB of JSON with image URLs), so twenty years in one item would pass DynamoDB's
400 KB limit, while a single year stays far below it and a render reads only the years it draws.
The year's visitor page is a `PageModel` under `PAGE#<handle>/<yyyy>` (models/pages.py).
"""
from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from anchor.models import _ProfilesTable
from anchor.models.pages import PageModel, page_key


class YearModel(_ProfilesTable):
    """`YEAR#<handle>#<yyyy>`: a year's aggregates (None once a newer upload dropped the year)."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    year = UnicodeAttribute()
    data = JSONAttribute(null=True)


def unit_of(data):
    """"listens" for a year counted in listens (ListenBrainz has no durations), else "minutes"."""
    return "listens" if (data or {}).get("unit") == "listens" else "minutes"


def year_key(handle, year):
    """`YEAR#<handle>#<yyyy>`: the key of a year's aggregates."""
    return f"YEAR#{handle}#{year}"


def year_page_key(handle, year):
    """`PAGE#<handle>/<yyyy>`: the key of a year's visitor page."""
    return page_key(f"{handle}/{year}")


def read_year(handle, year):
    """A year's aggregates, or None (eventually consistent: written before the profile names it)."""
    try:
        return YearModel.get(year_key(handle, year)).data
    except YearModel.DoesNotExist:
        return None


def get_year_page(handle, year):
    """A year's visitor item (one eventually consistent GetItem of a few KB), or None."""
    try:
        return PageModel.get(year_page_key(handle, year), consistent_read=False)
    except PageModel.DoesNotExist:
        return None


def year_page_item(profile, year, body, etag, version):
    """The visitor's item of `profile`'s `year` page holding `body` (None: not public)."""
    public = body is not None
    return PageModel(year_page_key(profile.handle, year), handle=profile.handle, ownerId=profile.ownerId,
                     isPublic=public, pageGz=body, pageEtag=etag if public else None,
                     pageRender=version if public else None)
