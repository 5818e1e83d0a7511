"""The Atom feed of a public page: one entry per stored refresh that changed something."""
from datetime import datetime

from anchor.pages import public_view, year_view
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
    entries = [(entry, _text(entry, hidden)) for entry in profile.changeLog or []]
    entries = [(entry, text) for entry, text in entries if text]
    feed.updated(_when(entries[0][0]["at"]) if entries else (profile.publishedAt or profile.updatedAt))
    for entry, text in reversed(entries):         # feedgen lists the last added first
        item = feed.add_entry()
        moment = _when(entry["at"])
        item.id(f"{page}#{'live' if entry.get('live') is not None else 'changes'}-{entry['at']}")
        item.title(f"{name}'s page is live" if entry.get("live") is not None
                   else f"What changed in {name}'s listening, {moment:%-d %B %Y}")
        item.link(href=page, rel="alternate", type="text/html")
        item.updated(moment)
        item.published(moment)
        item.content(text, type="text")
    for line in reversed(year_view.timeline(profile)):      # newest year first in the feed
        _year_entry(feed.add_entry(), profile, name, line)
    return feed.atom_str(pretty=False)


def _year_entry(item, profile, name, line):
    """One entry per visible year page, dated by the year's last play (stable across imports)."""
    year = line["year"]
    last = ((profile.years or {}).get("list") or {}).get(year, {}).get("last") or f"{year}-12-31"
    moment = _when(f"{last}T00:00:00Z") if len(last) == 10 else profile.updatedAt
    href = absolute_url("public.year", handle=profile.handle, year=year)
    item.id(href)
    item.title(f"{name}'s {year} in music")
    item.link(href=href, rel="alternate", type="text/html")
    item.updated(moment)
    item.published(moment)
    top = f" Top artist: {line['top']}." if line["top"] else ""
    amount = f"{line['amount']:,} minutes of music" if line["unit"] == "minutes" else f"{line['amount']:,} listens"
    item.content(f"{amount} in {year}.{top}", type="text")


def _text(entry, hidden):
    """An entry's text without hidden items ("" leaves the entry out of the feed)."""
    live = entry.get("live")
    if live is None:
        return public_view.summary(changelog.visible(entry, hidden))
    tops = [f"top {kind} {item['name']}" for kind, item in live.items() if item["id"] not in hidden]
    return f"The page went live: {', '.join(tops)}." if tops else "The page went live."
