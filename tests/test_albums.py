"""Pure album derivation and artist normalisation."""

import pytest

from anchor.sources.spotify_albums import derive_top_albums, normalize_artists, release_year


def album(album_id, name=None, images=None, release="2001-02-03", artists=("Band",)):
    return {"id": album_id, "name": name or album_id.upper(), "release_date": release,
            "images": images if images is not None else [{"url": f"https://i.scdn.co/{album_id}", "width": 300,
                                                           "height": 300}],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
            "artists": [{"id": n.lower(), "name": n} for n in artists]}


def track(track_id, alb):
    return {"id": track_id, "name": track_id, "album": alb}


def test_ranks_by_track_count_then_best_rank():
    a, b, c = album("a"), album("b"), album("c")
    tracks = [track("t1", c), track("t2", a), track("t3", b), track("t4", b), track("t5", a), track("t6", c),
              track("t7", c)]
    result = derive_top_albums(tracks)
    assert [(x["id"], x["trackCount"], x["bestRank"]) for x in result] == [("c", 3, 1), ("a", 2, 2), ("b", 2, 3)]


def test_output_shape():
    [result] = derive_top_albums([track("t1", album("a", release="1977-03", artists=("Kraftwerk", "Guest")))])
    assert result == {"id": "a", "name": "A", "artists": ["Kraftwerk", "Guest"], "year": 1977,
                      "image": "https://i.scdn.co/a", "url": "https://open.spotify.com/album/a",
                      "trackCount": 1, "bestRank": 1}


def test_duplicate_track_ids_count_once():
    a, b = album("a"), album("b")
    result = derive_top_albums([track("t1", a), track("t1", a), track("t1", a), track("t2", b), track("t3", b)])
    assert [(x["id"], x["trackCount"]) for x in result] == [("b", 2), ("a", 1)]


def test_missing_album_and_missing_ids_are_skipped_but_ranks_keep_positions():
    a = album("a")
    tracks = [{"id": "t0", "name": "no album"}, {"id": "t1", "album": None}, {"name": "no id", "album": a},
              track("t3", {"name": "album without id"}), "garbage", track("t5", a)]
    [result] = derive_top_albums(tracks)
    assert (result["id"], result["trackCount"], result["bestRank"]) == ("a", 1, 6)


def test_images_largest_or_none():
    sizes = [{"url": "https://i.scdn.co/small", "width": 64, "height": 64}, {"url": "https://i.scdn.co/big", "width": 640, "height": 640},
             {"url": "https://i.scdn.co/mid", "width": 300, "height": 300}]
    no_dims = [{"url": "https://i.scdn.co/only", "width": None, "height": None}]
    result = derive_top_albums([track("t1", album("a", images=sizes)), track("t2", album("b", images=[])),
                                track("t3", album("c", images=no_dims)), track("t4", {"id": "d"})])
    assert [x["image"] for x in result] == ["https://i.scdn.co/big", None, "https://i.scdn.co/only", None]
    assert result[3] == {"id": "d", "name": "", "artists": [], "year": None, "image": None, "url": None,
                         "trackCount": 1, "bestRank": 4}


def test_album_artists_fall_back_to_track_artists():
    alb = {"id": "a", "name": "A"}
    [result] = derive_top_albums([{"id": "t", "album": alb, "artists": [{"name": "Solo"}]}])
    assert result["artists"] == ["Solo"]


def test_limit():
    tracks = [track(f"t{i}", album(f"a{i}")) for i in range(20)]
    assert len(derive_top_albums(tracks)) == 12
    assert [x["id"] for x in derive_top_albums(tracks, limit=3)] == ["a0", "a1", "a2"]
    assert derive_top_albums([]) == []


def test_release_year():
    assert [release_year(v) for v in ("1999", "1999-05", "2001-01-01", "0000", "", None, "19x9", 1999)] == \
        [1999, 1999, 2001, None, None, None, None, None]


def test_normalize_artists():
    items = [{"id": "x", "name": "X", "external_urls": {"spotify": "https://open.spotify.com/artist/x"},
              "images": [{"url": "https://i.scdn.co/s", "width": 64, "height": 64},
                         {"url": "https://i.scdn.co/l", "width": 640, "height": 640}]},
             {"id": "x", "name": "X again"}, {"name": "no id"}, None, {"id": "y", "name": "Y"},
             {"id": "z", "name": "Z"}]
    result = normalize_artists(items, limit=2)
    assert result == [{"id": "x", "name": "X", "url": "https://open.spotify.com/artist/x",
                       "image": "https://i.scdn.co/l", "rank": 1},
                      {"id": "y", "name": "Y", "url": None, "image": None, "rank": 2}]
    assert normalize_artists(None) == []


@pytest.mark.parametrize("url,kept", [
    ("https://open.spotify.com/album/1", True),
    ("https://i.scdn.co/image/ab67616d0000b273", True),
    ("http://127.0.0.1:5055/images/a.png", False),          # loopback only for the sandbox
    ("https://evil.example/x.png", False),                  # https alone is not enough
    ("http://localhost:80@evil.example/", False),
    ("https://open.spotify.com@evil.example/album/1", False),
    ("https://open.spotify.com.evil.example/album/1", False),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("http://evil.example/x.png", False),
    ("https://", False),
    ("https://open.spotify.com/\nx", False),
    (None, False),
])
def test_only_safe_urls_survive(url, kept):
    from anchor.sources.spotify_albums import safe_url
    assert (safe_url(url) is not None) is kept
    assert safe_url("http://127.0.0.1:5055/images/a.png", allow_loopback=True)
    assert safe_url("http://localhost:80@evil.example/", allow_loopback=True) is None
    track = {"id": "t1", "name": "T", "album": {"id": "al", "name": "A", "external_urls": {"spotify": url},
                                                 "images": [{"url": url, "width": 300, "height": 300}]}}
    album = derive_top_albums([track])[0]
    assert album["url"] == (url if kept else None) and album["image"] == (url if kept else None)
