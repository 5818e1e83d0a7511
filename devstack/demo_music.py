"""Demo listeners shared by the ListenBrainz and Last.fm stand-ins: hand-made scenes plus generated ones.

Everything is a pure function of names (and the generated number), so two runs agree on every
MBID, count and order without any stored state.
"""
from __future__ import annotations

import hashlib
import random
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

# (artist credit — one name or a tuple of names, album title); a "!" prefix on the title marks
# an album MusicBrainz does not know (no MBIDs, no cover), as happens with unmatched listens.
SCENES: dict[str, tuple[str, str, list]] = {
    "ella_bluenote": ("Ella Whitfield", "Europe/London", [
        ("Miles Davis", "Kind of Blue"), ("John Coltrane", "A Love Supreme"),
        ("Bill Evans Trio", "Sunday at the Village Vanguard"), ("Thelonious Monk", "Brilliant Corners"),
        ("Charles Mingus", "Mingus Ah Um"), ("Alice Coltrane", "Journey in Satchidananda"),
        ("Kamasi Washington", "The Epic"), ("Herbie Hancock", "Head Hunters"),
        ("Nina Simone", "Pastel Blues"), ("Chet Baker", "Chet Baker Sings"),
        (("Art Blakey", "The Jazz Messengers"), "Moanin’"), ("Esperanza Spalding", "Emily’s D+Evolution"),
        ("Ahmad Jamal", "!At the Pershing (bootleg)"), ("Cécile McLorin Salvant", "Ghost Song"),
    ]),
    "minji_kpop": ("김민지", "Asia/Seoul", [
        ("방탄소년단", "MAP OF THE SOUL : 7"), ("아이유", "Palette"), ("NewJeans", "Get Up"),
        ("BLACKPINK", "THE ALBUM"), ("소녀시대", "Gee"), ("BIGBANG", "MADE"),
        (("아이유", "SUGA"), "에잇"), ("Red Velvet", "The ReVe Festival: Finale"), ("세븐틴", "FML"),
        ("혁오", "23"), ("볼빨간사춘기", "Red Diary Page.1"), ("aespa", "Savage"), ("태연", "Purpose"),
        ("f(x)", "Pink Tape"),
    ]),
    "grimnir": ("Grímnir Hallsson", "Atlantic/Reykjavik", [
        ("Metallica", "Master of Puppets"), ("Iron Maiden", "Powerslave"), ("Black Sabbath", "Paranoid"),
        ("Motörhead", "Ace of Spades"), ("Bathory", "!Blood Fire Death (tape rip)"), ("Mötley Crüe", "Dr. Feelgood"),
        ("Blue Öyster Cult", "Agents of Fortune"), ("Sepultura", "Roots"), ("Opeth", "Blackwater Park"), ("Mayhem", "De Mysteriis Dom Sathanas"),
        ("Gojira", "From Mars to Sirius"), ("Sólstafir", "Ótta"), ("Emperor", "In the Nightside Eclipse"),
        ("Ghost", "Opus Eponymous"),
    ]),
    "punctuation_pete": ("Pete O’Neil-Smith", "America/Chicago", [
        ("AC/DC", "Back in Black"), ("Panic! At The Disco", "A Fever You Can’t Sweat Out"),
        ("!!!", "Myth Takes"), ("Sunn O)))", "Monoliths & Dimensions"),
        ("Godspeed You! Black Emperor", "Lift Your Skinny Fists Like Antennas to Heaven"),
        ("“Weird Al” Yankovic", "Running With Scissors"), ("*NSYNC", "No Strings Attached"),
        ("Guns N’ Roses", "Appetite for Destruction"), ("Florence + the Machine", "Lungs"),
        ("Sigur Rós", "( )"), ("The Go! Team", "Thunder, Lightning, Strike"),
        ("<b>Bold</b> & \"Quoted\"", "!<script>alert(1)</script> Tapes"), ("múm", "Finally We Are No One"),
    ]),
    "sofia_cumbia": ("Sofía Ramírez", "America/Mexico_City", [
        ("Rosalía", "El Mal Querer"), ("Bad Bunny", "Un Verano Sin Ti"), ("Natalia Lafourcade", "Hasta la Raíz"),
        ("Buena Vista Social Club", "Buena Vista Social Club"), ("Soda Stereo", "Canción Animal"),
        ("Café Tacvba", "Re"), ("Mercedes Sosa", "Cantora 1"), ("Los Ángeles Azules", "De Plaza en Plaza"),
        ("Chavela Vargas", "¡Noche Bohemia!"), ("Julieta Venegas", "Limón y Sal"), ("Celia Cruz", "Son con Guaguancó"),
        (("Ibeyi", "Kamasi Washington"), "Ash"), ("Lido Pimienta", "Miss Colombia"),
    ]),
}
# Artists' own demo pages: known to the stand-ins like any listener, but not listed with the
# scenes; `flask seed-demo` seeds each as an artist page (anchor/demo_artist.py).
ARTISTS: dict[str, tuple[str, str, list]] = {
    "juno_static": ("Juno Static", "Europe/London", [
        ("Cocteau Twins", "Heaven or Las Vegas"), ("Kate Bush", "Hounds of Love"), ("Beach House", "Bloom"),
        ("Broadcast", "Tender Buttons"), ("Stereolab", "Dots and Loops"), ("Grimes", "Visions"),
        ("Björk", "Homogenic"), ("Slowdive", "Souvlaki"), ("Portishead", "Dummy"), ("Robyn", "Body Talk"),
        ("Caroline Polachek", "Desire, I Want to Turn Into You"),
        ("Boards of Canada", "Music Has the Right to Children"), ("Japanese Breakfast", "Jubilee"),
    ]),
}
NOT_COMPUTED = "fresh-start"   # ListenBrainz: statistics not computed yet in any range (204)
PARTIAL = "new-this-month"     # ListenBrainz: only all_time is computed, other ranges answer 204
EMPTY = "quiet-room"           # no listening history at all: empty lists
PRIVATE = "private-eye"        # Last.fm: hides recent listening (error 17 unless signed in as them)
SPECIAL = (NOT_COMPUTED, PARTIAL, EMPTY, PRIVATE)
GENERATED_RE = re.compile(r"^listener-(\d{5})$")
# ListenBrainz ranges with their share of all-time listens (None = every item, canonical order).
RANGE_SHARE = {"all_time": 1.0, "year": 0.45, "half_yearly": 0.3, "quarter": 0.16, "month": 0.06,
               "week": 0.015, "this_year": 0.4, "this_month": 0.04, "this_week": 0.01}


