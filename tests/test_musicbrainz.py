"""The MusicBrainz /ws/2 client against the brainz stand-in (real JSON shapes, paging, the cap,
503s and timeouts), and the one shared gate that keeps every process to one request a second."""
import re
from types import SimpleNamespace

import pytest
import requests

from anchor.errors import BadResponse, RateLimited, SourceUnavailable, UnknownUser
from anchor.limits import ProfileCalls, hold_shared, service_gate
from anchor.limits.gate import CallBudget
from anchor.profiles import music
from anchor.sources import musicbrainz
from anchor.sources.musicbrainz import MusicBrainzClient
from devstack.musicbrainz_ws_data import ARTIST_LIST

SINGER, DRUMMER, CHOIR, NEWCOMER = ARTIST_LIST[:4]


def client(standin, **kwargs):
    kwargs.setdefault("sleep", lambda _s: None)
    return MusicBrainzClient(standin.url, standin.url, allow_loopback=True, **kwargs)


def test_user_agent_names_the_app_and_a_contact(brainz_standin):
    agent = client(brainz_standin).transport.session.headers["User-Agent"]
    assert re.fullmatch(r"Anchor\.band/[\d.]+ \( https://\S+ \)", agent)


def test_search_gives_a_short_list(brainz_standin):
    found = client(brainz_standin).search_artists("marlow reed")
    assert found == [
        {"mbid": SINGER.id, "name": "Marlow Reed", "disambiguation": "Scottish singer-songwriter",
         "country": "GB", "begin": "2009"},
        {"mbid": DRUMMER.id, "name": "Marlow Reed", "disambiguation": "US jazz drummer", "country": "US",
         "begin": "1961"}]
    assert client(brainz_standin).search_artists("The Archive Choir")[0]["disambiguation"] == ""
    assert client(brainz_standin).search_artists("nobody of that name") == []


def test_the_stand_in_speaks_the_real_shapes(brainz_standin):
    base = f"{brainz_standin.url}/ws/2"
    search = requests.get(f"{base}/artist", params={"query": "Marlow", "fmt": "json"}, timeout=5).json()
    assert {"created", "count", "offset", "artists"} <= search.keys()
    assert {"id", "score", "name", "sort-name", "life-span"} <= search["artists"][0].keys()
    lookup = requests.get(f"{base}/artist/{SINGER.id}", params={"inc": "url-rels", "fmt": "json"}, timeout=5).json()
    relation = lookup["relations"][0]
    assert relation["target-type"] == "url" and set(relation["url"]) == {"id", "resource"}
    browse = requests.get(f"{base}/release-group", params={"artist": SINGER.id, "fmt": "json"}, timeout=5).json()
    assert {"release-group-count", "release-group-offset", "release-groups"} == browse.keys()
    group = browse["release-groups"][0]
    assert {"id", "title", "first-release-date", "primary-type", "secondary-types"} <= group.keys()
    assert "relations" not in group                  # only with inc=url-rels


def test_releases_are_albums_and_eps_newest_first_with_safe_links(brainz_standin):
    releases = client(brainz_standin).releases(SINGER.id)
    assert [(r["title"], r["year"], r["type"]) for r in releases] == [
        ("Paper Boats", 2023, "Album"), ("North Window", 2020, "Album"), ("Salt & Iron", 2017, "Album"),
        ("Lanterns", 2016, "EP"), ("Low Tide", 2014, "Album"), ("Harbour Lights", 2012, "Album")]
    links = {r["title"]: r["links"] for r in releases}
    assert links["Harbour Lights"] == [
        {"service": "Bandcamp", "url": "https://marlowreed.bandcamp.com/album/harbour-lights"},
        {"service": "Spotify", "url": "https://open.spotify.com/album/4hArb0urL1ghts"}]   # javascript: dropped
    assert links["Low Tide"] == [{"service": "Deezer", "url": "https://www.deezer.com/album/1234567"}]  # http: dropped
    assert links["Salt & Iron"] == [{"service": "Apple Music", "url": "https://music.apple.com/album/salt-iron/99"}]
    assert releases[0]["cover"] == f"{brainz_standin.url}/release-group/{releases[0]['id']}/front-250"
    assert requests.get(releases[0]["cover"], timeout=5).headers["Content-Type"] == "image/png"


