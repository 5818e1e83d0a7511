"""ListenBrainz's calendar-year statistics (issue 31) against the brainz stand-in over real HTTP.

The stand-in runs on a fixed clock so each year's expected months and clock are computed here, from
the stand-in's listen history, with the standard library's own calendar arithmetic.
"""
from datetime import datetime, timezone

import pytest
import requests

from anchor.config import Config
from anchor.sources import listenbrainz_years
from anchor.sources.listenbrainz import CALLS_PER_FETCH, ListenBrainzClient
from anchor.text import clean_listening, clean_name
from devstack.brainz import BrainzStandIn
from devstack.brainz_activity import HOSTILE_NAMES, listens
from devstack.demo_music import get_listener
from tests.source_fixtures import CountingBudget

NOW = datetime(2026, 3, 15, 12, 30, tzinfo=timezone.utc).timestamp()
PATHS = ("artists", "release-groups", "listening-activity", "daily-activity")
ITEM_KEYS = {"artists": {"id", "name", "url", "image", "rank", "plays"},
             "albums": {"id", "name", "artists", "year", "url", "image", "rank", "plays"}}


@pytest.fixture(scope="module")
def standin_server():
    standin = BrainzStandIn(rate_limit=100_000, clock=lambda: NOW).start()
    yield standin
    standin.stop()


@pytest.fixture
def standin(standin_server):
    standin_server.reset()
    standin_server.reset_stats()
    yield standin_server
    standin_server.reset()


@pytest.fixture
def client(standin, source_sleeps):
    with ListenBrainzClient(standin.url, standin.url, timeout=(0.5, 0.5), sleep=source_sleeps,
                            allow_loopback=True, clock=lambda: NOW) as client:
        yield client


def expected(user):
    """{year: (months, clock)} computed from the stand-in's listens, in UTC."""
    found = {}
    for stamp in listens(get_listener(user), NOW):
        moment = datetime.fromtimestamp(stamp, timezone.utc)
        months, clock = found.setdefault(moment.year, ([0] * 12, [[0] * 24 for _ in range(7)]))
        months[moment.month - 1] += 1
        clock[moment.weekday()][moment.hour] += 1
    return found


def hits(standin):
    paths = standin.stats()["paths"]
    return {p: paths.get(f"/1/stats/user/*/{p}", 0) for p in PATHS}


def test_years_hold_the_months_and_clock_of_last_year_and_this_year(standin, client):
    data = client.fetch("grimnir")
    truth = expected("grimnir")
    assert set(data["years"]) == {"2025", "2026"} and data["timezone"] == {"zone": "UTC", "from": "source"}
    for year in (2025, 2026):
        entry = data["years"][str(year)]
        months, clock = truth[year]
        assert entry["months"] == months and entry["clock"] == clock
        assert entry["plays"] == sum(months) > 0 and entry["unit"] == "listens"
        assert entry["minutes"] is entry["days"] is entry["first"] is entry["last"] is None
        assert 0 < len(entry["artists"]) <= 50 and 0 < len(entry["albums"]) <= 50
        for kind in ("artists", "albums"):
            assert all(set(item) == ITEM_KEYS[kind] for item in entry[kind])
            assert [item["rank"] for item in entry[kind]] == list(range(1, len(entry[kind]) + 1))
    assert truth[2026][0][3:] == [0] * 9   # nothing after "now" is counted
    assert data["ranges"]["all_time"]["artists"] and set(data["ranges"]) == {"month", "half_year", "all_time"}


def test_a_fetch_makes_thirteen_calls_inside_the_budget(standin, source_sleeps):
    budget = CountingBudget()
    with ListenBrainzClient(standin.url, standin.url, budget=budget, sleep=source_sleeps, clock=lambda: NOW) as c:
        c.fetch("ella_bluenote")
    assert hits(standin) == {"artists": 5, "release-groups": 5, "listening-activity": 1, "daily-activity": 2}
    assert budget.taken == 13 == CALLS_PER_FETCH - 1   # one call of the budget is left for a retry
    window_requests, _seconds = Config().REFRESH_LISTENBRAINZ_WINDOW   # a whole fetch fits in one window
    assert CALLS_PER_FETCH <= window_requests


def test_a_listener_without_listens_has_no_years(client):
    data = client.fetch("quiet-room")
    assert data["years"] == {} and data["timezone"]["zone"] == "UTC"