def mbid(*parts: str) -> str:
    """A deterministic lower-case uuid4-shaped MBID."""
    return str(uuid.UUID(bytes=hashlib.sha256("\x1f".join(parts).encode()).digest()[:16], version=4))


@dataclass(frozen=True)
class Artist:
    name: str
    mbid: str | None


@dataclass(frozen=True)
class Album:
    name: str
    artists: tuple[Artist, ...]
    group_mbid: str | None       # release group
    release_mbid: str | None     # the release listened to
    caa_release_mbid: str | None  # the release whose front cover is shown (may differ: group fallback)
    caa_id: int | None

    @property
    def credit(self) -> str:
        """The artist credit as one string."""
        return " & ".join(a.name for a in self.artists)


@dataclass(frozen=True)
class Listener:
    name: str
    display_name: str
    zoneinfo: str
    user_id: int
    albums: tuple[Album, ...]
    artists: tuple[Artist, ...]


def _artist(name: str, known: bool = True) -> Artist:
    return Artist(name, mbid("artist", name) if known else None)


def _album(credit, title: str) -> Album:
    names = (credit,) if isinstance(credit, str) else tuple(credit)
    known = not title.startswith("!")
    title = title.lstrip("!")
    artists = tuple(_artist(n, known) for n in names)  # unmatched listens carry no artist MBID either
    if not known:
        return Album(title, artists, None, None, None, None)
    digest = hashlib.sha256(f"{title}|{names}".encode()).digest()
    group, release = mbid("release-group", *names, title), mbid("release", *names, title)
    caa_release, caa_id = release, 10_000_000_000 + int.from_bytes(digest[:4], "big")
    if digest[4] % 5 == 0:  # cover comes from another release of the group (the service's fallback)
        caa_release = mbid("release", *names, title, "other-edition")
    if digest[5] % 9 == 0:  # nobody uploaded a cover
        caa_release, caa_id = None, None
    return Album(title, artists, group, release, caa_release, caa_id)


