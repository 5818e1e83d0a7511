"""The share images: a 1200×630 card and a 1080×1920 story with covers, composed when the page is
written (covers fetched from a stand-in that counts requests, stored in a moto S3 bucket), never on
a view; a hostile cover URL is a placeholder tile, never a failed image."""
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from PIL import Image

from anchor.models import ProfileModel
from anchor.pages import drawing, share_images
from anchor.profiles import covers, lifecycle, share_cards, writes
from tests.factories import make_profile

BUCKET = "anchor-cards-test"
COLOURS = [(200, 30, 30), (30, 160, 60), (40, 60, 200), (230, 200, 20), (200, 40, 200), (20, 190, 200),
           (120, 70, 20), (250, 130, 0), (90, 90, 90)]


def png(colour, size=(300, 300), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


HUGE = png(0, (6000, 6000), mode="1")      # 36 megapixels in a few kilobytes


class CoverHost:
    """A loopback image host that counts every request: /c/<n>.png in COLOURS, and bad answers."""

    def __init__(self):
        host = self
        self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (the http.server name)
                host.hits.append(self.path)
                status, kind, body, extra = host.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass            # the client stopped reading at its byte cap

            def log_message(self, *_args):
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path):
        if path.startswith("/c/"):
            return 200, "image/png", png(COLOURS[int(path[3:-4])]), {}
        if path == "/huge.png":
            return 200, "image/png", HUGE, {}
        if path == "/page.png":
            return 200, "image/png", b"<!doctype html><p>not an image</p>", {}
        if path == "/big.png":
            return 200, "image/png", b"\x89PNG" + b"\0" * (covers.MAX_BYTES + 10), {}
        if path == "/away.png":
            return 302, "text/plain", b"", {"Location": "https://evil.example/cover.png"}
        return 404, "text/plain", b"", {}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cover_host():
    host = CoverHost()
    yield host
    host.stop()


@pytest.fixture
def bucket(make_bucket):
    return make_bucket(BUCKET)


@pytest.fixture
def site(make_app, moto_server, bucket):
    return make_app(PHOTO_BUCKET=BUCKET, PHOTO_BASE_URL=f"{moto_server}/{BUCKET}")


def keys(client):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def image_of(client, key):
    return Image.open(io.BytesIO(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())).convert("RGB")


def listening(images, artists=("Nina Simone", "Fela Kuti", "Björk", "Can", "Sade")):
    albums = [{"id": f"b{i}", "name": f"Album {i}", "artists": ["X"], "image": url} for i, url in enumerate(images)]
    return {"source": "spotify", "fetchedAt": "2026-12-01T00:00:00Z", "ranges": {"half_year": {
        "artists": [{"id": f"a{i}", "name": n, "image": None} for i, n in enumerate(artists)],
        "albums": albums}}}


def good_urls(host, count=9):
    return [f"{host.url}/c/{n}.png" for n in range(count)]


def slot_centre(kind, index):
    """The centre of cover slot `index` on the card or the story (see pages/share_images.py)."""
    if kind == "card":
        tile = 630 // 3
        return 1200 - 3 * tile + index % 3 * tile + tile // 2, index // 3 * tile + tile // 2
    tile = 1080 // 3
    return index % 3 * tile + tile // 2, 360 + index // 3 * tile + tile // 2


