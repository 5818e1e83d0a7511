"""A year page's card (1200×630) and story (1080×1920) with that year's covers: composed on write
(covers from a stand-in that counts requests, stored in a moto S3 bucket), never on a view;
hostile covers are placeholder tiles; the year page's og:image is its card; the dashboard offers
the story."""
import gzip
import random

import pytest

from anchor.models import ProfileModel
from anchor.models.pages import PageModel
from anchor.models.years import year_page_key
from anchor.pages import drawing, render
from anchor.profiles import lifecycle, writes, year_cards, years
from tests.factories import make_profile
from tests.test_share_images import (BUCKET, COLOURS, bucket, cover_host, good_urls, image_of,  # noqa: F401
                                     keys, near, slot_centre)  # (bucket, cover_host: fixtures)
from tests.year_data import BERLIN, make_year


@pytest.fixture
def site(make_app, moto_server, bucket):
    app = make_app(PHOTO_BUCKET=BUCKET, PHOTO_BASE_URL=f"{moto_server}/{BUCKET}")
    yield app
    render.forget_versions()


def year_with(urls, year=2020, albums=9):
    """One year whose top albums carry `urls` as covers (None past the list)."""
    data = make_year(random.Random(year), year, 2019, artists=12, albums=albums)
    for index, album in enumerate(data["albums"]):
        album["image"] = urls[index] if index < len(urls) else None
    return data


def with_years(site, found):
    with site.app_context():
        profile = make_profile("nadia", listening={"source": "upload", "ranges": {}})
        profile.save()
        return writes.write(profile, years.store(profile, found, BERLIN), bump=True)


def year_page(handle, year):
    return gzip.decompress(PageModel.get(year_page_key(handle, year), consistent_read=True).pageGz).decode()


def test_each_year_gets_a_card_and_a_story_with_its_covers_and_its_page_points_at_the_card(site, bucket,
                                                                                          cover_host):
    hostile = ["https://evil.example/a.png", "http://i.scdn.co/image/b", f"{cover_host.url}/huge.png",
               f"{cover_host.url}/page.png"]
    profile = with_years(site, {"2020": year_with(good_urls(cover_host, 5) + hostile),
                                "2021": year_with(good_urls(cover_host, 2), year=2021)})
    with site.app_context():
        assert year_cards.update(profile) == ["2020", "2021"]
        profile = ProfileModel.get("USER#nadia")
    cards = profile.years["cards"]
    assert keys(bucket) == sorted(year_cards.keys(cards))
    assert cards["2020"]["card"].startswith("photos/cards/nadia-2020-") and cards["2020"]["story"].endswith("-story.png")
    assert "/evil.example" not in str(cover_host.hits) and "/huge.png" in cover_host.hits
    card, story = image_of(bucket, cards["2020"]["card"]), image_of(bucket, cards["2020"]["story"])
    assert card.size == (1200, 630) and story.size == (1080, 1920)
    for kind, image in (("card", card), ("story", story)):
        assert all(near(image.getpixel(slot_centre(kind, n)), COLOURS[n]) for n in range(5)), kind
        for n in range(5, 9):            # hostile covers: the album's placeholder tile
            x, y = slot_centre(kind, n)
            name = profile_album(profile, "2020", n)
            assert near(image.getpixel((x - 90, y - 90)), drawing.tile_colour(name), 2), (kind, n)
    assert near(image_of(bucket, cards["2021"]["card"]).getpixel(slot_centre("card", 1)), COLOURS[1])
    html = year_page("nadia", "2020")
    assert f'property="og:image" content="{site.config["PHOTO_BASE_URL"]}/{cards["2020"]["card"]}"' in html
    cover_host.stop()                    # the cover host is down: views fetch nothing, a second update draws nothing
    hits = len(cover_host.hits)
    assert site.test_client().get("/nadia/2020").status_code == 200
    with site.app_context():
        assert year_cards.update(ProfileModel.get("USER#nadia")) == []
    assert len(cover_host.hits) == hits


def profile_album(profile, year, index):
    from anchor.models.years import read_year
    return read_year(profile.handle, year)["albums"][index]["name"]


def test_a_changed_year_replaces_its_images_a_hidden_one_loses_them_and_delete_takes_all(site, bucket,
                                                                                        cover_host):
    profile = with_years(site, {"2020": year_with(good_urls(cover_host, 3)),
                                "2021": year_with(good_urls(cover_host, 3), year=2021)})
    with site.app_context():
        year_cards.update(profile)
        old = ProfileModel.get("USER#nadia").years["cards"]
        profile = ProfileModel.get("USER#nadia")
        profile = writes.write(profile, years.store(profile, {"2020": year_with(good_urls(cover_host, 6)),
                                                              "2021": year_with(good_urls(cover_host, 3), year=2021)},
                                                    BERLIN), bump=True)
        assert year_cards.update(profile) == ["2020"]          # 2021 shows the same: not drawn again
        new = ProfileModel.get("USER#nadia").years["cards"]
        assert new["2020"]["hash"] != old["2020"]["hash"] and new["2021"] == old["2021"]
        assert keys(bucket) == sorted(year_cards.keys(new))     # the old 2020 files are deleted
        years.set_prefs(ProfileModel.get("USER#nadia"), ["2020"], False)
        assert year_cards.update(ProfileModel.get("USER#nadia")) == []
        assert sorted(ProfileModel.get("USER#nadia").years["cards"]) == ["2020"]
        assert keys(bucket) == sorted(year_cards.keys({"2020": new["2020"]}))
        lifecycle.soft_delete(ProfileModel.get("USER#nadia"), "nadia")
        assert not ProfileModel.get("USER#nadia").years.get("cards")
    assert keys(bucket) == []


def test_without_a_bucket_nothing_is_drawn_and_the_year_page_uses_the_main_card(app):
    with app.app_context():
        profile = make_profile("nadia", listening={"source": "upload", "ranges": {}})
        profile.save()
        profile = writes.write(profile, years.store(profile, {"2020": year_with([])}, BERLIN), bump=True)
        assert year_cards.update(profile) == []
    assert "/nadia/og.png" in year_page("nadia", "2020")


def test_the_dashboard_offers_each_public_years_story(site, bucket, cover_host):
    from tests.web_helpers import claim, post
    client = site.test_client()
    claim(client, "nadia")
    post(client, "/dashboard/publish", {})
    with site.app_context():
        profile = ProfileModel.get("USER#nadia")
        profile = writes.write(profile, years.store(profile, {"2020": year_with(good_urls(cover_host, 2)),
                                                              "2021": year_with([], year=2021)}, BERLIN), bump=True)
        year_cards.update(profile)
        cards = ProfileModel.get("USER#nadia").years["cards"]
    html = client.get("/dashboard").get_data(as_text=True)
    for year in ("2020", "2021"):
        assert f'href="{site.config["PHOTO_BASE_URL"]}/{cards[year]["story"]}" download="anchor-nadia-{year}-story.png"' in html
    assert "Download the 2021 story</a> · <a" in html
