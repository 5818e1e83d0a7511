"""Year aggregates of an upload (issue 31 item 1): every expected number is counted here from the records
written, the obvious way (json, zoneinfo per play), and compared with what import_export kept."""
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from anchor.sources.upload import import_export
from anchor.sources.upload_years import FIRST_YEAR, country_zones, zone_table
from anchor.text import clean_listening
from devstack.spotify_export import load_records, write_export

NOW = datetime(2024, 12, 1, 12, 0, tzinfo=timezone.utc)


def play(ts, artist="Artist", album="Album", ms=200_000, country="DE", **extra):
    """One extended-history entry."""
    return {"ts": ts, "ms_played": ms, "conn_country": country, "master_metadata_album_artist_name": artist,
            "master_metadata_album_album_name": album, "master_metadata_track_name": "T",
            "episode_name": None, "spotify_episode_uri": None, "audiobook_title": None, "audiobook_uri": None,
            "audiobook_chapter_uri": None, **extra}


def run(tmp_path, records, now=NOW):
    path = tmp_path / "Streaming_History_Audio_2019.json"
    path.write_text(json.dumps(records))
    return import_export(path, now=now)


def counted(records):
    """The entries that count: music of 30 s or more with an artist (the importer's rules, restated)."""
    out = []
    for r in records:
        if "ts" in r:
            if any(r.get(k) is not None for k in ("episode_name", "spotify_episode_uri", "audiobook_title",
                                                  "audiobook_uri", "audiobook_chapter_uri")):
                continue
            ms, artist, album, stamp = (r["ms_played"], r["master_metadata_album_artist_name"],
                                        r.get("master_metadata_album_album_name"), r["ts"])
        else:
            ms, artist, album, stamp = r["msPlayed"], r["artistName"], None, r["endTime"]
        if ms >= 30_000 and artist:
            out.append((stamp, artist, album, ms, r.get("conn_country")))
    return out


