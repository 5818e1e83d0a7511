"""The owner's own releases reach the copy writers (issue 28 item 4): the prompt carries their
titles and services, the validator takes them as known names, the offline writer says one fact."""
import json

from anchor.ai import data_for_prompt, validate_copy, write_copy
from anchor.ai.invented import invented_names
from anchor.ai.prompt import SYSTEM_PROMPT
from anchor.ai.validate import data_names
from anchor.models import ProfileModel
from anchor.profiles import copywriting, music
from tests.factories import make_profile, save_profiles

OWN = {"artistName": "Marlow Reed", "artistServices": ["Bandcamp"],
       "ownReleases": [{"title": "Paper Boats", "year": 2023, "services": ["SoundCloud"]},
                       {"title": "Harbour Lights", "year": 2012, "services": ["Bandcamp", "Spotify"]}]}


def listener(**extra):
    return {"handle": "marlow", "displayName": "Marlow",
            "artists": [{"id": "a1", "name": "Fela Kuti", "rank": 1}, {"id": "a2", "name": "Nina Simone", "rank": 2}],
            "albums": [{"id": "al1", "name": "Zombie", "artists": ["Fela Kuti"], "year": 1976}], **extra}


def test_the_prompt_carries_the_releases_titles_and_services_only():
    data = data_for_prompt(listener(**OWN))
    assert data["artistName"] == "Marlow Reed" and data["artistServices"] == ["Bandcamp"]
    assert data["ownReleases"][1] == {"title": "Harbour Lights", "year": 2012, "services": ["Bandcamp", "Spotify"]}
    assert "http" not in json.dumps(data)
    assert "ownReleases" in SYSTEM_PROMPT
    assert "ownReleases" not in data_for_prompt(listener())


def test_the_validator_knows_the_releases_and_refuses_an_invented_one():
    names = data_names(listener(**OWN))
    assert {"Marlow Reed", "Paper Boats", "Harbour Lights", "SoundCloud", "Spotify"} <= set(names)
    good = "The artist who made “Paper Boats” listens to Fela Kuti, and Harbour Lights is on Bandcamp."
    assert invented_names(good, names) == []
    bad = "The artist who made “Silver Meridian” listens to Fela Kuti."
    assert invented_names(bad, names) != []
    assert invented_names(good, data_names(listener())) != []     # without the releases it is invented


def test_the_offline_writer_says_one_fact_when_releases_exist():
    copy = write_copy(listener(**OWN), provider="offline")
    assert "The artist who made “Paper Boats” listens to Fela Kuti most of all." in copy.bio
    assert validate_copy(listener(**OWN), copy.bio, copy.album_lines, sparse=True) == []
    assert "made" not in write_copy(listener(), provider="offline").bio


def test_generate_gives_the_writer_the_owners_releases(app, monkeypatch):
    seen = {}

    def spy(data, previous=None, **kwargs):
        seen.update(data)
        return write_copy(data, previous, provider="offline")
    with app.app_context():
        artists = [{"id": "a1", "name": "Fela Kuti", "url": None, "image": None, "rank": 1, "plays": 9}]
        albums = [{"id": "al1", "name": "Zombie", "artists": ["Fela Kuti"], "year": 1976, "url": None,
                   "image": None, "rank": 1, "plays": 5}]
        save_profiles([make_profile(
            "marlow", listening={"source": "spotify", "ranges": {"half_year": {"artists": artists, "albums": albums}}},
            musicArtist={"mbid": "26865d0e-244c-51ef-85b1-1f01988d0284", "name": "Marlow Reed", "links": []},
            releases=[{"title": "Paper Boats", "year": 2023, "links": [
                {"service": "Bandcamp", "url": "https://m.bandcamp.com/"}]}])])
        profile = ProfileModel.get("USER#marlow")
        assert music.copy_facts(profile)["ownReleases"] == [{"title": "Paper Boats", "year": 2023,
                                                             "services": ["Bandcamp"]}]
        monkeypatch.setattr(copywriting, "write_copy", spy)
        copywriting.generate(profile, force=True)
    assert seen["artistName"] == "Marlow Reed" and seen["ownReleases"][0]["title"] == "Paper Boats"