def test_204_years_are_absent_and_the_top_lists_still_publish(standin, client):
    data = client.fetch("new-this-month")   # only all_time is computed: every year statistic answers 204
    assert data["years"] == {} and data["ranges"]["all_time"]["artists"]
    assert hits(standin)["daily-activity"] == 2


def test_204_activity_leaves_months_and_clock_unknown_not_zero(standin, client):
    standin.fail_next("204", method="listening-activity")
    standin.fail_next("204", method="daily-activity", count=2)
    years = client.fetch("grimnir")["years"]
    assert set(years) == {"2025", "2026"}
    assert all(y["months"] is None and y["clock"] is None and y["plays"] == 0 and y["artists"]
               for y in years.values())


def test_short_429_waits_for_reset_in_then_completes(standin, client, source_sleeps):
    standin.fail_next("429", method="daily-activity", reset_in=2)
    data = client.fetch("grimnir")
    assert source_sleeps.calls == [2.0] and set(data["years"]) == {"2025", "2026"}
    assert data["years"]["2025"]["clock"] == expected("grimnir")[2025][1]


def test_long_429_on_the_year_statistics_stops_them_and_publishes_the_rest(standin, client, source_sleeps):
    standin.fail_next("429", method="daily-activity", reset_in=3600)
    data = client.fetch("grimnir")
    assert data["years"] == {} and all(data["ranges"][r]["artists"] for r in data["ranges"])
    assert source_sleeps.calls == []
    assert hits(standin) == {"artists": 4, "release-groups": 4, "listening-activity": 1, "daily-activity": 1}


def test_server_errors_of_one_range_leave_only_that_year_out(standin, client):
    standin.fail_next("500", method="daily-activity", count=3)   # every attempt for `year`
    years = client.fetch("grimnir")["years"]
    assert set(years) == {"2026"} and years["2026"]["clock"] == expected("grimnir")[2026][1]


def test_garbage_activity_is_unknown_and_garbage_top_lists_drop_the_year(standin, client):
    standin.fail_next("garbage", method="listening-activity")
    standin.fail_next("garbage", method="daily-activity", body='{"payload": {"daily_activity": [1, 2]}}')
    years = client.fetch("grimnir")["years"]
    assert years["2025"]["months"] is None and years["2025"]["clock"] is None
    assert years["2026"]["months"] is None and years["2026"]["clock"] == expected("grimnir")[2026][1]
    assert years["2025"]["plays"] == 0 and years["2026"]["plays"] == sum(map(sum, years["2026"]["clock"]))
    standin.fail_next("garbage", method="release-groups", count=4,
                      body='{"payload": {"release_groups": {"oops": 1}}}')
    with pytest.raises(Exception, match="no list of release_groups"):
        client.fetch("grimnir")   # a broken top list of the three ranges still fails the fetch, as before
    standin.reset()
    standin.fail_next("garbage", method="artists", body='{"payload": {"artists": "nope"}}')
    standin.fail_next("garbage", method="artists", body='{"payload": {"artists": "nope"}}')
    standin.fail_next("garbage", method="artists", body='{"payload": {"artists": "nope"}}')
    with pytest.raises(Exception, match="no list of artists"):
        client.fetch("grimnir")


def test_broken_year_top_list_drops_only_that_year(standin, client):
    real = client.payload

    def broken_this_year(user, endpoint, stats_range, what, **params):
        if endpoint == "release-groups" and stats_range == "this_year":
            standin.fail_next("garbage", body='{"payload": {"release_groups": [{"listen_count": -1}]}}')
        return real(user, endpoint, stats_range, what, **params)

    client.payload = broken_this_year
    years = client.fetch("grimnir")["years"]
    assert set(years) == {"2025"}


def test_negative_and_absent_counts_are_left_out(standin, client):
    standin.fail_next("negative_counts", method="listening-activity")   # the first bucket: January 2025
    standin.fail_next("absent_counts", method="daily-activity")         # `year`: Sunday 23:00
    years = client.fetch("grimnir")["years"]
    months, clock = expected("grimnir")[2025]
    assert years["2025"]["months"] == [0] + months[1:] and months[0] > 0
    assert years["2025"]["clock"] == clock[:6] + [clock[6][:23] + [0]]
    standin.fail_next("absent_counts", method="listening-activity")     # the last bucket: March 2026
    months = expected("grimnir")[2026][0]
    assert client.fetch("grimnir")["years"]["2026"]["months"] == months[:2] + [0] * 10 and months[2] > 0


