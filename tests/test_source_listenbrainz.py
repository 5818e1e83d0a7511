"""ListenBrainzClient against the brainz stand-in over real HTTP: normalisation, faults, budget, rate state."""
import re

import pytest
import requests

from anchor.limits import CallBudget
from anchor.sources.base import (BadResponse, BudgetExhausted, CredentialsRevoked, NotReady, RateLimited,
                                 SourceUnavailable, UnknownUser)
from anchor.sources.listenbrainz import ListenBrainzClient, userinfo
from tests.source_fixtures import CountingBudget, RateRecorder

STATS_PATHS = ("/1/stats/user/*/artists", "/1/stats/user/*/release-groups", "/1/stats/user/*/listening-activity",
               "/1/stats/user/*/daily-activity")


def hits(standin):
    return sum(standin.stats()["paths"].get(p, 0) for p in STATS_PATHS)


@pytest.fixture
def lb_client(brainz_standin, source_sleeps):
    """A client pointed at the stand-in, with small timeouts and recorded sleeps."""
    client = ListenBrainzClient(brainz_standin.url, brainz_standin.url, timeout=(0.5, 0.3), sleep=source_sleeps,
                                allow_loopback=True)
    yield client
    client.close()


def test_fetch_normalises_three_ranges(brainz_standin, lb_client):
    data = lb_client.fetch("minji_kpop")
    assert data["source"] == "listenbrainz" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["fetchedAt"])
    assert set(data["ranges"]) == {"month", "half_year", "all_time"}
    ever = data["ranges"]["all_time"]
    assert ever["artists"][0]["name"] == "방탄소년단" and ever["artists"][0]["rank"] == 1
    artist = ever["artists"][0]
    assert artist["url"] == f"https://musicbrainz.org/artist/{artist['id']}" and artist["image"] is None
    assert isinstance(artist["plays"], int) and artist["plays"] > ever["artists"][-1]["plays"]
    assert len(ever["albums"]) == 12 and len(ever["artists"]) <= 20
    duet = next(a for a in ever["albums"] if a["name"] == "에잇")
    assert duet["artists"] == ["아이유", "SUGA"] and duet["year"] is None
    assert duet["url"] == f"https://musicbrainz.org/release-group/{duet['id']}"
    covered = [a for a in ever["albums"] if a["image"]]
    assert covered and all(re.fullmatch(re.escape(brainz_standin.url) + r"/release/[0-9a-f-]{36}/(\d+|front)-250",
                                        a["image"]) for a in covered)
    assert data["ranges"]["month"] != ever
    assert hits(brainz_standin) == 6 + 7   # three ranges' top lists, then the calendar years (issue 31)


def test_cover_urls_use_caa_release_mbid_and_resolve(brainz_standin, lb_client):
    raw = lb_client.top("grimnir", "release-groups", "all_time", 12)
    albums = lb_client._albums(raw)
    for item, album in zip(raw, albums):
        if item["caa_release_mbid"]:
            assert album["image"] == f"{brainz_standin.url}/release/{item['caa_release_mbid']}/{item['caa_id']}-250"
            assert requests.get(album["image"], timeout=5).headers["Content-Type"] == "image/png"
        else:
            assert album["image"] is None


def test_unmatched_items_get_stable_name_ids(lb_client):
    first = lb_client.fetch("grimnir")["ranges"]
    tape = next(a for a in first["all_time"]["albums"] if a["url"] is None)
    assert tape["id"].startswith("name:") and tape["image"] is None and tape["artists"] == ["Bathory"]
    bathory = next(a for a in first["all_time"]["artists"] if a["name"] == "Bathory")
    assert bathory["id"].startswith("name:") and bathory["url"] is None
    again = lb_client.fetch("grimnir")["ranges"]
    assert tape["id"] in {a["id"] for a in again["all_time"]["albums"]}
    assert tape["id"] in {a["id"] for r in again.values() for a in r["albums"] if a["name"] == tape["name"]}


def test_images_dropped_on_foreign_hosts_without_loopback(brainz_standin):
    with ListenBrainzClient(brainz_standin.url, brainz_standin.url, allow_loopback=False) as client:
        albums = client.fetch("grimnir")["ranges"]["all_time"]["albums"]
    assert all(a["image"] is None for a in albums) and any(a["url"] for a in albums)
    with ListenBrainzClient(brainz_standin.url, "https://coverartarchive.org") as client:
        albums = client.fetch("grimnir")["ranges"]["all_time"]["albums"]
    assert any(a["image"] and a["image"].startswith("https://coverartarchive.org/release/") for a in albums)


def test_unknown_user(brainz_standin, lb_client):
    with pytest.raises(UnknownUser, match="nobody"):
        lb_client.fetch("nobody")
    assert hits(brainz_standin) == 1


