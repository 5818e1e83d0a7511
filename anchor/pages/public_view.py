"""What the public page shows, built from the one profile item: ranked rows, ranges, changes,
credits. Pure over the item: no read, no outside call."""
import hashlib
from urllib.parse import quote

from flask import url_for

from anchor.profiles import changelog, listening, service
from anchor.sources.base import RANGE_LABELS

# `?range=` values the page answers to, and back. Absent means the page's own range.
RANGE_PARAMS = {"month": "month", "all": "all_time"}
PARAM_OF = {name: param for param, name in RANGE_PARAMS.items()}
PLACEHOLDER_COLOURS = 8
# Where a visitor finds the listener on each source (links are built from a stored user id).
PROFILE_URLS = {"listenbrainz": "https://listenbrainz.org/user/{}/", "lastfm": "https://www.last.fm/user/{}"}


class UnknownRange(Exception):
    """`?range=` names no range this page offers."""


def pick_range(profile, param):
    """The range name for a `?range=` value (None: the page's own), or UnknownRange."""
    default = service.page_range(service.listening(profile))
    if param is None:
        return default
    name = RANGE_PARAMS.get(param)
    if name is None or name not in service.available_ranges(profile):
        raise UnknownRange(param)
    return name


def range_links(profile, current):
    """The range switcher: one plain link per range that holds data."""
    default = service.page_range(service.listening(profile))
    links = []
    for name in service.available_ranges(profile):
        if name != default and name not in PARAM_OF:
            continue
        values = {} if name == default else {"range": PARAM_OF[name]}
        links.append({"label": RANGE_LABELS.get(name, name).capitalize(), "current": name == current,
                      "href": url_for("public.profile", handle=profile.handle, **values)})
    return links if len(links) > 1 else []


def initials(name):
    """One or two letters for the generated artwork of an item without an image."""
    words = [w for w in (name or "?").split() if w[:1].isalnum()] or [name or "?"]
    return "".join(w[0] for w in words[:2]).upper()


def _colour(item_id):
    return int(hashlib.sha256(str(item_id).encode()).hexdigest()[:4], 16) % PLACEHOLDER_COLOURS


def count_text(item, counted="plays"):
    """The count a ranked row shows ("1,234 min" or "56 plays"; a year counted in listens says
    "56 listens"), or None."""
    if item.get("minutes"):
        return f"{item['minutes']:,} min"
    if item.get("plays"):
        return f"{item['plays']:,} {counted}"
    return None


def rows(items, counted="plays"):
    """Ranked rows: the place on the page, the item, its placeholder and its count text."""
    return [dict(item, place=place, initials=initials(item.get("name")), colour=_colour(item["id"]),
                 count=count_text(item, counted)) for place, item in enumerate(items, start=1)]


def with_album_art(artists, albums):
    """Artist rows where one without a picture takes the cover of its top album: the first album
    of the same range whose artists include it (ListenBrainz and uploads give no artist art)."""
    covers = {}
    for album in albums:
        for artist in album.get("artists") or []:
            if album.get("image"):
                covers.setdefault(artist.casefold(), album["image"])
    return [row if row.get("image") else dict(row, image=covers.get((row.get("name") or "").casefold()))
            for row in artists]


# What the range's name says about the time it covers, for the totals line.
RANGE_SPANS = {"month": "in about the last month", "half_year": "in about the last six months",
               "all_time": "of all time"}


def totals(artists, range_name):
    """The range's total as a line ("1,234 plays among these 10 artists in about the last month"),
    summed over the artists shown (no source sends a total); None where the source has no counts."""
    if not artists:
        return None
    if all(a.get("minutes") for a in artists):
        total, unit = sum(a["minutes"] for a in artists), "minutes"
    elif all(a.get("plays") for a in artists):
        total, unit = sum(a["plays"] for a in artists), "plays"
    else:
        return None
    firsts = sorted(a["firstPlayed"] for a in artists if a.get("firstPlayed"))
    if range_name == "all_time" and firsts:
        span = "since " + _month_year(firsts[0])
    else:
        span = RANGE_SPANS.get(range_name, "")
    count = f"these {len(artists)} artists" if len(artists) > 1 else "this artist"
    return f"{total:,} {unit} among {count} {span}".rstrip()


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _month_year(day):
    year, month = day[:4], int(day[5:7])
    return f"{MONTHS[month - 1]} {year}"


