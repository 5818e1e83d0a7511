"""What changed between two fetches of the default range: pure functions, no models.

A refresh that moves the page's data stores one entry on the profile (`changeLog`, newest
first): artists and albums that are new in the top, those that rose or fell by at least
`MIN_MOVE` places, and albums that left the top. The page shows the newest entry and the
Atom feed has one entry per stored refresh. At most `MAX_CHANGES` changes are kept in all.
The first publish adds a "live" entry (`live_entry`: the top artist and album, no changes), so a
new page's feed is not empty; the page's "what changed" list skips it.
"""
from anchor.rules import MAX_ALBUMS, MAX_ARTISTS

MIN_MOVE = 3
MAX_CHANGES = 20
KINDS = (("artist", "artists", MAX_ARTISTS), ("album", "albums", MAX_ALBUMS))


def _places(items):
    return {item["id"]: place for place, item in enumerate(items, start=1)}


def _brief(kind, item, **more):
    return {"kind": kind, "id": item["id"], "name": item["name"], **more}


def diff(before, after):
    """Changes from one range's data to the next ({"artists", "albums"} each), as a flat list.

    Only the top of each list counts (what a page can show): an item new in the top is "new",
    one that moved by `MIN_MOVE` places or more within the lists is "up" or "down", and an album
    in the old top that is nowhere in the new top "left". Rank is the place in the list.
    """
    found = []
    for kind, key, top in KINDS:
        old, new = (before or {}).get(key) or [], (after or {}).get(key) or []
        old_places, new_places = _places(old), _places(new)
        for place, item in enumerate(new[:top], start=1):
            was = old_places.get(item["id"])
            if was is None:
                found.append(_brief(kind, item, change="new", to=place))
            elif was - place >= MIN_MOVE:
                found.append(_brief(kind, item, change="up", was=was, to=place))
        for was, item in enumerate(old[:top], start=1):
            place = new_places.get(item["id"])
            if kind == "album" and (place is None or place > top):
                found.append(_brief(kind, item, change="left", was=was))
            elif place is not None and place - was >= MIN_MOVE:
                found.append(_brief(kind, item, change="down", was=was, to=place))
    return found


def record(log, before, after, at, source_before=None, source_after=None):
    """The change log after a new fetch: a new entry first when anything moved, capped.

    Nothing is recorded for a first fetch (no data before) or a change of source (the lists are
    not comparable). Returns the log unchanged (same object) when there is nothing to add.
    """
    if source_before != source_after or not _has_items(before) or not _has_items(after):
        return log
    found = diff(before, after)
    if not found:
        return log
    return trim([{"at": at, "changes": found[:MAX_CHANGES]}] + list(log or []))


def trim(log):
    """Keep the newest entries while their changes add up to at most MAX_CHANGES."""
    kept, total = [], 0
    for entry in log:
        total += len(entry["changes"])
        if total > MAX_CHANGES:
            break
        kept.append(entry)
    return kept


def visible(entry, hidden):
    """An entry's changes without the items the owner hides, grouped for the page."""
    groups = {"new": [], "up": [], "down": [], "left": []}
    for change in (entry or {}).get("changes", []):
        if change["id"] not in hidden:
            groups[change["change"]].append(change)
    return groups


def current(log, data, hidden):
    """The newest entry's new and climbed items that still sit where it put them in `data`
    (the page's range, in the source's order): what the copy may call a change since the last
    refresh. An entry an earlier refresh left stays out once the lists have moved on."""
    entries = [entry for entry in log or [] if not entry.get("live")]
    if not entries:
        return {"new": [], "up": []}
    groups = visible(entries[0], hidden)
    places = {kind: _places((data or {}).get(key) or []) for kind, key, _top in KINDS}
    return {change: [c for c in groups[change] if places[c["kind"]].get(c["id"]) == c.get("to")]
            for change in ("new", "up")}


def live_entry(data, at):
    """The first entry of a page's log, written when it is first published: its top artist and
    album, so the feed has an entry from the first day. It holds no changes."""
    tops = {kind: items[0] for kind, key, _top in KINDS if (items := (data or {}).get(key) or [])}
    return {"at": at, "changes": [], "live": {kind: {"id": item["id"], "name": item["name"]}
                                              for kind, item in tops.items()}}


def _has_items(data):
    return bool((data or {}).get("artists") or (data or {}).get("albums"))