def _build(name: str, display: str, zoneinfo: str, entries: list) -> Listener:
    albums = tuple(_album(credit, title) for credit, title in entries)
    artists: dict[str, Artist] = {}
    for album in albums:
        for artist in album.artists:
            artists.setdefault(artist.name, artist)
    return Listener(name, display, zoneinfo, _user_id(name), albums, tuple(artists.values()))


def _user_id(name: str) -> int:
    return 1000 + int.from_bytes(hashlib.sha256(name.encode()).digest()[:3], "big")


_SYLL = ["ka", "lo", "mi", "ra", "ve", "no", "sa", "ti", "du", "ren", "bel", "mor", "zan", "qui", "ø", "é"]
_WORDS = ["Night", "Glass", "River", "Echo", "Velvet", "Static", "Golden", "Harbor", "Neon", "Paper",
          "Signal", "Winter", "Ember", "Satellite", "Garden", "Motion", "Silver", "Tide", "Cloud", "Fever"]


def _generated(name: str, seed: int) -> Listener:
    rng = random.Random(f"{seed}|{name}")
    bands: list[str] = []
    while len(bands) < 16:
        if rng.random() < 0.5:
            band = "".join(rng.choice(_SYLL) for _ in range(rng.randint(2, 3))).title()
        else:
            band = f"The {rng.choice(_WORDS)} {rng.choice(_WORDS)}s"
        if band not in bands:
            bands.append(band)
    entries = [(bands[i], ("!" if rng.random() < 0.1 else "") + f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}")
               for i in range(14)]
    listener = _build(name, f"Listener {name[-5:]}", "UTC", entries)
    extra = tuple(_artist(b, known=rng.random() > 0.15) for b in bands[14:])
    return Listener(listener.name, listener.display_name, listener.zoneinfo, listener.user_id,
                    listener.albums, listener.artists + extra)


@lru_cache(maxsize=4096)
def _listener(key: str, seed: int) -> Listener | None:
    if key in SCENES or key in ARTISTS:
        return _build(key, *(SCENES.get(key) or ARTISTS[key]))
    if key in (NOT_COMPUTED, PARTIAL, PRIVATE):
        return _build(key, key.replace("-", " ").title(), "UTC", SCENES["sofia_cumbia"][2][:8])
    if key == EMPTY:
        return Listener(EMPTY, "Quiet Room", "UTC", _user_id(EMPTY), (), ())
    if GENERATED_RE.match(key):
        return _generated(key, seed)
    return None


def get_listener(name: str, generated: int = 0, seed: int = 0) -> Listener | None:
    """The listener with this name (case-insensitive, as both services look names up), or None."""
    key = (name or "").strip().lower()
    match = GENERATED_RE.match(key)
    if match and not 1 <= int(match.group(1)) <= generated:
        return None
    return _listener(key, seed)


def listener_names(generated: int = 0, limit: int | None = None) -> list[str]:
    """Hand-made names, the special ones, then generated ones (up to `limit`)."""
    count = generated if limit is None else min(generated, limit)
    return list(SCENES) + list(SPECIAL) + [f"listener-{n:05d}" for n in range(1, count + 1)]


def ranked(items: tuple, key: str, range_name: str, epoch: int = 0) -> list[tuple[object, int]]:
    """Items of one range in rank order with listen counts (a deterministic, range-specific mix)."""
    share = RANGE_SHARE[range_name]
    rng = random.Random(f"{key}|{range_name}|{epoch}")
    if range_name == "all_time" and epoch == 0:
        order = list(items)
    else:
        # Jitter the canonical rank: short ranges reorder more and keep fewer items.
        spread = 2.0 + 10.0 * (1.0 - share)
        order = sorted(items, key=lambda item: items.index(item) + rng.uniform(0, spread))
        order = order[:max(1, round(len(order) * (0.6 + 0.4 * share)))] if order else []
    counts, count = [], max(3, int(900 * share))
    for _ in order:
        counts.append(count)
        count = max(1, count - rng.randint(0, max(1, count // 6)))
    return list(zip(order, counts))
