"""The MusicBrainz stand-in's artists: two of one name, one with 400 albums and EPs, one with none,
and the demo artist page's own.

Ids are fixed (uuid5), so tests, `flask seed-demo` and the page's cover URLs agree across restarts.
Release groups are served in MusicBrainz's browse order: primary type, secondary types, date, name.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

_NS = uuid.UUID("6b1f3c1e-8a51-4c35-9f0c-2f1b7d1e0a28")
TYPE_IDS = {"Album": "f529b476-6e62-324f-b0aa-1f3e33d313fc", "EP": "6d0c5bf6-7a33-3420-a519-44fc63eedebf",
            "Single": "d6038452-8ee0-3f68-affc-2de9a1ede0b9"}
TYPE_ORDER = {"Album": 1, "Single": 2, "EP": 3}


def mbid(*names: str) -> str:
    """A fixed MBID for a stand-in entity."""
    return str(uuid.uuid5(_NS, "/".join(names)))


def url_relation(kind: str, resource: str) -> dict:
    """One URL relationship as /ws/2 JSON shows it."""
    return {"attributes": [], "attribute-ids": {}, "attribute-values": {}, "direction": "forward",
            "url": {"id": mbid("url", resource), "resource": resource}, "type": kind,
            "type-id": mbid("link-type", kind), "begin": None, "end": None, "ended": False,
            "source-credit": "", "target-credit": "", "target-type": "url"}


@dataclass
class WSArtist:
    """One artist with the fields search and lookup show, and their release groups."""

    name: str
    disambiguation: str
    country: str | None
    area: str | None
    begin: str | None
    urls: list[tuple[str, str]] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return mbid("artist", self.name, self.disambiguation)

    def _area(self) -> dict | None:
        if not self.area:
            return None
        return {"id": mbid("area", self.area), "type": "Country", "type-id": mbid("area-type", "Country"),
                "name": self.area, "sort-name": self.area, "life-span": {"ended": None}}

    def search_record(self, score: int) -> dict:
        """The artist as an item of the search's "artists" list."""
        record = {"id": self.id, "type": "Person", "type-id": "b6e035f4-3ce9-331c-97df-83397230b0df",
                  "score": score, "name": self.name, "sort-name": self.name, "country": self.country,
                  "area": self._area(), "life-span": {"begin": self.begin, "ended": None}, "tags": []}
        if self.disambiguation:    # the search server leaves an empty disambiguation out
            record["disambiguation"] = self.disambiguation
        return {k: v for k, v in record.items() if v is not None}

    def lookup(self, with_urls: bool) -> dict:
        """GET /ws/2/artist/{mbid}[?inc=url-rels]."""
        record = {"id": self.id, "name": self.name, "sort-name": self.name, "type": "Person",
                  "type-id": "b6e035f4-3ce9-331c-97df-83397230b0df", "disambiguation": self.disambiguation,
                  "country": self.country, "area": self._area(), "begin-area": None, "end-area": None,
                  "life-span": {"begin": self.begin, "end": None, "ended": False}, "gender": None,
                  "ipis": [], "isnis": []}
        if with_urls:
            record["relations"] = [url_relation(kind, url) for kind, url in self.urls]
        return record

    def group_record(self, group: dict, with_urls: bool) -> dict:
        """One item of the browse's "release-groups" list."""
        record = {k: v for k, v in group.items() if k != "urls"}
        if with_urls:
            record["relations"] = [url_relation(kind, url) for kind, url in group.get("urls", ())]
        return record


def group(artist: str, title: str, date: str, kind: str = "Album", secondary=(), urls=()) -> dict:
    """A release group as the browse returns it (before relations)."""
    return {"id": mbid("release-group", artist, title), "title": title, "first-release-date": date,
            "primary-type": kind, "primary-type-id": TYPE_IDS[kind], "secondary-types": list(secondary),
            "secondary-type-ids": [mbid("secondary", s) for s in secondary], "disambiguation": "",
            "urls": list(urls)}


def _browse_order(groups: list[dict]) -> list[dict]:
    return sorted(groups, key=lambda g: (TYPE_ORDER[g["primary-type"]], g["secondary-types"],
                                         g["first-release-date"] or "9999", g["title"]))