def expected_years(records, zone, now=NOW):
    """{year: numbers} counted play by play in `zone`."""
    tz, last_day = ZoneInfo(zone), (now + timedelta(days=1)).date()
    years = {}
    for stamp, artist, album, ms, _ in counted(records):
        try:
            utc = datetime.strptime(stamp[:16].replace("T", " "), "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
        except ValueError:
            continue
        local = utc.astimezone(tz)
        if local.year < FIRST_YEAR or utc.date() > last_day:
            continue
        y = years.setdefault(str(local.year), {"plays": 0, "month_ms": [0] * 12, "clock": [[0] * 24 for _ in range(7)],
                                               "days": set(), "artists": Counter(), "artist_plays": Counter(),
                                               "albums": Counter()})
        y["plays"] += 1
        y["month_ms"][local.month - 1] += ms
        y["clock"][local.weekday()][local.hour] += 1
        y["days"].add(local.date())
        y["artists"][artist] += ms
        y["artist_plays"][artist] += 1
        if album:
            y["albums"][(album, artist)] += ms
    return years


def assert_years(data, records, zone, now=NOW):
    """The result's years equal the reference count in `zone`, number for number."""
    want = expected_years(records, zone, now)
    assert data["timezone"]["zone"] == zone
    assert sorted(data["years"]) == sorted(want)
    for year, got in data["years"].items():
        ref = want[year]
        assert got["plays"] == ref["plays"] == sum(map(sum, got["clock"]))
        assert got["months"] == [ms // 60_000 for ms in ref["month_ms"]]
        assert got["minutes"] == sum(got["months"])
        assert got["clock"] == ref["clock"]
        assert (got["days"], got["first"], got["last"]) == (
            len(ref["days"]), min(ref["days"]).isoformat(), max(ref["days"]).isoformat())
        top = sorted(ref["artists"].items(), key=lambda kv: (-kv[1], -ref["artist_plays"][kv[0]], kv[0]))[:50]
        assert [(a["name"], a["minutes"], a["plays"], a["rank"]) for a in got["artists"]] == [
            (name, ms // 60_000, ref["artist_plays"][name], rank) for rank, (name, ms) in enumerate(top, 1)]
        assert [(a["name"], a["artists"][0]) for a in got["albums"][:5]] == [
            key for key, _ in sorted(ref["albums"].items(), key=lambda kv: (-kv[1], kv[0]))[:5]]


def test_a_generated_export_has_the_years_counted_in_the_listeners_most_frequent_country(tmp_path):
    path = write_export(tmp_path / "export.zip", kind="extended", plays=6000, years=3.5, seed=7)
    records = load_records(path)
    data = import_export(path, now=NOW)
    countries = Counter(c for *_, c in counted(records))
    code = min(countries, key=lambda c: (-countries[c], c))
    assert data["timezone"] == {"zone": country_zones()[code], "from": "country"}
    assert len(data["years"]) >= 4
    assert_years(data, records, country_zones()[code])


def test_year_items_have_the_ranges_ids_shape_and_whole_history_first_play(tmp_path):
    path = write_export(tmp_path / "export.zip", kind="extended", plays=4000, years=2, seed=3)
    data = import_export(path, now=NOW)
    in_ranges = {(it.get("artists", [None])[0], it["name"]): it for rng in data["ranges"].values()
                 for kind in ("artists", "albums") for it in rng[kind]}
    first = {}
    for stamp, artist, album, _, _ in counted(load_records(path)):
        first[(None, artist)] = min(first.get((None, artist), stamp[:10]), stamp[:10])
        first[(artist, album)] = min(first.get((artist, album), stamp[:10]), stamp[:10])
    shared = 0
    for year in data["years"].values():
        for kind in ("artists", "albums"):
            for it in year[kind]:
                key = (it.get("artists", [None])[0], it["name"])
                assert it["firstPlayed"] == first[key]
                if key in in_ranges:
                    shared += 1
                    assert it["id"] == in_ranges[key]["id"]
                    assert set(it) == set(in_ranges[key])
    assert shared > 10


def test_account_data_has_no_albums_and_is_counted_in_utc(tmp_path):
    path = write_export(tmp_path / "export.zip", kind="account", plays=3000, years=2, seed=5)
    records = load_records(path)
    data = import_export(path, now=NOW)
    assert data["timezone"] == {"zone": "UTC", "from": "none"}
    assert all(year["albums"] == [] for year in data["years"].values())
    assert_years(data, records, "UTC")


def test_the_year_boundary_is_the_listeners_new_year_not_utcs(tmp_path):
    berlin = [play("2019-12-31T22:59:00Z", "Old"), play("2019-12-31T23:00:00Z", "New"),
              play("2019-12-31T23:30:00Z", "New")]
    data = run(tmp_path, berlin)
    assert data["years"]["2019"]["artists"][0]["name"] == "Old" and data["years"]["2019"]["plays"] == 1
    assert data["years"]["2020"]["artists"][0]["name"] == "New" and data["years"]["2020"]["plays"] == 2
    assert data["years"]["2020"]["months"][0] == 6 and data["years"]["2020"]["clock"][2][0] == 2   # Wednesday 00:xx
    assert_years(data, berlin, "Europe/Berlin")
    new_york = [play("2020-01-01T04:30:00Z", "Late", country="US"), play("2020-01-01T05:00:00Z", "Next", country="US")]
    data = run(tmp_path, new_york)
    assert [y["artists"][0]["name"] for y in data["years"].values()] == ["Late", "Next"]
    assert_years(data, new_york, "America/New_York")


def test_half_hour_zones_and_summer_time_put_each_play_in_its_local_hour(tmp_path):
    india = [play("2021-03-01T10:20:00Z", country="IN"), play("2021-03-01T10:40:00Z", country="IN"),
             play("2021-12-31T18:29:00Z", "Last", country="IN"), play("2021-12-31T18:30:00Z", "First", country="IN")]
    data = run(tmp_path, india)
    assert data["years"]["2021"]["clock"][0][15:17] == [1, 1]          # 15:50 and 16:10 on a Monday
    assert data["years"]["2022"]["artists"][0]["name"] == "First"
    assert_years(data, india, "Asia/Kolkata")
    summer = [play("2019-07-01T22:30:00Z"), play("2019-01-01T22:30:00Z")]
    data = run(tmp_path, summer)
    assert data["years"]["2019"]["clock"][1][0] == 1 and data["years"]["2019"]["clock"][1][23] == 1
    assert_years(data, summer, "Europe/Berlin")


@pytest.mark.parametrize("countries, zone", [
    (["JP", "JP", "JP", "DE", "DE"], "Asia/Tokyo"),
    (["ZZ", "ZZ", "ZZ", "BR", "DE", "DE"], "Europe/Berlin"),        # unknown codes are passed over
    (["DE", "FR"], "Europe/Berlin"),                               # a tie goes to the first code
    ([None, "not a country", 7], "UTC"),
])
def test_the_zone_is_the_one_of_the_most_frequent_known_country(tmp_path, countries, zone):
    records = [play(f"2020-05-0{i + 1}T12:00:00Z", country=c) for i, c in enumerate(countries)]
    data = run(tmp_path, records)
    assert data["timezone"] == {"zone": zone, "from": "none" if zone == "UTC" else "country"}
    assert_years(data, records, zone)


def test_plays_before_2006_and_in_the_future_count_in_the_ranges_but_not_in_the_years(tmp_path):
    records = [play("2003-04-01T12:00:00Z", "Ancient"), play("2005-12-31T14:00:00Z", "Eve", country="JP"),
               play("2005-12-31T14:59:00Z", "Eve", country="JP"), play("2005-12-31T15:00:00Z", "Dawn", country="JP"),
               play("2024-11-30T12:00:00Z", "Now", country="JP"), play("2024-12-02T23:59:00Z", "Now", country="JP"),
               play("2024-12-03T00:00:00Z", "Future", country="JP"),
               play("2099-01-01T00:00:00Z", "Future", country="JP")]
    data = run(tmp_path, records)
    assert sorted(data["years"]) == ["2006", "2024"]
    assert [a["name"] for a in data["years"]["2006"]["artists"]] == ["Dawn"]
    assert [(a["name"], a["plays"]) for a in data["years"]["2024"]["artists"]] == [("Now", 2)]
    assert data["summary"]["plays"] == len(records)
    names = {a["name"] for a in data["ranges"]["all_time"]["artists"]}
    assert {"Ancient", "Eve", "Future"} <= names
    assert_years(data, records, "Asia/Tokyo")


def test_a_one_day_history_and_a_ten_play_year_are_one_entry_each(tmp_path):
    one_day = [play(f"2018-06-01T{h:02d}:15:00Z", f"A{h % 3}") for h in range(6, 20)]
    data = run(tmp_path, one_day)
    assert list(data["years"]) == ["2018"] and data["years"]["2018"]["days"] == 1
    assert data["years"]["2018"]["first"] == data["years"]["2018"]["last"] == "2018-06-01"
    assert_years(data, one_day, "Europe/Berlin")
    ten = [play(f"2015-0{1 + i % 9}-1{i % 10}T08:00:00Z", f"B{i % 4}") for i in range(10)]
    busy = [play(f"2016-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", f"C{i % 7}") for i in range(400)]
    data = run(tmp_path, ten + busy)
    assert data["years"]["2015"]["plays"] == 10 and len(data["years"]["2015"]["artists"]) == 4
    assert_years(data, ten + busy, "Europe/Berlin")


def test_a_year_without_counted_plays_has_no_entry(tmp_path):
    records = [play("2015-03-01T12:00:00Z"), play("2016-03-01T12:00:00Z", ms=29_999),
               play("2016-04-01T12:00:00Z", episode_name="Ep 1"), play("2016-05-01T12:00:00Z", artist=None),
               play("2017-03-01T12:00:00Z")]
    data = run(tmp_path, records)
    assert sorted(data["years"]) == ["2015", "2017"]
    assert_years(data, records, "Europe/Berlin")


def test_podcasts_audiobooks_and_short_plays_are_left_out_of_a_year(tmp_path):
    records = [play("2020-02-01T10:00:00Z", ms=30_000), play("2020-02-01T11:00:00Z", ms=29_999),
               play("2020-02-01T12:00:00Z", episode_name="Ep", spotify_episode_uri="spotify:episode:x"),
               play("2020-02-01T13:00:00Z", audiobook_title="Book", audiobook_uri="spotify:audiobook:x"),
               play("2020-02-01T14:00:00Z", artist="", album="")]
    data = run(tmp_path, records)
    assert data["years"]["2020"]["plays"] == 1 and data["years"]["2020"]["minutes"] == 0
    assert_years(data, records, "Europe/Berlin")


def test_plays_without_a_readable_time_count_in_the_ranges_only(tmp_path):
    records = [play("2020-02-01T10:00:00Z", "Timed"), play("2020-02-01", "Dateonly"),
               play("2020-02-01T99:00:00Z", "Badhour")]
    data = run(tmp_path, records)
    assert [a["name"] for a in data["years"]["2020"]["artists"]] == ["Timed"]
    assert data["summary"]["plays"] == 3
    assert_years(data, records, "Europe/Berlin")


def test_a_year_keeps_its_top_50_artists_and_albums(tmp_path):
    records = [play(f"2022-03-{1 + i % 28:02d}T12:00:00Z", f"Band {i:02d}", f"Record {i:02d}", ms=40_000 + i * 1000)
               for i in range(60)]
    data = run(tmp_path, records)
    year = data["years"]["2022"]
    assert len(year["artists"]) == len(year["albums"]) == 50
    assert [a["rank"] for a in year["artists"]] == list(range(1, 51))
    assert year["artists"][0]["name"] == "Band 59" and year["albums"][-1]["name"] == "Record 10"
    assert_years(data, records, "Europe/Berlin")


def test_clean_listening_keeps_the_years_and_cleans_their_names():
    data = {"ranges": {}, "timezone": {"zone": "UTC", "from": "none"},
            "years": {"2020": {"plays": 3, "months": [1] * 12, "artists": [{"id": "a", "name": "x\u202ey"},
                                                                             {"id": "b", "name": "\x00"}],
                               "albums": [{"id": "c", "name": "z", "artists": ["w\n"]}]}}}
    cleaned = clean_listening(data)
    year = cleaned["years"]["2020"]
    assert (year["plays"], year["months"], cleaned["timezone"]) == (3, [1] * 12, data["timezone"])
    assert year["artists"] == [{"id": "a", "name": "xy"}] and year["albums"][0]["artists"] == ["w"]


def test_the_country_zone_table_is_the_one_geonames_gives_and_every_zone_loads():
    assert country_zones() == zone_table()
    assert {"DE": "Europe/Berlin", "US": "America/New_York", "RU": "Europe/Moscow"}.items() <= country_zones().items()
    for zone in set(country_zones().values()):
        ZoneInfo(zone)
