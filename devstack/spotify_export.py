"""Realistic Spotify data downloads for tests, demos and the upload bench (all invented, seeded).

    write_export("my_spotify_data.zip", kind="extended", size_mb=20, years=3, seed=1)
    write_export("StreamingHistory_music_0.json", kind="account", plays=500, as_zip=False)

A catalogue of artists (Unicode names: Japanese, Korean, Arabic, accented Latin) with a long,
Zipf-like tail of popularity that drifts over the years (so a month differs from all time), each
with albums and tracks; plays in time order with skips, short plays, podcast episodes and a few
plays without metadata; most plays from one country (HOME_COUNTRY) with quiet nights and busy
evenings in its zone (HOUR_WEIGHTS). Files are named and split the way Spotify does: extended history in
`Spotify Extended Streaming History/Streaming_History_Audio_<years>_<n>.json` of about 11 MB each
(plus a video history file and a PDF to ignore); account data in
`Spotify Account Data/StreamingHistory_music_<n>.json` of at most 10,000 entries (plus podcast
history and other account files to ignore).

`reference_count(path)` reads an export back the obvious way (json.load, no streaming, no shared
code with the importer) for tests.
"""
from __future__ import annotations

import json
import math
import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

END = datetime(2024, 11, 30, 21, 0, tzinfo=timezone.utc)
EXTENDED_DIR = "Spotify Extended Streaming History"
ACCOUNT_DIR = "Spotify Account Data"
FILE_BYTES = 11 * 1024 * 1024          # Spotify splits extended history at about this size
ACCOUNT_ROWS = 10_000                  # ...and account history at this many entries
BYTES_PER_PLAY = {"extended": 680, "account": 110}   # rough, to turn size_mb into plays

SYLLABLES = {
    "latin": ["ma", "ré", "lo", "sa", "vi", "än", "ka", "ño", "el", "tu", "bé", "ri", "os", "ça", "ly", "dö"],
    "japanese": ["さ", "く", "ら", "ひ", "か", "り", "ゆ", "め", "ト", "キ", "ノ", "ハ", "ル", "夜", "空", "星"],
    "korean": ["하", "늘", "별", "바", "다", "소", "리", "민", "지", "서", "윤", "아", "름", "빛", "꿈", "길"],
    "arabic": ["نو", "ر", "سا", "مي", "ل", "ها", "دي", "فا", "ين", "قم", "ر", "لي"],
}
WORDS = ["Night", "Blue", "Echo", "Garden", "River", "Static", "Velvet", "Golden", "Paper", "Ghost", "Summer",
         "Neon", "Silver", "Quiet", "Wild", "Glass", "Midnight", "Ocean", "Fire", "Dream"]
SHOWS = ["The Daily Thing", "Science Hour", "Café Chats", "Long Form", "歴史の話"]
PLATFORMS = ["android", "ios", "windows", "osx", "web_player", "cast_to_device"]
COUNTRIES = ["DE", "FR", "JP", "KR", "EG", "ES", "US", "GB"]
REASONS_END = ["trackdone", "fwdbtn", "endplay", "logout", "backbtn"]
HOME_COUNTRY, HOME_UTC_OFFSET, AT_HOME = "DE", timedelta(hours=1), 0.85   # most plays from one country
# Relative plays per local hour 0..23 (home zone, standard time): quiet nights, busy evenings.
HOUR_WEIGHTS = [1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.0, 2.0, 1.8, 1.8,
                2.0, 2.0, 1.8, 1.8, 2.0, 2.2, 2.5, 2.5, 2.3, 2.0, 1.6, 1.2]


def _name(rng: random.Random, script: str, parts=(2, 4)) -> str:
    syl = SYLLABLES[script]
    word = "".join(rng.choice(syl) for _ in range(rng.randint(*parts)))
    return word.capitalize() if script == "latin" else word