MARLOW = "Marlow Reed"
_marlow_groups = [
    group(MARLOW, "Harbour Lights", "2012-03-05", urls=[
        ("purchase for download", "https://marlowreed.bandcamp.com/album/harbour-lights"),
        ("streaming", "https://open.spotify.com/album/4hArb0urL1ghts"),
        ("streaming", "javascript:alert(document.cookie)")]),
    group(MARLOW, "Low Tide", "2014-09-22", urls=[
        ("free streaming", "http://marlowreed.bandcamp.com/album/low-tide"),
        ("streaming", "https://www.deezer.com/album/1234567")]),
    group(MARLOW, "Salt & Iron", "2017-06-02", urls=[
        ("purchase for download", "https://user:secret@marlowreed.bandcamp.com/album/salt-and-iron"),
        ("streaming", "https://music.apple.com/album/salt-iron/99"),
        ("streaming", "https://bandcamp.com.evil.example/album/salt")]),
    group(MARLOW, "North Window", "2020-11-13", urls=[
        ("streaming", "https://tidal.com/browse/album/7788"),
        ("free streaming", "https://www.youtube.com/playlist?list=OLAK5uy_north")]),
    group(MARLOW, "Paper Boats", "2023-04-21", urls=[
        ("free streaming", "https://soundcloud.com/marlowreed/sets/paper-boats")]),
    group(MARLOW, "Lanterns", "2016-02-12", "EP"),
    group(MARLOW, "The Ferry Song", "2015-05-01", "Single"),
    group(MARLOW, "Collected Shores", "2021-01-01", secondary=["Compilation"]),
]

JUNO = "Juno Static"          # the demo artist page's own music (anchor/demo_artist.py)
_juno_groups = [
    group(JUNO, "Borrowed Keys", "2019-02-15", "EP", urls=[
        ("purchase for download", "https://junostatic.bandcamp.com/album/borrowed-keys")]),
    group(JUNO, "Night Bus Hymns", "2020-10-09", urls=[
        ("purchase for download", "https://junostatic.bandcamp.com/album/night-bus-hymns"),
        ("streaming", "https://open.spotify.com/album/5NightBusHymnsDemo")]),
    group(JUNO, "Sodium Light", "2021-06-18", "EP", urls=[
        ("streaming", "https://open.spotify.com/album/5SodiumLightDemo0")]),
    group(JUNO, "Aire Valley Static", "2022-09-30", urls=[
        ("purchase for download", "https://junostatic.bandcamp.com/album/aire-valley-static"),
        ("streaming", "https://tidal.com/browse/album/5522")]),
    group(JUNO, "Headland", "2024-03-08", "EP", urls=[
        ("free streaming", "https://www.youtube.com/playlist?list=OLAK5uy_headland")]),
    group(JUNO, "Small Hours Radio", "2025-11-14", urls=[
        ("purchase for download", "https://junostatic.bandcamp.com/album/small-hours-radio"),
        ("streaming", "https://music.apple.com/album/small-hours-radio/55")]),
    group(JUNO, "Winter Demo", "2018-12-01", "Single"),
]

ARTIST_LIST = [
    WSArtist(MARLOW, "Scottish singer-songwriter", "GB", "United Kingdom", "2009", urls=[
        ("bandcamp", "https://marlowreed.bandcamp.com/"),
        ("free streaming", "https://open.spotify.com/artist/5MarlowReedXYZ"),
        ("youtube", "javascript:alert(1)"),
        ("official homepage", "http://marlowreed.example/"),
        ("wikidata", "https://www.wikidata.org/wiki/Q00000001")], groups=_browse_order(_marlow_groups)),
    WSArtist(MARLOW, "US jazz drummer", "US", "United States", "1961", groups=_browse_order([
        group(f"{MARLOW} (drummer)", "Brushes", "1988-01-01"),
        group(f"{MARLOW} (drummer)", "Ride Cymbal", "1994-01-01")])),
    WSArtist("The Archive Choir", "", None, None, "1990", groups=_browse_order([
        group("The Archive Choir", f"Volume {n}", f"{1700 + n:04d}-01-01", "Album" if n % 4 else "EP")
        for n in range(1, 401)])),
    WSArtist("Quiet Newcomer", "no releases yet", "NZ", "New Zealand", "2025"),
    WSArtist(JUNO, "Leeds synth-pop", "GB", "United Kingdom", "2018", urls=[
        ("bandcamp", "https://junostatic.bandcamp.com/")], groups=_browse_order(_juno_groups)),
]
ARTISTS = {artist.id: artist for artist in ARTIST_LIST}
COVERED = {g["id"]: g["title"] for artist in ARTIST_LIST for g in artist.groups}   # every group has a cover


def _words(text: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if w != "artist"}


def search(query: str) -> list[tuple[WSArtist, int]]:
    """Artists whose name shares every word of the query (Lucene-ish), with a score out of 100."""
    wanted = _words(query)
    found = []
    for artist in ARTIST_LIST:
        have = _words(artist.name)
        if wanted and wanted <= have:
            found.append((artist, 100 if wanted == have else 80))
    return sorted(found, key=lambda pair: -pair[1])
