"""The owner's own links: what a link may be, which service it is, and adding, moving, removing.

A link is stored on the profile item as {id, url, label, service}; the service is recognised
when the link is saved (the page is rendered on write and never parses a URL on a view). A
service is recognised by the parsed host only: the host is the service's domain or a subdomain
of it, compared label by label, so `bandcamp.com.evil.example` and look-alike IDN hosts are a
"website". Mastodon has no one host: any other host whose path is exactly `/@user` is Mastodon.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from anchor.profiles import clicks, writes
from anchor.profiles.editing import EditRefused
from anchor.text import clean_name

LINK_MAX = 8
LABEL_MAX = 40
URL_MAX = 2048
# A scheme at the start ("javascript:", "http:"); "example.com:8443/x" is a host with a port.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")
_HOST_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_MASTODON_PATH = re.compile(r"/@[A-Za-z0-9_]{1,30}/?")
_REFUSED_CHARACTERS = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


@dataclass(frozen=True)
class Service:
    """One kind of link: its id (the icon's name), its name, and the domains it owns."""

    id: str
    name: str
    domains: tuple = ()


SERVICES = (
    Service("bandcamp", "Bandcamp", ("bandcamp.com",)),
    Service("spotify", "Spotify", ("spotify.com", "spotify.link")),
    Service("apple-music", "Apple Music", ("music.apple.com",)),
    Service("youtube", "YouTube", ("youtube.com", "youtu.be")),
    Service("soundcloud", "SoundCloud", ("soundcloud.com",)),
    Service("tidal", "Tidal", ("tidal.com",)),
    Service("deezer", "Deezer", ("deezer.com",)),
    Service("instagram", "Instagram", ("instagram.com",)),
    Service("tiktok", "TikTok", ("tiktok.com",)),
    Service("tickets", "Tickets", ("ticketmaster.com", "ticketmaster.co.uk", "ticketmaster.de", "eventbrite.com",
                                   "eventbrite.co.uk", "dice.fm", "seetickets.com", "bandsintown.com",
                                   "songkick.com")),
)
MASTODON = Service("mastodon", "Mastodon")
WEBSITE = Service("website", "Website")
BY_ID = {s.id: s for s in SERVICES + (MASTODON, WEBSITE)}


def _refuse(message):
    raise EditRefused(message)


def check_url(raw):
    """The link's address as it is stored, or EditRefused saying what is wrong with it."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        _refuse("Enter the link's address, starting with https://.")
    if len(text) > URL_MAX:
        _refuse(f"That address is {len(text):,} characters long; the limit is {URL_MAX:,}.")
    bad = next((ch for ch in text if ch.isspace() or unicodedata.category(ch) in _REFUSED_CHARACTERS), None)
    if bad is not None:
        _refuse(f"The address contains a space or control character (U+{ord(bad):04X}). Paste it again without it.")
    scheme = _SCHEME.match(text)
    if scheme is None:
        text = "https://" + text          # "artist.bandcamp.com" as people paste it
    elif scheme.group(1).lower() != "https":
        _refuse(f"Only https:// links can be added; this one starts with “{scheme.group(1)[:20]}:”.")
    if "\\" in text:
        _refuse("The address contains a backslash. Paste it again as your browser shows it.")
    parts = urlsplit(text)
    if "@" in parts.netloc:
        _refuse("The address carries a user name or password. Add the link without them.")
    host = (parts.hostname or "").rstrip(".")
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        _refuse("The address needs a host name such as example.com after https://.")
    try:
        parts.port
    except ValueError:
        _refuse("The address has a port that is not a number from 1 to 65535.")
    if len(text) > URL_MAX:
        _refuse(f"That address is {len(text):,} characters long; the limit is {URL_MAX:,}.")
    return text


def recognise(url):
    """The Service of a checked https address, by its parsed host (WEBSITE when none is known)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if host.isascii():
        for service in SERVICES:
            if any(host == domain or host.endswith("." + domain) for domain in service.domains):
                return service
    if _MASTODON_PATH.fullmatch(parts.path):
        return MASTODON
    return WEBSITE


def check_label(raw, url, service):
    """The label as shown (the service's name, or the host for a website, when left empty)."""
    label = clean_name(raw, LABEL_MAX * 4)
    if len(label) > LABEL_MAX:
        _refuse(f"The label is {len(label)} characters; the limit is {LABEL_MAX}.")
    if label:
        return label
    if service is WEBSITE:
        return (urlsplit(url).hostname or "").removeprefix("www.")[:LABEL_MAX]
    if service is MASTODON:
        return f"{urlsplit(url).path.strip('/')}@{urlsplit(url).hostname}"[:LABEL_MAX]
    return service.name


def stored(profile):
    """The profile's links as stored, in the page's order."""
    return list(profile.ownerLinks or [])


def nth(profile, n):
    """The page's link number `n` (counted from 1), or None."""
    found = stored(profile)
    return found[n - 1] if 1 <= n <= len(found) else None


def add(profile, raw_url, raw_label):
    """Add a link at the end of the list (at most LINK_MAX, each address once)."""
    url = check_url(raw_url)
    service = recognise(url)
    label = check_label(raw_label, url, service)

    def decide(fresh):
        current = stored(fresh)
        if len(current) >= LINK_MAX:
            _refuse(f"Your page has {LINK_MAX} links, the most it shows. Remove one first.")
        if any(link["url"] == url for link in current):
            _refuse("That link is already on your page.")
        taken = {link["id"] for link in current}
        link_id = secrets.token_hex(4)          # stable across moves: the click counts follow it
        while link_id in taken:
            link_id = secrets.token_hex(4)
        return {"ownerLinks": current + [{"id": link_id, "url": url, "label": label, "service": service.id}]}
    return writes.update(profile, decide, bump=True)


def _place(current, link_id):
    at = next((n for n, link in enumerate(current) if link["id"] == link_id), None)
    if at is None:
        _refuse("That link is not on your page any more.")
    return at


def move(profile, link_id, direction):
    """Move a link one place up or down."""
    step = {"up": -1, "down": 1}.get(direction)
    if step is None:
        _refuse("Move a link up or down.")

    def decide(fresh):
        current = stored(fresh)
        at = _place(current, link_id)
        to = at + step
        if not 0 <= to < len(current):
            _refuse(f"It is already at the {'top' if step < 0 else 'bottom'}.")
        current[at], current[to] = current[to], current[at]
        return {"ownerLinks": current}
    return writes.update(profile, decide, bump=True)


def remove(profile, link_id):
    """Take a link off the page (its click counts age out with the counter's window)."""
    def decide(fresh):
        current = stored(fresh)
        current.pop(_place(current, link_id))
        return {"ownerLinks": current or None}
    return writes.update(profile, decide, bump=True)


def dashboard_rows(profile):
    """The owner's links as the dashboard lists them, with the service and the last days' clicks."""
    current = stored(profile)
    counted = clicks.last_days(profile.handle) if current else {}
    return [dict(link, service_name=BY_ID.get(link["service"], WEBSITE).name, clicks=counted.get(link["id"], 0),
                 first=n == 0, last=n == len(current) - 1) for n, link in enumerate(current)]
