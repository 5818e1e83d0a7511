"""'My music': the owner finds their MusicBrainz artist from the dashboard, the public page shows
their releases, the worker's refresh reads them again and MusicBrainz down keeps the last ones."""
import re

import pytest

from anchor import demo
from anchor.models import ProfileModel
from anchor.refresh import engine
from devstack.musicbrainz_ws_data import ARTIST_LIST
from tests.web_helpers import claim, post

SINGER, DRUMMER, CHOIR, NEWCOMER = ARTIST_LIST[:4]


@pytest.fixture
def owner(app, brainz_standin):
    """A signed-in owner with a published page."""
    browser = app.test_client()
    claim(browser, "nadia")
    post(browser, "/dashboard/copy")
    post(browser, "/dashboard/publish")
    return browser


def item(app):
    with app.app_context():
        return ProfileModel.get("USER#nadia")


def pick(browser, artist):
    return post(browser, "/dashboard/music/pick", {"mbid": artist.id})


def test_search_pick_and_the_page_shows_the_releases(app, owner, brainz_standin):
    found = owner.get("/dashboard/music?q=Marlow+Reed").get_data(as_text=True)
    assert "Scottish singer-songwriter" in found and "US jazz drummer" in found and "GB" in found
    assert "since 2009" in found and "since 1961" in found
    assert pick(owner, SINGER).status_code == 303
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert "Saved Marlow Reed: 6 of their albums and EPs are on your page." in dashboard
    stored = item(app)
    assert stored.musicArtist["mbid"] == SINGER.id
    assert [r["title"] for r in stored.releases] == ["Paper Boats", "North Window", "Salt & Iron", "Lanterns",
                                                     "Low Tide", "Harbour Lights"]   # no single, no compilation
    page = app.test_client().get("/nadia").get_data(as_text=True)
    block = page[page.index('id="releases-title"'):]
    assert block.index("Paper Boats") < block.index("Harbour Lights")
    assert re.search(r'<img class="release-cover" src="http://127\.0\.0\.1:\d+/release-group/'
                     r'[0-9a-f-]{36}/front-250" alt="Cover of Paper Boats" width="112" height="112" '
                     r'loading="lazy">', block)
    assert '<a href="https://marlowreed.bandcamp.com/album/harbour-lights" rel="noopener">Bandcamp</a>' in block
    assert "Salt &amp; Iron" in block and "2017" in block
    assert page.index('id="releases-title"') < page.index('id="artists-title"')


def test_hostile_url_relations_never_reach_the_page(app, owner):
    pick(owner, SINGER)
    page = app.test_client().get("/nadia").get_data(as_text=True)
    for bad in ("javascript:", "http://marlowreed", "user:secret", "bandcamp.com.evil.example", "wikidata"):
        assert bad not in page
    links = {l["service"]: l["url"] for l in item(app).musicArtist["links"]}
    assert links == {"Bandcamp": "https://marlowreed.bandcamp.com/",
                     "Spotify": "https://open.spotify.com/artist/5MarlowReedXYZ"}


def test_an_artist_without_releases(app, owner):
    pick(owner, NEWCOMER)
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert "MusicBrainz lists no albums or EPs for them yet" in dashboard
    assert item(app).releases == []
    assert 'id="releases-title"' not in app.test_client().get("/nadia").get_data(as_text=True)


def test_musicbrainz_down_on_pick_changes_nothing(app, owner, brainz_standin):
    pick(owner, SINGER)
    before = item(app)
    brainz_standin.fail_next("ws500", 5)
    assert pick(owner, DRUMMER).status_code == 303
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert "MusicBrainz is not answering just now. Your page is unchanged" in dashboard
    after = item(app)
    assert after.musicArtist == before.musicArtist and after.releases == before.releases


def test_search_refusals_are_said_next_to_the_form(owner, brainz_standin):
    assert "Type your artist name" in owner.get("/dashboard/music?q=+").get_data(as_text=True)
    assert "knows no artist of that name" in owner.get("/dashboard/music?q=Nobody+Here").get_data(as_text=True)
    brainz_standin.fail_next("ws503", 5)
    assert "MusicBrainz asks us to slow down" in owner.get("/dashboard/music?q=Marlow").get_data(as_text=True)


def test_pick_refuses_what_is_not_an_mbid_and_needs_csrf(app, owner):
    post(owner, "/dashboard/music/pick", {"mbid": "javascript:alert(1)"})
    assert "Pick your artist from the search results." in owner.get("/dashboard").get_data(as_text=True)
    assert owner.post("/dashboard/music/pick", data={"mbid": SINGER.id}).status_code == 400
    assert item(app).musicArtist is None


def test_remove_takes_the_releases_off_the_page(app, owner):
    pick(owner, SINGER)
    post(owner, "/dashboard/music/remove")
    stored = item(app)
    assert stored.musicArtist is None and stored.releases is None
    assert 'id="releases-title"' not in app.test_client().get("/nadia").get_data(as_text=True)


def _due(app):
    with app.app_context():
        return engine.refresh_profile("nadia", "scheduled")


def test_the_scheduled_refresh_reads_the_releases_again(app, owner, brainz_standin):
    pick(owner, SINGER)
    with app.app_context():
        profile = ProfileModel.get("USER#nadia")
        profile.update(actions=[ProfileModel.releases.set(profile.releases[:1])])
    brainz_standin.reset_stats()
    _due(app)
    assert len(item(app).releases) == 6
    assert brainz_standin.stats()["paths"] == {**brainz_standin.stats()["paths"],
                                               "/ws/2/artist/*": 1, "/ws/2/release-group": 1}


def test_musicbrainz_down_on_refresh_keeps_the_last_releases(app, owner, brainz_standin):
    pick(owner, SINGER)
    kept = item(app).releases
    brainz_standin.fail_next("ws500", 10)
    _due(app)
    stored = item(app)
    assert stored.releases == kept
    assert "your page keeps the releases it had" in stored.musicError
    assert "your page keeps the releases it had" in owner.get("/dashboard").get_data(as_text=True)
    assert "Paper Boats" in app.test_client().get("/nadia").get_data(as_text=True)


def test_seed_demo_gives_the_artist_demo_page_its_releases(app, owner):
    with app.app_context():
        assert demo.seed_music() == "releases"
        assert demo.seed_music() == "exists"
    assert "Paper Boats" in app.test_client().get("/nadia").get_data(as_text=True)


@pytest.mark.parametrize("method, path", [("get", "/dashboard/music?q=Marlow"), ("post", "/dashboard/music/pick"),
                                          ("post", "/dashboard/music/remove")])
def test_anonymous_visitors_cannot_search_or_pick(app, brainz_standin, method, path):
    brainz_standin.reset_stats()
    answer = getattr(app.test_client(), method)(path)
    assert answer.status_code in (302, 400, 401)
    assert "/ws/2/artist" not in brainz_standin.stats()["paths"]