def near(pixel, colour, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def plain(listening_data, handle="nadia"):
    return SimpleNamespace(handle=handle, displayName="Nadia", layout=None, spotify=None,
                           listening=listening_data)


def test_card_and_story_are_exact_sizes_with_a_cover_in_every_slot():
    urls = [f"https://i.scdn.co/image/{n}" for n in range(9)]
    fetched = {url: Image.new("RGB", (300, 300), COLOURS[n]) for n, url in enumerate(urls)}
    profile = plain(listening(urls))
    for kind, size in (("card", (1200, 630)), ("story", (1080, 1920))):
        image = Image.open(io.BytesIO(getattr(share_images, kind)(profile, fetched)))
        assert image.size == size
        rgb = image.convert("RGB")
        drawn = [n for n in range(9) if near(rgb.getpixel(slot_centre(kind, n)), COLOURS[n])]
        assert drawn == list(range(9)), kind


def test_missing_covers_are_placeholder_tiles_not_blank_space():
    profile = plain(listening([None] * 6))
    rgb = Image.open(io.BytesIO(share_images.card(profile, {}))).convert("RGB")
    bg, _accent = drawing.palette("nadia")
    for n in range(6):
        x, y = slot_centre("card", n)
        corner = rgb.getpixel((x - 90, y - 90))
        assert near(corner, drawing.tile_colour(f"Album {n}"), 2) and not near(corner, bg, 2)
    for n in range(6, 9):          # the top artists fill the slots the albums leave
        x, y = slot_centre("card", n)
        assert near(rgb.getpixel((x - 90, y - 90)), drawing.tile_colour(listening([])["ranges"]["half_year"]
                                                                     ["artists"][n - 6]["name"]), 2)


@pytest.mark.parametrize("path", ["/huge.png", "/page.png", "/big.png", "/away.png", "/missing.png"])
def test_a_bad_answer_from_an_allowed_host_is_no_cover(site, cover_host, path):
    with site.app_context():
        found = covers.fetch([cover_host.url + path], site.config)
    assert found == {cover_host.url + path: None}
    assert cover_host.hits == [path]


@pytest.mark.parametrize("url", ["https://evil.example/cover.png", "http://i.scdn.co/image/abc",
                                 "https://i.scdn.co.evil.example/image/abc", "javascript:alert(1)",
                                 "https://user@i.scdn.co/image/abc", "ftp://i.scdn.co/image/abc"])
def test_a_cover_on_a_host_no_source_uses_is_never_requested(site, url):
    with site.app_context():
        assert covers.fetch([url], site.config) == {url: None}


def test_loopback_covers_only_while_a_stand_in_answers(cover_host):
    real = {"SPOTIFY_SANDBOX": False, "BRAINZ_SANDBOX": False, "LASTFM_SANDBOX": False}
    assert covers.fetch(good_urls(cover_host, 1), real) == {good_urls(cover_host, 1)[0]: None}
    assert cover_host.hits == []
    assert covers.fetch(good_urls(cover_host, 1), {**real, "LASTFM_SANDBOX": True})[good_urls(cover_host, 1)[0]]


def stored_page(site, client):
    page = client.get("/nadia").get_data(as_text=True)
    start = page.index('property="og:image" content="') + len('property="og:image" content="')
    return page, page[start:page.index('"', start)]


def test_composed_on_write_and_stored_with_covers_then_views_fetch_nothing(site, bucket, cover_host):
    hostile = ["https://evil.example/a.png", "http://i.scdn.co/image/b", f"{cover_host.url}/huge.png",
               f"{cover_host.url}/page.png"]
    with site.app_context():
        profile = make_profile("nadia", listening=listening(good_urls(cover_host, 5) + hostile))
        profile.save()
        assert share_cards.update(profile) is True
        profile = ProfileModel.get("USER#nadia")
    stored = profile.shareImages
    assert stored["covers"] == 5 and keys(bucket) == sorted([stored["card"], stored["story"]])
    assert stored["card"].startswith("photos/cards/nadia-") and stored["story"].endswith("-story.png")
    assert sorted(cover_host.hits) == sorted([f"/c/{n}.png" for n in range(5)] + ["/huge.png", "/page.png"])
    card, story = image_of(bucket, stored["card"]), image_of(bucket, stored["story"])
    assert card.size == (1200, 630) and story.size == (1080, 1920)
    for kind, image in (("card", card), ("story", story)):
        assert all(near(image.getpixel(slot_centre(kind, n)), COLOURS[n]) for n in range(5)), kind
        for n in range(5, 9):            # hostile ones: the album's placeholder tile
            x, y = slot_centre(kind, n)
            assert near(image.getpixel((x - 90, y - 90)), drawing.tile_colour(f"Album {n}"), 2), (kind, n)
    cover_host.stop()                     # the cover host is down: views still serve, and fetch nothing
    hits = len(cover_host.hits)
    visitor = site.test_client()
    page, og_image = stored_page(site, visitor)
    assert og_image == f"{site.config['PHOTO_BASE_URL']}/{stored['card']}"
    fallback = visitor.get("/nadia/og.png", follow_redirects=True)
    assert fallback.status_code == 200 and Image.open(io.BytesIO(fallback.data)).size == (1200, 630)
    assert len(cover_host.hits) == hits
    with site.app_context():
        assert share_cards.update(ProfileModel.get("USER#nadia")) is False      # nothing changed: no work


def test_a_changed_page_replaces_the_images_and_deletes_the_old_ones(site, bucket, cover_host):
    with site.app_context():
        profile = make_profile("nadia", listening=listening(good_urls(cover_host, 4)))
        profile.save()
        share_cards.update(profile)
        old = ProfileModel.get("USER#nadia").shareImages
        writes.write(profile, {"listening": listening(good_urls(cover_host, 9))})
        assert share_cards.update(profile) is True
        new = ProfileModel.get("USER#nadia").shareImages
    assert new["hash"] != old["hash"] and new["covers"] == 9
    assert keys(bucket) == sorted([new["card"], new["story"]])
    assert stored_page(site, site.test_client())[1].endswith(new["card"])


def test_deleting_the_profile_deletes_its_share_images(site, bucket, cover_host):
    with site.app_context():
        profile = make_profile("nadia", listening=listening(good_urls(cover_host, 4)))
        profile.save()
        share_cards.update(profile)
        assert len(keys(bucket)) == 2
        lifecycle.soft_delete(profile, "nadia")
    assert keys(bucket) == []


def test_without_stored_images_og_image_is_the_drawn_card_route(app):
    with app.app_context():
        make_profile("nadia", listening=listening([None] * 4)).save()
        profile = ProfileModel.get("USER#nadia")
        writes.write(profile, {"displayName": "Nadia"})
    _page, og_image = stored_page(app, app.test_client())
    assert og_image.startswith(f"{app.config['BASE_URL']}/nadia/og.png?v=")