def test_not_ready_everywhere_and_partly(brainz_standin, lb_client):
    with pytest.raises(NotReady):
        lb_client.fetch("fresh-start")
    partial = lb_client.fetch("new-this-month")["ranges"]
    assert partial["month"] == {"artists": [], "albums": []} and partial["all_time"]["artists"]
    empty = lb_client.fetch("quiet-room")["ranges"]
    assert all(r == {"artists": [], "albums": []} for r in empty.values())


def test_5xx_retried_then_recovered(brainz_standin, lb_client, source_sleeps):
    brainz_standin.fail_next("503")
    brainz_standin.fail_next("500")
    assert lb_client.top("grimnir", "artists", "all_time", 5)
    assert hits(brainz_standin) == 3 and len(source_sleeps.calls) == 2
    assert all(0 <= s <= 8 for s in source_sleeps.calls)


def test_5xx_gives_up_after_bounded_retries(brainz_standin, lb_client):
    brainz_standin.fail_next("500", count=5)
    with pytest.raises(SourceUnavailable):
        lb_client.top("grimnir", "artists", "all_time", 5)
    assert hits(brainz_standin) == 3


def test_slow_answer_times_out(brainz_standin, source_sleeps):
    brainz_standin.fail_next("slow", count=2, delay=0.5)
    with ListenBrainzClient(brainz_standin.url, brainz_standin.url, timeout=(0.5, 0.1), max_retries=1,
                            sleep=source_sleeps) as client:
        with pytest.raises(SourceUnavailable, match="did not answer"):
            client.top("grimnir", "artists", "all_time", 5)
    assert len(source_sleeps.calls) == 1


def test_malformed_json_and_wrong_shape(brainz_standin, lb_client):
    brainz_standin.fail_next("garbage")
    with pytest.raises(BadResponse, match="not JSON"):
        lb_client.top("grimnir", "artists", "all_time", 5)
    brainz_standin.fail_next("garbage", body='{"payload": {"artists": {"oops": 1}}}')
    with pytest.raises(BadResponse):
        lb_client.top("grimnir", "artists", "all_time", 5)
    brainz_standin.fail_next("garbage", body='{"payload": {"artists": [{"artist_name": "x", "listen_count": "9"}]}}')
    with pytest.raises(BadResponse, match="listen_count"):
        lb_client.fetch("grimnir")


def test_short_429_waits_for_reset_in_then_retries(brainz_standin, lb_client, source_sleeps):
    brainz_standin.fail_next("429", reset_in=3)
    assert lb_client.top("grimnir", "artists", "all_time", 5)
    assert source_sleeps.calls == [3.0] and hits(brainz_standin) == 2


def test_long_429_raises_without_retrying(brainz_standin, lb_client, source_sleeps):
    brainz_standin.set_rate_limit(0, window=3600)
    with pytest.raises(RateLimited) as caught:
        lb_client.fetch("grimnir")
    assert source_sleeps.calls == [] and hits(brainz_standin) == 1
    assert 0 < caught.value.retry_after <= 3600 and "ListenBrainz rate limited us" in caught.value.message


def test_429_without_headers_defaults_to_the_window(brainz_standin, source_sleeps):
    brainz_standin.fail_next("429", bare=True)
    with ListenBrainzClient(brainz_standin.url, brainz_standin.url, sleep=source_sleeps, max_retry_wait=60) as c:
        assert c.top("grimnir", "artists", "all_time", 1)
    assert source_sleeps.calls == [10.0]


def test_budget_taken_once_per_request_and_rate_state_observed(brainz_standin, source_sleeps):
    budget, rate = CountingBudget(), RateRecorder()
    brainz_standin.fail_next("500")
    with ListenBrainzClient(brainz_standin.url, brainz_standin.url, sleep=source_sleeps, budget=budget,
                            rate_state=rate) as client:
        client.fetch("ella_bluenote")
    assert budget.taken == 14 == hits(brainz_standin)
    assert len(rate.seen) == 14 and rate.seen[1][0] == rate.seen[2][0] + 1 and all(r[1] >= 0 for r in rate.seen)


def test_exhausted_budget_stops_before_sending(brainz_standin):
    with ListenBrainzClient(brainz_standin.url, brainz_standin.url, budget=CallBudget(limit=2)) as client:
        with pytest.raises(BudgetExhausted):
            client.fetch("grimnir")
    assert hits(brainz_standin) == 2


def test_userinfo_reads_sub_and_maps_401(brainz_standin, source_sleeps):
    tokens = brainz_standin.issue_tokens("punctuation_pete")
    assert userinfo(brainz_standin.url, tokens["access_token"]) == "punctuation_pete"
    brainz_standin.revoke("punctuation_pete")
    with pytest.raises(CredentialsRevoked) as caught:
        userinfo(brainz_standin.url, tokens["access_token"])
    assert tokens["access_token"] not in caught.value.message
    brainz_standin.fail_next("503")
    fresh = brainz_standin.issue_tokens("grimnir")["access_token"]
    assert userinfo(brainz_standin.url, fresh, sleep=source_sleeps) == "grimnir" and len(source_sleeps.calls) == 1