def listening_up_to(listening):
    """ "Listening up to 14 Nov 2026": the newest play of an uploaded file, or None for live sources."""
    day = (listening or {}).get("lastPlayed")
    if not isinstance(day, str) or len(day) != 10:
        return None
    return f"Listening up to {int(day[8:])} {MONTHS[int(day[5:7]) - 1][:3]} {day[:4]}"


def marks(changes):
    """The "what changed" mark of each item on the rows, by id: new, or up/down by n places."""
    found = {}
    for change in (changes or {}).get("new", []):
        found[change["id"]] = {"change": "new"}
    for kind in ("up", "down"):
        for change in (changes or {}).get(kind, []):
            found[change["id"]] = {"change": kind, "by": abs(change["was"] - change["to"])}
    return found


def featured_rows(items):
    """The Featured block's entries: the item, its placeholder and whether it is an album."""
    return [dict(item, initials=initials(item.get("name")), colour=_colour(item["id"]),
                 album=item["kind"] == "albums") for item in items]


def latest_changes(profile):
    """The newest stored change entry, without hidden items; None when there is nothing to say.
    The entry written when the page went live holds no changes and is not a change."""
    log = [entry for entry in profile.changeLog or [] if not entry.get("live")]
    if not log:
        return None
    groups = changelog.visible(log[0], set(service.layout(profile)["hidden"]))
    if not any(groups.values()):
        return None
    return {"at": log[0]["at"], **groups}


def source_link(profile, source):
    """The listener's own page on the source, where the source has public profiles."""
    user = listening.external_id(profile, source)
    pattern = PROFILE_URLS.get(source)
    return pattern.format(quote(user, safe="")) if pattern and user else None


def page_copy(profile):
    """The copy as stored for the page: bio and album lines without what names a hidden item
    (profiles/pagecopy.py, computed at write time); the raw copy for items from before it."""
    if profile.pageCopy is not None:
        return profile.pageCopy
    return {"bio": profile.bio, "albumLines": profile.albumLines or {}}


def page_bio(profile):
    """The bio as the page shows it (nothing that names a hidden item)."""
    return profile.pageCopy.get("bio") if profile.pageCopy is not None else profile.bio


def card_version(profile):
    """Changes whenever anything drawn on the share card changes (the `v` in the card's URL)."""
    drawn = f"{profile.dataHash}|{profile.displayName}|{page_bio(profile)}"
    return hashlib.sha256(drawn.encode()).hexdigest()[:16]


def writers(profile):
    """Who wrote the bio and the album lines the page shows: "owner", "bedrock", "offline",
    "mixed" or None."""
    kept = service.locks(profile)
    page = page_copy(profile)
    provider = (profile.copyMeta or {}).get("provider", "offline")
    bio = ("owner" if kept["bio"] else provider) if page.get("bio") else None
    lines = set((page.get("albumLines") or {}).keys())
    owned = lines & set(kept["lines"])
    if not lines:
        album_lines = None
    elif owned == lines:
        album_lines = "owner"
    else:
        album_lines = "mixed" if owned else provider
    return {"bio": bio, "lines": album_lines, "model": (profile.copyMeta or {}).get("modelId")}


def _moves(changes):
    return ", ".join(f"{c['name']} ({c['was']} → {c['to']})" for c in changes)


def summary(groups):
    """One line of plain text for a change entry's groups (the feed's entry text)."""
    parts = []
    if groups["new"]:
        parts.append("New: " + ", ".join(c["name"] for c in groups["new"]) + ".")
    if groups["up"]:
        parts.append("Up: " + _moves(groups["up"]) + ".")
    if groups["down"]:
        parts.append("Down: " + _moves(groups["down"]) + ".")
    if groups["left"]:
        parts.append("Left the top albums: " + ", ".join(c["name"] for c in groups["left"]) + ".")
    return " ".join(parts)
