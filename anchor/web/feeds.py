"""The Atom feed of a public page: one entry per stored refresh that changed something."""
from datetime import datetime

from anchor.pages import public_view
from anchor.pages.context import absolute_url
from anchor.profiles import changelog, service


def _when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def atom(profile):
    """The feed's XML (bytes), from the one profile item; hidden items never appear."""
    from feedgen.feed import FeedGenerator    # lxml comes with the first feed, not at start
    name = service.visible(profile)["displayName"]
    page = absolute_url("public.profile", handle=profile.handle)
    hidden = set(service.layout(profile)["hidden"])
    feed = FeedGenerator()
    feed.id(page)
    feed.title(f"{name} on Anchor.band: what changed")
    feed.subtitle(f"New entries and big moves in {name}'s top artists and albums.")
    feed.author({"name": name})
    feed.link(href=page, rel="alternate", type="text/html")
    feed.link(href=absolute_url("public.feed", handle=profile.handle), rel="self")
    feed.language("en")
    entries = [(entry, changelog.visible(entry, hidden)) for entry in profile.changeLog or []]
    entries = [(entry, groups) for entry, groups in entries if any(groups.values())]
    feed.updated(_when(entries[0][0]["at"]) if entries else (profile.publishedAt or profile.updatedAt))
    for entry, groups in reversed(entries):         # feedgen lists the last added first
        item = feed.add_entry()
        moment = _when(entry["at"])
        item.id(f"{page}#changes-{entry['at']}")
        item.title(f"What changed in {name}'s listening, {moment:%-d %B %Y}")
        item.link(href=page, rel="alternate", type="text/html")
        item.updated(moment)
        item.published(moment)
        item.content(public_view.summary(groups), type="text")
    return feed.atom_str(pretty=False)
