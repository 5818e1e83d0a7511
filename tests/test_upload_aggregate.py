"""Counting an imported Spotify history: top lists against a plain reference count, ranges, exclusions."""
import json
import random
import zipfile
from collections import defaultdict
from datetime import date

import pytest

from anchor.sources import upload_aggregate
from anchor.sources.upload import UploadRefused, import_export
from anchor.sources.upload_records import clean_name
from devstack.spotify_export import load_records, write_export

EXT = "Spotify Extended Streaming History/Streaming_History_Audio_2020_0.json"
RANGES = {"month": 28, "half_year": 182, "year": 365, "all_time": None}
NOT_MUSIC = ("episode_name", "spotify_episode_uri", "audiobook_title", "audiobook_uri", "audiobook_chapter_uri")


def reference(records):
    """The obvious count, independent of the importer: {range: (artists, albums)} as
    [(name, plays, minutes, first played)] and [(artist, album, plays, minutes, first played)]."""
    plays = []
    for r in records:
        if "ts" in r:
            if any(r.get(key) is not None for key in NOT_MUSIC):
                continue
            day, ms = date.fromisoformat(r["ts"][:10]), r["ms_played"]
            artist, album = r["master_metadata_album_artist_name"], r["master_metadata_album_album_name"]
        else:
            day, ms, artist, album = date.fromisoformat(r["endTime"][:10]), r["msPlayed"], r["artistName"], None
        if ms >= 30_000 and artist:
            plays.append((day, artist, album, ms))
    last = max(p[0] for p in plays)
    first_artist, first_album = {}, {}
    for day, artist, album, _ in sorted(plays):
        first_artist.setdefault(artist, day)
        first_album.setdefault((artist, album), day)
    out = {}
    for rng, days in RANGES.items():
        artists, albums = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
        for day, artist, album, ms in plays:
            if days is not None and (last - day).days >= days:
                continue
            artists[artist][0] += ms
            artists[artist][1] += 1
            if album:
                albums[(artist, album)][0] += ms
                albums[(artist, album)][1] += 1
        top_artists = sorted(artists.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:20]
        top_albums = sorted(albums.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0][1], kv[0][0]))[:12]
        out[rng] = ([(a, p, ms // 60_000, first_artist[a].isoformat()) for a, (ms, p) in top_artists],
                    [(a, b, p, ms // 60_000, first_album[(a, b)].isoformat()) for (a, b), (ms, p) in top_albums])
    return out


def ours(data):
    return {rng: ([(a["name"], a["plays"], a["minutes"], a["firstPlayed"]) for a in lists["artists"]],
                  [(b["artists"][0], b["name"], b["plays"], b["minutes"], b["firstPlayed"]) for b in lists["albums"]])
            for rng, lists in data["ranges"].items()}


def write_json(path, records):
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def play(ts, artist="Abba", album="Gold", ms=200_000, **extra):
    return {"ts": ts, "ms_played": ms, "master_metadata_track_name": "Song", "master_metadata_album_artist_name": artist,
            "master_metadata_album_album_name": album, "spotify_track_uri": "spotify:track:x", "episode_name": None,
            "spotify_episode_uri": None, **extra}


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "my_spotify_data.zip"
    write_export(path, kind="extended", plays=12_000, years=2, seed=7)
    return path, load_records(path)


def test_two_year_history_matches_the_reference_count(two_years):
    path, records = two_years
    data = import_export(path)
    expected = reference(records)
    assert ours(data) == expected
    assert len(expected["all_time"][0]) == 20 and len(expected["all_time"][1]) == 12
    # popularity drifts over the years, so the ranges really differ
    assert expected["month"][0] != expected["all_time"][0] and expected["half_year"][0] != expected["year"][0]
    names = {name for name, *_ in expected["all_time"][0]} | {b for _, b, *_ in expected["all_time"][1]}
    assert any(any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7a3" or "\u0600" <= ch <= "\u06ff"
                   for ch in name) for name in names)          # Japanese, Korean or Arabic names among the top


def test_order_of_plays_and_files_does_not_matter(two_years, tmp_path):
    path, records = two_years
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    with zipfile.ZipFile(tmp_path / "s.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for n, part in enumerate((shuffled[:5000], shuffled[5000:9000], shuffled[9000:])):
            zf.writestr(f"Spotify Extended Streaming History/Streaming_History_Audio_{n}.json", json.dumps(part))
    a, b = import_export(path), import_export(tmp_path / "s.zip")
    assert a["ranges"] == b["ranges"]
    assert {k: v for k, v in a["summary"].items() if k != "files"} == \
        {k: v for k, v in b["summary"].items() if k != "files"}
    reversed_ = write_json(tmp_path / "r.json", records[::-1])
    assert import_export(reversed_)["ranges"] == a["ranges"]


def test_account_history_matches_the_reference_count(tmp_path):
    path = write_export(tmp_path / "StreamingHistory_music_0.json", kind="account", plays=4000, years=1, seed=8,
                        as_zip=False)
    data = import_export(path)
    expected = reference(json.loads(path.read_text(encoding="utf-8")))
    assert ours(data) == expected and all(not albums for _, albums in expected.values())


@pytest.mark.parametrize("order", ["as_given", "chronological_folding_every_day"])
def test_ranges_are_relative_to_the_last_play(tmp_path, monkeypatch, order):
    records = [
        play("2020-06-30T23:59:59Z", artist="Last Day"),
        play("2020-06-03T00:00:00Z", artist="Day 28"),            # 27 days before the last: in month
        play("2020-06-02T23:59:59Z", artist="Day 29"),            # 28 days before: half_year only
        play("2020-01-01T10:00:00Z", artist="Day 182"),           # 181 days before: in half_year
        play("2019-12-31T10:00:00Z", artist="Day 183"),           # 182 days before: year only
        play("2019-07-02T10:00:00Z", artist="Day 365"),           # 364 days before: in year
        play("2019-07-01T10:00:00Z", artist="Day 366"),           # all time only
        play("2020-07-15T10:00:00Z", artist="Podcast After", episode_name="E", spotify_episode_uri="u"),
        play("2020-07-16T10:00:00Z", artist="Short After", ms=29_999),
    ]
    if order != "as_given":     # fold behind every new latest day: the boundary days go through the fold
        records.sort(key=lambda r: r["ts"])
        monkeypatch.setattr(upload_aggregate, "FOLD_EVERY", 1)
    data = import_export(write_json(tmp_path / "h.json", records))
    names = {rng: sorted(a["name"] for a in lists["artists"]) for rng, lists in data["ranges"].items()}
    assert names["month"] == ["Day 28", "Last Day"]
    assert names["half_year"] == ["Day 182", "Day 28", "Day 29", "Last Day"]
    assert names["year"] == ["Day 182", "Day 183", "Day 28", "Day 29", "Day 365", "Last Day"]
    assert names["all_time"] == sorted(["Day 182", "Day 183", "Day 28", "Day 29", "Day 365", "Day 366", "Last Day"])
    assert data["summary"]["from"] == "2019-07-01" and data["summary"]["to"] == "2020-06-30"


def test_short_plays_podcasts_and_audiobooks_are_left_out(tmp_path):
    records = [
        play("2021-01-01T10:00:00Z", ms=30_000),                  # exactly 30 s counts
        play("2021-01-01T11:00:00Z", ms=29_999, artist="Too Short"),
        play("2021-01-01T12:00:00Z", ms=0, artist="Too Short"),
        play("2021-01-01T13:00:00Z", artist=None, album=None, ms=3_000_000, episode_name="Ep 1",
             spotify_episode_uri="spotify:episode:1", episode_show_name="The Show"),
        play("2021-01-01T14:00:00Z", artist=None, album=None, ms=3_000_000, audiobook_title="A Book",
             audiobook_uri="spotify:show:1", audiobook_chapter_uri="spotify:episode:2"),
        play("2021-01-01T15:00:00Z", artist=None, album=None, ms=100_000),   # no metadata at all
        play("2021-01-01T16:00:00Z", artist="Abba", album=None, ms=60_000),  # an artist without album
    ]
    data = import_export(write_json(tmp_path / "h.json", records))
    summary = data["summary"]
    assert (summary["plays"], summary["skipped_short"], summary["podcasts"], summary["unattributed"],
            summary["rows"]) == (2, 2, 2, 1, 7)
    artists = data["ranges"]["all_time"]["artists"]
    assert [(a["name"], a["plays"], a["minutes"]) for a in artists] == [("Abba", 2, 1)]
    albums = data["ranges"]["all_time"]["albums"]
    assert [(a["name"], a["artists"], a["plays"]) for a in albums] == [("Gold", ["Abba"], 1)]


def test_account_short_plays(tmp_path):
    records = [{"endTime": "2023-05-01 18:22", "artistName": "A", "trackName": "t", "msPlayed": 45_000},
               {"endTime": "2023-05-01 18:25", "artistName": "B", "trackName": "t", "msPlayed": 12_000},
               {"endTime": "2023-05-02 18:25", "artistName": "", "trackName": "t", "msPlayed": 90_000}]
    summary = import_export(write_json(tmp_path / "h.json", records))["summary"]
    assert (summary["plays"], summary["skipped_short"], summary["unattributed"]) == (1, 1, 1)
    assert summary["format"] == "account" and summary["albums_available"] is False and summary["top_artist"] == "A"


def test_ties_are_broken_deterministically(tmp_path):
    records = [play("2021-01-01T10:00:00Z", artist=name, album="Same") for name in ("Björk", "Abba", "Cher")]
    records += [play("2021-01-02T10:00:00Z", artist="Zed", ms=100_000), play("2021-01-02T11:00:00Z", artist="Zed",
                                                                           ms=100_000)]   # same ms, more plays
    first = import_export(write_json(tmp_path / "a.json", records))
    second = import_export(write_json(tmp_path / "b.json", records[::-1]))
    assert [a["name"] for a in first["ranges"]["all_time"]["artists"]] == ["Zed", "Abba", "Björk", "Cher"]
    assert [(b["artists"][0], b["name"]) for b in first["ranges"]["all_time"]["albums"]] == \
        [("Zed", "Gold"), ("Abba", "Same"), ("Björk", "Same"), ("Cher", "Same")]
    assert first["ranges"] == second["ranges"]


def test_ids_are_stable_and_distinct(tmp_path):
    records = [play("2021-01-01T10:00:00Z", artist="A", album="X"), play("2021-01-01T10:00:00Z", artist="B", album="X")]
    data = import_export(write_json(tmp_path / "a.json", records))
    again = import_export(write_json(tmp_path / "b.json", records[::-1]))
    albums = data["ranges"]["all_time"]["albums"]
    assert albums[0]["id"] != albums[1]["id"] and albums[0]["name"] == albums[1]["name"] == "X"
    ids = {a["id"] for lists in data["ranges"].values() for a in lists["artists"] + lists["albums"]}
    assert ids == {a["id"] for lists in again["ranges"].values() for a in lists["artists"] + lists["albums"]}
    assert all(i.startswith("upload:") and len(i) == len("upload:") + 16 for i in ids)


def test_names_are_cleaned_and_merged(tmp_path):
    records = [play("2021-01-01T10:00:00Z", artist="  Sigur   Rós\t"),
               play("2021-01-01T11:00:00Z", artist="Sigur Ro\u0301s"),                 # decomposed accent
               play("2021-01-01T12:00:00Z", artist="Sigur\u202e Rós\u200f\x07"),       # bidi and control
               play("2021-01-01T13:00:00Z", artist="\u202e\u2066 \x00", album="\u200f")]   # nothing left
    data = import_export(write_json(tmp_path / "a.json", records))
    assert [(a["name"], a["plays"]) for a in data["ranges"]["all_time"]["artists"]] == [("Sigur Rós", 3)]
    assert data["summary"]["unattributed"] == 1
    assert clean_name("x" * 1000) == "x" * 200 and clean_name(None) == "" and clean_name(42) == ""
    assert clean_name("東京\u3000事変") == "東京 事変" and clean_name("فيروز") == "فيروز"


def test_too_many_distinct_names(tmp_path, monkeypatch):
    monkeypatch.setattr(upload_aggregate, "MAX_DISTINCT_NAMES", 50)
    records = [play("2021-01-01T10:00:00Z", artist=f"Artist {i}") for i in range(60)]
    with pytest.raises(UploadRefused) as info:
        import_export(write_json(tmp_path / "a.json", records))
    assert info.value.code == "too_many_names"