def _uri(rng: random.Random, kind: str) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return f"spotify:{kind}:" + "".join(rng.choice(alphabet) for _ in range(22))


def catalogue(rng: random.Random, artists: int = 600):
    """[(artist, [(album, [(track, uri)])])]; names unique per kind, several scripts."""
    scripts = ["latin"] * 6 + ["japanese", "korean", "arabic"]
    out, seen = [], set()
    while len(out) < artists:
        script = rng.choice(scripts)
        name = _name(rng, script)
        if rng.random() < 0.3:
            name += " " + (rng.choice(WORDS) if script == "latin" else _name(rng, script, (1, 2)))
        if name in seen:
            continue
        seen.add(name)
        albums = []
        for _ in range(rng.randint(1, 4)):
            album = f"{rng.choice(WORDS)} {_name(rng, script, (1, 3))}"
            tracks = [(f"{_name(rng, script)} {rng.choice(WORDS)}", _uri(rng, "track"))
                      for _ in range(rng.randint(3, 10))]
            albums.append((album, tracks))
        out.append((name, albums))
    return out


def _plays(rng: random.Random, kind: str, plays: int, years: float, home: random.Random):
    """Records in time order. Popularity: Zipf rank weight times a bump around each artist's era.
    Countries are drawn from `home`, so `rng` makes the same names and durations as before they were."""
    cat = catalogue(rng, artists=max(50, min(3000, plays // 40)))
    start = END - timedelta(days=365 * years)
    span = (END - start).total_seconds()
    eras = [(rng.random(), 0.15 + rng.random() * 0.6) for _ in cat]          # (centre, width) in [0, 1]
    zipf = [1.0 / (i + 1) ** 1.1 for i in range(len(cat))]
    periods = 24
    cum_by_period = []
    for p in range(periods):
        at = (p + 0.5) / periods
        weights = [z * (0.2 + math.exp(-((at - c) / w) ** 2)) for z, (c, w) in zip(zipf, eras)]
        acc, cum = 0.0, []
        for w in weights:
            acc += w
            cum.append(acc)
        cum_by_period.append(cum)
    stamps = sorted(rng.random() for _ in range(plays))
    indexes = range(len(cat))
    for frac in stamps:
        ts = _daily(start + timedelta(seconds=int(frac * span)))
        roll = rng.random()
        if kind == "extended" and roll < 0.05:
            yield _at_home(home, _podcast(rng, ts))
            continue
        artist, albums = cat[rng.choices(indexes, cum_weights=cum_by_period[min(periods - 1, int(frac * periods))])[0]]
        album, tracks = rng.choice(albums)
        track, uri = rng.choice(tracks)
        if roll < 0.20:
            ms, reason, skipped = rng.randint(0, 29_999), "fwdbtn", True
        elif roll < 0.22:
            ms, reason, skipped = 30_000, "fwdbtn", False          # exactly the threshold: counts
        else:
            ms, reason, skipped = rng.randint(30_001, 420_000), rng.choice(REASONS_END), False
        if kind == "account":
            yield {"endTime": ts.strftime("%Y-%m-%d %H:%M"), "artistName": artist, "trackName": track,
                   "msPlayed": ms}
            continue
        meta = roll > 0.995      # a few plays with no metadata at all (local files, removed tracks)
        yield _at_home(home, _extended(rng, ts, ms, None if meta else track, None if meta else artist,
                                       None if meta else album, None if meta else uri, reason, skipped))


def _daily(ts: datetime) -> datetime:
    """`ts` moved within its home-zone day so that plays follow HOUR_WEIGHTS (monotonic: order is kept)."""
    local = ts + HOME_UTC_OFFSET
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    target = (local - midnight).total_seconds() / 86_400 * sum(HOUR_WEIGHTS)
    for hour, weight in enumerate(HOUR_WEIGHTS):
        if target < weight or hour == 23:
            return midnight + timedelta(hours=hour + min(target / weight, 1.0)) - HOME_UTC_OFFSET
        target -= weight
    raise AssertionError("unreachable")


def _at_home(home: random.Random, record: dict) -> dict:
    if home.random() < AT_HOME:
        record["conn_country"] = HOME_COUNTRY
    return record


def _extended(rng, ts, ms, track, artist, album, uri, reason_end, skipped, episode=None, show=None, ep_uri=None):
    return {"ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "platform": rng.choice(PLATFORMS), "ms_played": ms,
            "conn_country": rng.choice(COUNTRIES), "ip_addr": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
            "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
            "master_metadata_album_album_name": album, "spotify_track_uri": uri,
            "episode_name": episode, "episode_show_name": show, "spotify_episode_uri": ep_uri,
            "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
            "audiobook_chapter_title": None, "reason_start": rng.choice(["clickrow", "trackdone", "fwdbtn"]),
            "reason_end": reason_end, "shuffle": rng.random() < 0.4, "skipped": skipped,
            "offline": False, "offline_timestamp": None, "incognito_mode": False}


def _podcast(rng, ts):
    show = rng.choice(SHOWS)
    return _extended(rng, ts, rng.randint(1_000, 3_000_000), None, None, None, None, "endplay", False,
                     episode=f"{show} #{rng.randint(1, 300)}", show=show, ep_uri=_uri(rng, "episode"))


def _chunks(kind: str, records):
    """Lists of serialised records, split where Spotify would split the file."""
    chunk, size = [], 0
    for record in records:
        line = json.dumps(record, ensure_ascii=False)
        chunk.append((record, line))
        size += len(line.encode()) + 2
        if (kind == "extended" and size >= FILE_BYTES) or (kind == "account" and len(chunk) >= ACCOUNT_ROWS):
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _body(chunk) -> bytes:
    return ("[\n" + ",\n".join(line for _, line in chunk) + "\n]").encode()


def write_export(path, *, kind: str = "extended", size_mb: float | None = None, plays: int | None = None,
                 years: float = 2, seed: int = 0, as_zip: bool = True, username: str = "invented",
                 display_name: str = "Invented Listener") -> Path:
    """Write an export to `path` and return it. Size by `size_mb` (uncompressed history, roughly)
    or by `plays` (records, default 5000). `as_zip=False` writes one bare JSON history file.
    Account data carries the listener's `username` (Userdata.json) and `display_name` (Identity.json)."""
    if kind not in ("extended", "account"):
        raise ValueError("kind is 'extended' or 'account'")
    if plays is None:
        plays = int(size_mb * 1024 * 1024 / BYTES_PER_PLAY[kind]) if size_mb else 5000
    rng = random.Random(seed)
    records = _plays(rng, kind, plays, years, random.Random(f"home-{seed}"))
    path = Path(path)
    if not as_zip:
        with open(path, "wb") as out:
            out.write(b"[\n")
            for i, record in enumerate(records):
                out.write((",\n" if i else "") .encode() + json.dumps(record, ensure_ascii=False).encode())
            out.write(b"\n]")
        return path
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for n, chunk in enumerate(_chunks(kind, records)):
            if kind == "extended":
                first, last = chunk[0][0]["ts"][:4], chunk[-1][0]["ts"][:4]
                years_part = first if first == last else f"{first}-{last}"
                zf.writestr(f"{EXTENDED_DIR}/Streaming_History_Audio_{years_part}_{n}.json", _body(chunk))
            else:
                zf.writestr(f"{ACCOUNT_DIR}/StreamingHistory_music_{n}.json", _body(chunk))
        if kind == "extended":
            video = [_extended(rng, END, 61_000, None, None, None, None, "trackdone", False)]
            zf.writestr(f"{EXTENDED_DIR}/Streaming_History_Video_2024.json", json.dumps(video))
            zf.writestr(f"{EXTENDED_DIR}/ReadMeFirst_ExtendedStreamingHistory.pdf",
                        b"%PDF-1.4\n% invented\n" + bytes(rng.randrange(256) for _ in range(4096)))
        else:
            podcast = [{"endTime": "2024-11-01 08:00", "podcastName": "Science Hour", "episodeName": "#12",
                        "msPlayed": 1_200_000}]
            zf.writestr(f"{ACCOUNT_DIR}/StreamingHistory_podcast_0.json", json.dumps(podcast))
            zf.writestr(f"{ACCOUNT_DIR}/Userdata.json", json.dumps(_userdata(username), ensure_ascii=False))
            zf.writestr(f"{ACCOUNT_DIR}/Identity.json", json.dumps(_identity(display_name), ensure_ascii=False))
            zf.writestr(f"{ACCOUNT_DIR}/YourLibrary.json", json.dumps({"tracks": [], "albums": []}))
            zf.writestr(f"{ACCOUNT_DIR}/Read Me First.pdf", b"%PDF-1.4\n% invented\n")
    return path


def _userdata(username: str) -> dict:
    """Userdata.json as Spotify writes it: the user name beside personal data Anchor.band must not keep."""
    return {"username": username, "email": "invented@example.invalid", "country": "DE",
            "createdFromFacebook": False, "facebookUid": None, "birthdate": "1990-04-01", "gender": "neutral",
            "postalCode": "10115", "mobileNumber": None, "mobileOperator": None, "mobileBrand": None,
            "creationTime": "2016-02-11"}


def _identity(display_name: str) -> dict:
    """Identity.json as Spotify writes it: the display name, the real name and the profile pictures."""
    first, _, last = display_name.partition(" ")
    return {"displayName": display_name, "firstName": first, "lastName": last,
            "imageUrl": "https://example.invalid/invented.jpg", "largeImageUrl": "https://example.invalid/invented-l.jpg",
            "tasteMaker": False, "verified": False}


def load_records(path) -> list[dict]:
    """Every history record of an export, read whole with json (fine for test-sized files)."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return json.loads(path.read_bytes())
    out = []
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        extended = [n for n in names if "/Streaming_History_Audio_" in n]
        for name in extended or [n for n in names if "/StreamingHistory_music_" in n]:
            out.extend(json.loads(zf.read(name)))
    return out


def reference_count(path) -> dict:
    """Plain counts of an export: {"plays", "short", "podcasts", "unattributed",
    "artists": {name: [plays, ms]}} (music plays of 30 s or more; raw names)."""
    counts = {"plays": 0, "short": 0, "podcasts": 0, "unattributed": 0, "artists": {}}
    for r in load_records(path):
        if "ts" in r:
            if r.get("episode_name") or r.get("spotify_episode_uri") or r.get("audiobook_uri"):
                counts["podcasts"] += 1
                continue
            ms, artist = r["ms_played"], r.get("master_metadata_album_artist_name")
        else:
            ms, artist = r["msPlayed"], r["artistName"]
        if ms < 30_000:
            counts["short"] += 1
        elif not artist:
            counts["unattributed"] += 1
        else:
            counts["plays"] += 1
            row = counts["artists"].setdefault(artist, [0, 0])
            row[0] += 1
            row[1] += ms
    return counts


def main(argv=None) -> None:
    import argparse
    parser = argparse.ArgumentParser(description="Write an invented Spotify data download.")
    parser.add_argument("--kind", choices=("extended", "account"), default="extended")
    parser.add_argument("--size-mb", type=float, default=None, help="uncompressed history size, roughly")
    parser.add_argument("--plays", type=int, default=None, help="number of history records (instead of --size-mb)")
    parser.add_argument("--years", type=float, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one bare JSON file instead of a ZIP")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    path = write_export(args.out, kind=args.kind, size_mb=args.size_mb, plays=args.plays, years=args.years,
                        seed=args.seed, as_zip=not args.json)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB on disk)")


if __name__ == "__main__":
    main()
