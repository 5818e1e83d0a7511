"""A week of history for a seeded demo page, so `make run` shows a "what changed" list at once.

The stand-ins serve one snapshot of each listener; a real page gets its first changes a week
after it is made. A demo page is given an earlier snapshot of its page's range instead: the
first three items of each list were three places lower, the next three three places higher,
and the last item was not in the top yet. The changes are what `changelog.diff` finds between
that snapshot and the fetched data, stored as one entry dated a week back, as a refresh would.
"""
from datetime import timedelta

from anchor import clock
from anchor.profiles import changelog, copywriting, editing, service, writes

WEEK = timedelta(days=7)


def earlier(items):
    """The list as it stood a week before (see the module docstring)."""
    items = list(items)
    if len(items) >= 7:
        items = items[3:6] + items[:3] + items[6:]
    return items[:-1] if len(items) >= 2 else items


def seed(profile):
    """Store one change entry, a week old, on a demo page that has none yet; the profile."""
    if profile.changeLog:
        return profile
    now = service.items(profile)
    before = {kind: earlier(items) for kind, items in now.items()}
    found = changelog.diff(before, now)
    if not found:
        return profile
    entry = {"at": clock.iso(clock.now() - WEEK), "changes": found[:changelog.MAX_CHANGES]}
    return writes.write(profile, {"changeLog": [entry]})


def publish(handle):
    """Give a demo page a week of history (rewriting offline copy to tell of it), then publish it."""
    profile = seed(service.get(handle))
    if copywriting.writer_for(profile) == "offline":
        copywriting.generate(profile, force=True)
    try:
        editing.publish(service.get(handle))
    except editing.EditRefused as exc:
        return f"not published: {exc}"
    return "published"
