"""Owner edits: names, bio and album lines (with optimistic concurrency), layout, publishing."""
from anchor import clock
from anchor.rules import BIO_MAX, LINE_MAX, NAME_MAX
from anchor.sources.base import RANGES
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
    if album_id not in {a["id"] for a in service.items(profile)["albums"]}:
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


def _item_ids(profile):
    data = service.listening(profile)
    return {item["id"] for name in RANGES for part in service.range_data(data, name).values()
            for item in part}


def _hide(arrangement, item_id):
    hidden = arrangement["hidden"]
    arrangement["hidden"] = [i for i in hidden if i != item_id] if item_id in hidden else hidden + [item_id]
    arrangement["pinned"] = [i for i in arrangement["pinned"] if i not in arrangement["hidden"]]
    return arrangement


def _pin(arrangement, item_id):
    pinned = arrangement["pinned"]
    if item_id in pinned:
        arrangement["pinned"] = [i for i in pinned if i != item_id]
    else:
        arrangement["pinned"] = [item_id] + pinned
        arrangement["hidden"] = [i for i in arrangement["hidden"] if i != item_id]
    return arrangement


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


def toggle_pinned(profile, item_id):
    """Pin an item to the top of its list, or unpin it."""
    return _toggle(profile, item_id, _pin)


def move(profile, item_id, direction):
    """Move an item one place up or down in its list, as the page lists it."""
    if direction not in MOVES:
        raise EditRefused("Move an item up or down.")

    def decide(fresh):
        listed = service.items(fresh)
        if item_id not in {i["id"] for part in listed.values() for i in part}:
            raise EditRefused("That item is not on this profile.")
        layout = service.moved(listed, fresh.layout, item_id, MOVES[direction])
        if layout is None:
            raise EditRefused(f"It is already at the {'top' if direction == 'up' else 'bottom'}.")
        return {"layout": layout}
    return writes.update(profile, decide, bump=True)


MOVES = {"up": -1, "down": 1}


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
