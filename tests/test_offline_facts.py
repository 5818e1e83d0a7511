"""The offline writer says at most two things a visitor cannot see at a glance, or nothing.

Each source's data shape as its adapter normalises it (anchor/sources/base.py): Spotify has
release years and no counts, Last.fm and ListenBrainz play counts and no years, an upload
minutes, plays and the day each item was first played. Every fact a test looks for is computed
here from the data, not copied from the writer.
"""
import re
from pathlib import Path

import pytest

from anchor.ai import validate_copy
from anchor.ai import offline
from anchor.ai.offline import offline_copy, write_offline

ARTISTS = ["Fela Kuti", "Alice Coltrane", "Tony Allen", "Sade", "Nina Simone", "Khruangbin",
           "Mulatu Astatke", "Tinariwen", "Ebo Taylor", "Hailu Mergia"]
ALBUMS = [("Zombie", "Fela Kuti"), ("Journey in Satchidananda", "Alice Coltrane"), ("Film of Life", "Tony Allen"),
          ("Diamond Life", "Sade"), ("Pastel Blues", "Nina Simone"), ("Mordechai", "Khruangbin"),
          ("Mulatu of Ethiopia", "Mulatu Astatke"), ("Amassakoul", "Tinariwen"), ("Appia Kwa Bridge", "Ebo Taylor"),
          ("Lala Belu", "Hailu Mergia"), ("Expensive Shit", "Fela Kuti"), ("Gentleman", "Fela Kuti")]
YEARS = [1976, 1971, 2014, 1984, 1966, 2020, 1972, 2004, 1980, 2018, 1975, 1973]
PLAYS = [412, 301, 250, 198, 150, 122, 90, 71, 60, 41]
ALBUM_PLAYS = [220, 130, 96, 80, 74, 60, 51, 40, 33, 30, 25, 20]
BANNED = re.compile(r"on this page|oldest of all|is on the list|track|\bhas \d+ artists|rank order|"
                    r"in rank order|written from the data", re.I)


def artist(i, **counts):
    return {"id": f"a{i}", "name": ARTISTS[i], "url": None, "image": None, "rank": i + 1, **counts}


def album(i, **fields):
    name, by = ALBUMS[i]
    return {"id": f"al{i}", "name": name, "artists": [by], "url": None, "image": None, "rank": i + 1, **fields}


def spotify():
    return {"handle": "nadia", "displayName": "Nadia K.", "range": "half_year",
            "artists": [artist(i, plays=None) for i in range(10)],
            "albums": [album(i, year=YEARS[i], plays=None, trackCount=12 - i, bestRank=i + 1) for i in range(12)]}


def counted(source):
    return {"handle": source, "displayName": None, "range": "half_year",
            "artists": [artist(i, plays=PLAYS[i]) for i in range(10)],
            "albums": [album(i, year=None, plays=ALBUM_PLAYS[i]) for i in range(12)]}


def upload():
    data = counted("upload")
    data["range"] = "all_time"
    for i, item in enumerate(data["artists"]):
        item.update(minutes=PLAYS[i] * 3 + (7 if i == 1 else 0), firstPlayed=f"{2011 + i}-03-0{i % 9 + 1}")
    for i, item in enumerate(data["albums"]):
        item.update(minutes=ALBUM_PLAYS[i] * 4, firstPlayed="2015-01-01")
    return data


SHAPES = {"spotify": spotify, "lastfm": lambda: counted("lastfm"),
          "listenbrainz": lambda: counted("listenbrainz"), "upload": upload}


def sentences(text):
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


def tenths_words(part, total):
    """The share as the copy states it, computed here from the counts."""
    tenths = round(part * 10 / total)
    if tenths >= 10:
        return "nearly all"
    if tenths == 5:
        return "half"
    return ["", "one", "two", "three", "four", "", "six", "seven", "eight", "nine"][tenths] + " of every ten"


@pytest.mark.parametrize("source", SHAPES)
def test_bio_is_at_most_two_sentences_with_a_fact_from_the_data(source):
    data = SHAPES[source]()
    bio, lines = write_offline(data)
    assert 1 <= len(sentences(bio)) <= 2, bio
    assert not BANNED.search(bio) and not any(BANNED.search(line) for line in lines.values())
    assert validate_copy(data, bio, lines, sparse=True) == []
    if source == "spotify":       # no counts: no share, but the span of release years
        assert "plays" not in bio and "minutes" not in bio
        assert str(min(YEARS)) in bio and str(max(YEARS)) in bio
    else:
        unit = "minutes" if source == "upload" else "plays"
        counts = [a[unit] for a in data["artists"]]
        top = data["artists"][counts.index(max(counts))]["name"]
        assert top in bio and unit in bio
        assert tenths_words(max(counts), sum(counts)) in bio.lower()


def test_an_upload_tells_when_the_top_artist_was_first_played():
    data = upload()
    bio, _ = write_offline(data)
    top = max(data["artists"], key=lambda a: a["minutes"])
    assert f"{top['name']} in this history goes back to {top['firstPlayed'][:4]}" in bio


@pytest.mark.parametrize("source", SHAPES)
def test_album_lines_only_with_a_fact_the_row_does_not_show(source):
    data = SHAPES[source]()
    _, lines = write_offline(data)
    if source == "spotify":       # the row shows the year; tracks are not on the page
        assert lines == {}
        return
    unit = "minutes" if source == "upload" else "plays"
    counts = [a[unit] for a in data["albums"]]
    top = data["albums"][counts.index(max(counts))]
    assert list(lines) == [top["id"]]
    assert lines[top["id"]].lower().startswith(tenths_words(max(counts), sum(counts)))


def test_changes_since_the_last_refresh_go_into_the_bio_and_the_album_lines():
    data = spotify()
    data["changes"] = {"new": [{"kind": "album", "id": "al5", "name": "Mordechai", "to": 6}],
                       "up": [{"kind": "album", "id": "al2", "name": "Film of Life", "was": 9, "to": 3},
                              {"kind": "artist", "id": "a3", "name": "Sade", "was": 8, "to": 4}]}
    bio, lines = write_offline(data)
    assert len(sentences(bio)) == 2 and "“Mordechai”" in bio and "new in the top" in bio.lower()
    assert lines == {"al5": "New in the top since the last refresh, straight in at 6th place.",
                     "al2": "Up from 9th to 3rd place since the last refresh."}
    assert validate_copy(data, bio, lines, sparse=True) == []
    data["changes"] = {"new": [], "up": data["changes"]["up"]}
    bio, _ = write_offline(data)
    assert "“Film of Life” climbed from 9th to 3rd place since the last refresh." in bio


def test_nothing_to_say_is_no_bio_and_no_lines():
    data = spotify()
    for item in data["albums"]:
        item["year"] = 1999
    copy = offline_copy(data)
    assert (copy.bio, copy.album_lines) == ("", {})
    one_artist = counted("lastfm")
    one_artist["artists"], one_artist["albums"] = one_artist["artists"][:1], []
    assert write_offline(one_artist) == ("", {})


def test_the_writer_never_mentions_tracks():
    source = Path(offline.__file__).read_text(encoding="utf-8")
    assert "track" not in source.lower()