def test_a_bucket_dated_in_the_future_is_not_counted(standin, client):
    standin.fail_next("future_bucket", method="listening-activity")   # 40 days ahead: April 2026, 999 listens
    raw = requests.get(f"{standin.url}/1/stats/user/grimnir/listening-activity", params={"range": "this_year"},
                       timeout=5).json()["payload"]["listening_activity"]
    assert raw[-1]["listen_count"] == 999 and raw[-1]["from_ts"] > NOW
    standin.fail_next("future_bucket", method="listening-activity")
    assert client.fetch("grimnir")["years"]["2026"]["months"] == expected("grimnir")[2026][0]
    assert listenbrainz_years.months_of({"listening_activity": raw}, 2026, NOW)[3] == 0


def test_hostile_names_in_year_top_lists_are_cleaned(standin, client):
    standin.fail_next("hostile_names", method="artists", count=5)
    data = clean_listening(client.fetch("grimnir"))
    names = [a["name"] for a in data["years"]["2025"]["artists"][:len(HOSTILE_NAMES)]]
    assert names == [clean_name(n) for n in HOSTILE_NAMES]
    assert all(len(n) <= 200 and "\u202e" not in n and "\n" not in n and "\u200b" not in n for n in names)
    assert data["years"]["2025"]["months"] == expected("grimnir")[2025][0] and data["timezone"]["zone"] == "UTC"


def test_clean_listening_keeps_years_and_drops_nameless_items():
    data = {"ranges": {}, "timezone": {"zone": "UTC", "from": "source"},
            "years": {"2025": {"plays": 3, "months": [3] + [0] * 11, "artists": [{"name": "\u202eA\n"}, {"name": ""}],
                               "albums": [{"name": "B", "artists": ["x\u0007y", 5]}]}, "junk": 1}}
    cleaned = clean_listening(data)
    assert cleaned["timezone"] == data["timezone"] and set(cleaned["years"]) == {"2025"}
    year = cleaned["years"]["2025"]
    assert year["artists"] == [{"name": "A"}] and year["albums"] == [{"name": "B", "artists": ["xy"]}]
    assert year["months"] == [3] + [0] * 11 and year["plays"] == 3
    assert "years" not in clean_listening({"ranges": {}})


def test_activity_endpoints_speak_the_real_wire_format(standin):
    url = f"{standin.url}/1/stats/user/GrimNir"
    answer = requests.get(f"{url}/daily-activity", params={"range": "year"}, timeout=5)
    payload = answer.json()["payload"]
    assert answer.status_code == 200 and payload["user_id"] == "GrimNir" and payload["range"] == "year"
    assert set(payload) == {"user_id", "daily_activity", "from_ts", "to_ts", "range", "last_updated"}
    assert list(payload["daily_activity"]) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                               "Sunday"]
    assert all([e["hour"] for e in day] == list(range(24)) for day in payload["daily_activity"].values())
    assert all(h in answer.headers for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-In"))
    activity = requests.get(f"{url}/listening-activity", params={"range": "year"}, timeout=5).json()["payload"]
    buckets = activity["listening_activity"]
    assert [b["time_range"] for b in buckets[:2]] == ["January 2024", "February 2024"] and len(buckets) == 24
    assert all(set(b) == {"from_ts", "to_ts", "listen_count", "time_range"} for b in buckets)
    assert all(a["to_ts"] + 1 == b["from_ts"] for a, b in zip(buckets, buckets[1:]))
    assert requests.get(f"{url}/listening-activity", params={"range": "decade"}, timeout=5).status_code == 400
    assert requests.get(f"{url}/daily-activity", params={"range": "week"}, timeout=5).status_code == 204
    assert requests.get(f"{standin.url}/1/stats/user/nobody/daily-activity", timeout=5).status_code == 404


def test_activity_endpoints_share_the_rate_limit(standin):
    standin.set_rate_limit(1, window=3600)
    url = f"{standin.url}/1/stats/user/grimnir/daily-activity"
    assert requests.get(url, params={"range": "year"}, timeout=5).status_code == 200
    limited = requests.get(url, params={"range": "year"}, timeout=5)
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in limited.headers and int(limited.headers["X-RateLimit-Reset-In"]) > 0


def test_first_of_january_reads_one_year():
    new_year = datetime(2026, 1, 1, 9, tzinfo=timezone.utc).timestamp()
    standin = BrainzStandIn(rate_limit=100_000, clock=lambda: new_year).start()
    try:
        with ListenBrainzClient(standin.url, standin.url, allow_loopback=True, clock=lambda: new_year) as client:
            years = client.fetch("grimnir")["years"]
    finally:
        standin.stop()
    assert set(years) == {"2025"}
