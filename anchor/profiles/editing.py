"""Owner edits: names, bio and album lines (with optimistic concurrency), layout, publishing."""
from anchor import clock
from anchor.rules import BIO_MAX, LINE_MAX, MAX_FEATURED, NAME_MAX, NOTE_MAX
from anchor.text import clean_name
from anchor.ai.validate import safety_problems
from anchor.profiles import changelog, pagecopy, service, writes
from anchor.profiles.service import locks



class EditRefused(Exception):
    """Input the product refuses; the message is shown next to the field."""


def _clean(text, limit, what, allow_empty=False):
    text = clean_name(text, limit * 4)
    if not text and not allow_empty:
        raise EditRefused(f"The {what} cannot be empty.")
    if len(text) > limit:
        raise EditRefused(f"The {what} is {len(text)} characters; the limit is {limit}.")
    problems = safety_problems(text, f"The {what}") if text else []
    if problems:
        raise EditRefused(problems[0][0].upper() + problems[0][1:] + ".")
    return text


def _version(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise EditRefused("The form is missing its version. Reload the page and try again.") from None


def edit_display_name(profile, raw, version):
    name = _clean(raw, NAME_MAX, "display name")
    return writes.write(profile, {"displayName": name}, bump=True, expect_version=_version(version))


def edit_bio(profile, raw, version):
    """Save the owner's bio and lock it against regeneration (empty = release the lock)."""
    bio = _clean(raw, BIO_MAX, "bio", allow_empty=True)
    kept = locks(profile)
    if not bio:
        kept["bio"] = False
        return writes.write(profile, {"locked": kept, "copyHash": None}, bump=True,
                            expect_version=_version(version))
    kept["bio"] = True
    return writes.write(profile, {"bio": bio, "locked": kept}, bump=True,
                        expect_version=_version(version))


def edit_line(profile, album_id, raw, version):
    """Save one album line and lock it (empty = release it to the writer)."""
    if album_id not in {a["id"] for a in albums_of(profile)}:
        raise EditRefused("That album is not on this profile.")
    line = _clean(raw, LINE_MAX, "album line", allow_empty=True)
    kept = locks(profile)
    lines = dict(profile.albumLines or {})
    if line:
        lines[album_id] = line
        kept["lines"] = sorted(set(kept["lines"]) | {album_id})
        changes = {"albumLines": lines, "locked": kept}
    else:
        kept["lines"] = [i for i in kept["lines"] if i != album_id]
        changes = {"locked": kept, "copyHash": None}
    return writes.write(profile, changes, bump=True, expect_version=_version(version))


def albums_of(profile):
    """Every album of every range (an owner may write a line for any album a range shows)."""
    return [item for kind, item in service.every_item(service.listening(profile)).values() if kind == "albums"]


def _item_ids(profile):
    return set(service.every_item(service.listening(profile)))


def _stored(arrangement, featured=None):
    """The layout as stored: `pinned` mirrors the featured ids for a release that reads only it."""
    featured = arrangement["featured"] if featured is None else featured
    return {"hidden": arrangement["hidden"], "featured": featured, "pinned": [f["id"] for f in featured]}


def _hide(arrangement, item_id):
    """Hide an item in every range where it appears (by id), or show it again; a hidden item
    leaves the Featured block."""
    hidden = arrangement["hidden"]
    arrangement["hidden"] = [i for i in hidden if i != item_id] if item_id in hidden else hidden + [item_id]
    return _stored(arrangement, [f for f in arrangement["featured"] if f["id"] not in arrangement["hidden"]])


def _feature(arrangement, item_id):
    """Add an item to the end of the Featured block (shown again if it was hidden), or take it out."""
    featured = arrangement["featured"]
    if any(f["id"] == item_id for f in featured):
        return _stored(arrangement, [f for f in featured if f["id"] != item_id])
    if len(featured) >= MAX_FEATURED:
        raise EditRefused(f"You can feature up to {MAX_FEATURED} artists or albums. Take one out first.")
    arrangement["hidden"] = [i for i in arrangement["hidden"] if i != item_id]
    return _stored(arrangement, featured + [{"id": item_id, "note": ""}])


def _toggle(profile, item_id, change):
    """Change the layout of the state the write lands on (a concurrent toggle is never lost)."""
    def decide(fresh):
        if item_id not in _item_ids(fresh):
            raise EditRefused("That item is not on this profile.")
        return {"layout": change(service.layout(fresh), item_id)}
    return writes.update(profile, decide, bump=True)


def toggle_hidden(profile, item_id):
    """Hide an item from the page, or show it again."""
    return _toggle(profile, item_id, _hide)


def copy_names_hidden(profile):
    """True when written (not owner-edited) copy still names a hidden item: time to rewrite it."""
    page = profile.pageCopy or {}
    if not page.get("named"):
        return False
    kept = locks(profile)
    names = [name for found in (page.get("hiddenNames") or {}).values() for name in found]
    if not kept["bio"] and pagecopy.mentions(profile.bio, names):
        return True
    return any(pagecopy.mentions(line, names) for album_id, line in (profile.albumLines or {}).items()
               if album_id not in kept["lines"])


def toggle_featured(profile, item_id):
    """Feature an artist or album above the ranked lists (at most three), or take it out."""
    return _toggle(profile, item_id, _feature)


def edit_note(profile, item_id, raw):
    """Save the owner's note on one featured item (empty = no note)."""
    note = _clean(raw, NOTE_MAX, "note", allow_empty=True)

    def change(arrangement, item):
        if not any(f["id"] == item for f in arrangement["featured"]):
            raise EditRefused("Feature it first, then write a note about it.")
        return _stored(arrangement, [dict(f, note=note) if f["id"] == item else f for f in arrangement["featured"]])
    return _toggle(profile, item_id, change)


def publish(profile):
    """Publish: needs data and copy; schedules the weekly refresh and joins the due index."""
    now = clock.now()

    def decide(fresh):
        if not service.has_data(fresh):
            raise EditRefused("There is no listening data yet. Refresh it first.")
        if not (fresh.bio or fresh.copyMeta):     # the offline writer may have found nothing to say
            raise EditRefused("Write the copy first (press “Write copy”), then publish.")
        changes = {"isPublic": True, "publishedAt": now}
        if fresh.publishedAt is None:
            changes["changeLog"] = [_live_entry(fresh, now)] + list(fresh.changeLog or [])
        if fresh.nextRefreshAt is None or fresh.nextRefreshAt > now + service.refresh_interval():
            changes["nextRefreshAt"] = now + service.refresh_interval()
        return changes
    return writes.update(profile, decide, bump=True)


def _live_entry(profile, now):
    """The feed's first entry: the page's top artist and album when it goes live (hidden ones
    left out). Together with the stored listening, the baseline the next refresh is diffed from."""
    hidden = set(service.layout(profile)["hidden"])
    shown = {kind: [i for i in items if i["id"] not in hidden] for kind, items in service.items(profile).items()}
    return changelog.live_entry(shown, clock.iso(now))


def unpublish(profile):
    """Hide the page from visitors (it leaves the due index)."""
    return writes.write(profile, {"isPublic": False}, bump=True)


def set_auto_refresh(profile, enabled):
    """Weekly refresh on (rescheduled if it had no date) or off."""
    def decide(fresh):
        changes = {"autoRefreshEnabled": bool(enabled)}
        if enabled:
            changes["failureCount"] = 0
            if fresh.nextRefreshAt is None:
                changes["nextRefreshAt"] = clock.now() + service.refresh_interval()
        return changes
    return writes.update(profile, decide)
