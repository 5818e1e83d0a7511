"""Art first on a phone (issue 29 item 3): an artist without a picture takes its top album's cover,
the range's total, and the "what changed" marks on the rows, as the stored page renders them."""
import re

import pytest

from anchor.models import ProfileModel
from anchor.pages import context, public_view


def artist(n, name, image=None, **counts):
    return {"id": f"ar{n}", "name": name, "url": None, "image": image, **counts}


def album(n, name, artists, image=None, **counts):
    return {"id": f"al{n}", "name": name, "url": None, "image": image, "artists": artists, "year": None, **counts}


def test_an_artist_without_a_picture_takes_the_cover_of_its_first_album_in_the_range():
    artists = [artist(1, "Juno Static"), artist(2, "Has Face", "https://i.scdn.co/face"), artist(3, "No Albums")]
    albums = [album(1, "Bare", ["juno static"]),                              # no cover: skipped
              album(2, "Second", ["Other", "Juno Static"], "https://c/2"),
              album(3, "Third", ["Juno Static"], "https://c/3"),
              album(4, "Face's", ["Has Face"], "https://c/4")]
    found = public_view.with_album_art(artists, albums)
    assert [a["image"] for a in found] == ["https://c/2", "https://i.scdn.co/face", None]
    assert artists[0]["image"] is None                                      # the rows given are not changed


def test_totals_say_plays_or_minutes_and_since_when():
    plays = [artist(1, "A", plays=1000), artist(2, "B", plays=234)]
    assert public_view.totals(plays, "month") == "1,234 plays among these 2 artists in about the last month"
    assert public_view.totals(plays, "half_year").endswith("in about the last six months")
    assert public_view.totals(plays, "all_time").endswith("of all time")
    upload = [artist(1, "A", plays=9, minutes=30, firstPlayed="2019-03-02"),
              artist(2, "B", plays=3, minutes=12, firstPlayed="2017-11-20")]
    assert public_view.totals(upload, "all_time") == "42 minutes among these 2 artists since November 2017"
    assert public_view.totals(upload, "month") == "42 minutes among these 2 artists in about the last month"
    assert public_view.totals([artist(1, "A", plays=5)], "month") == "5 plays among this artist in about the last month"


@pytest.mark.parametrize("artists", [
    [artist(1, "A"), artist(2, "B")],                          # Spotify sends no counts: no totals
    [artist(1, "A", plays=4), artist(2, "B")],                 # a total of some rows would lie
    [],
])
def test_no_totals_without_a_count_for_every_artist(artists):
    assert public_view.totals(artists, "month") is None


def test_marks_by_id():
    changes = {"new": [{"id": "a"}], "up": [{"id": "b", "was": 9, "to": 3}], "down": [{"id": "c", "was": 2, "to": 7}],
               "left": [{"id": "d", "was": 4}]}
    assert public_view.marks(changes) == {"a": {"change": "new"}, "b": {"change": "up", "by": 6},
                                          "c": {"change": "down", "by": 5}}
    assert public_view.marks(None) == {}


def test_the_page_shows_covers_for_artists_totals_and_marks(app):
    artists = [artist(n, f"Artist {n}", plays=100 - n) for n in range(1, 11)]
    albums = [album(n, f"Album {n}", [f"Artist {n}"], f"https://coverartarchive.org/release-group/{n}/front-250",
                    plays=50 - n) for n in range(1, 13)]
    log = [{"at": "2026-11-27T00:00:00Z", "changes": [
        {"kind": "artist", "id": "ar2", "name": "Artist 2", "change": "new", "to": 2},
        {"kind": "album", "id": "al5", "name": "Album 5", "change": "up", "was": 9, "to": 5},
        {"kind": "album", "id": "al7", "name": "Album 7", "change": "down", "was": 3, "to": 7}]}]
    profile = ProfileModel("USER#juno", handle="juno", ownerId="o", displayName="Juno", isPublic=True,
                           source="listenbrainz", changeLog=log,
                           listening={"source": "listenbrainz", "fetchedAt": "2026-12-01T00:00:00Z",
                                      "ranges": {"half_year": {"artists": artists, "albums": albums}}})
    with app.test_request_context():
        body = context.visitor_html(profile).decode()
    lists = body[body.index('<ol class="ranked artists"'):]
    assert 'src="https://coverartarchive.org/release-group/1/front-250" alt="" width="56"' in lists
    assert "945 plays among these 10 artists in about the last six months" in body
    assert re.search(r'<span class="mark mark-new">New</span>', lists)
    assert '<span aria-hidden="true">▲4</span><span class="sr-only">up 4 places</span>' in lists
    assert '<span aria-hidden="true">▼4</span><span class="sr-only">down 4 places</span>' in lists
    assert 'class="ranked albums"' in lists and 'width="120" height="120"' in lists