@pytest.mark.parametrize("resource", [
    "javascript:alert(1)", "data:text/html,hi", "http://x.bandcamp.com/", "https://u:p@x.bandcamp.com/",
    "https://bandcamp.com.evil.example/", "https://xn--bndcamp-3ya.com/", "https://open.spotify.com/" + "a" * 2100,
    "https://example.org/"])
def test_hostile_relations_give_no_link(resource):
    assert musicbrainz.listen_links([{"url": {"resource": resource}}, "junk", {"url": None}]) == []


def test_covers_only_from_the_cover_art_archive_in_production():
    real = MusicBrainzClient("https://musicbrainz.org", "https://coverartarchive.org")
    assert real._cover(SINGER.id).startswith("https://coverartarchive.org/release-group/")
    assert MusicBrainzClient("https://musicbrainz.org", "http://127.0.0.1:5056")._cover(SINGER.id) is None


def test_400_release_groups_are_read_within_the_page_budget(brainz_standin):
    brainz_standin.reset_stats()
    releases = client(brainz_standin).releases(CHOIR.id)
    assert brainz_standin.stats()["paths"] == {"/ws/2/release-group": musicbrainz.PAGE_BUDGET}
    assert len(releases) == musicbrainz.RELEASE_CAP
    years = [r["year"] for r in releases]
    assert years == sorted(years, reverse=True)


def test_an_artist_without_releases(brainz_standin):
    brainz_standin.reset_stats()
    assert client(brainz_standin).releases(NEWCOMER.id) == []
    assert brainz_standin.stats()["paths"] == {"/ws/2/release-group": 1}


def test_unknown_artist_and_bad_id(brainz_standin):
    with pytest.raises(UnknownUser):
        client(brainz_standin).artist("00000000-0000-0000-0000-000000000000")
    with pytest.raises(UnknownUser):
        client(brainz_standin).artist("../../oauth2/token")


def test_503_is_a_rate_limit_that_pauses_the_gate(brainz_standin):
    brainz_standin.fail_next("ws503", 2)
    gate = CallBudget(max_wait=0, source="MusicBrainz")
    with pytest.raises(RateLimited):
        client(brainz_standin, budget=gate).artist(SINGER.id)
    assert gate.pauses >= 1 and gate.paused_for > 0


def test_one_503_is_retried(brainz_standin):
    brainz_standin.fail_next("ws503", 1)
    assert client(brainz_standin).artist(SINGER.id)["name"] == "Marlow Reed"


def test_going_too_fast_gets_the_real_503(brainz_standin):
    brainz_standin.set_ws_rate_limit(1, 60)
    url = f"{brainz_standin.url}/ws/2/artist/{SINGER.id}?fmt=json"
    assert requests.get(url, timeout=5).status_code == 200
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 503 and "exceeding the allowable rate limit" in answer.json()["error"]


def test_timeouts_and_garbage_are_temporary_errors(brainz_standin):
    brainz_standin.fail_next("wsslow", 2, delay=1.0)
    with pytest.raises(SourceUnavailable, match="did not answer"):
        client(brainz_standin, timeout=(1, 0.2)).artist(SINGER.id)
    brainz_standin.fail_next("wsgarbage", 1)
    with pytest.raises(BadResponse):
        client(brainz_standin).releases(SINGER.id)
    brainz_standin.fail_next("ws500", 2)
    with pytest.raises(SourceUnavailable):
        client(brainz_standin).search_artists("Marlow")


def test_two_processes_share_one_bucket_and_one_pause(app):
    """Two gates (two processes on one address) take from one DynamoDB bucket: the second waits
    its turn, and a 503 one of them meets holds the other."""
    now, slept = [1000.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds
    with app.app_context():
        one, two = (service_gate(music.SPEC, SimpleNamespace(extensions={}), clock=lambda: now[0], sleep=sleep)
                    for _ in range(2))
        assert one is not two and one.bucket.key == two.bucket.key
        one.take()
        assert slept == []
        two.take()
        assert sum(slept) == pytest.approx(1.0)          # one request a second between them
        one.pause(30)
        hold_shared(two, music.SPEC)
        assert two.paused_for > 20
        with pytest.raises(RateLimited):
            ProfileCalls(two, in_pass=False, wait=False).take()
