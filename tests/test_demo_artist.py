"""`flask seed-demo`'s artist page: a photo through the photo path to S3 (skipped with a log line
without a bucket), a short line and five recognised links, published."""
import logging

import pytest

from anchor import demo
from anchor.demo_artist import ARTIST_DEMO, LINE, seed_artist
from anchor.models import ProfileModel

BUCKET = "anchor-photos-demo-test"
HANDLE = ARTIST_DEMO[1]


@pytest.fixture
def s3(make_bucket):
    return make_bucket(BUCKET)


def seeded(app):
    with app.app_context():
        app.config["COPY_IN_BACKGROUND"] = False
        return seed_artist(demo.SIGN_INS["listenbrainz"]), ProfileModel.get(f"USER#{HANDLE}")


def test_the_artist_page_has_a_photo_a_line_and_five_links(make_app, moto_server, s3):
    app = make_app(PHOTO_BUCKET=BUCKET, PHOTO_BASE_URL=f"{moto_server}/{BUCKET}")
    outcome, profile = seeded(app)
    assert outcome == "published" and profile.isPublic and profile.source == "listenbrainz"
    assert profile.bio == LINE and profile.displayName == "Juno Static"
    assert [link["service"] for link in profile.ownerLinks] == ["bandcamp", "spotify", "youtube", "instagram",
                                                                "tickets"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    photo_keys = [k for k in keys if not k.startswith("photos/cards/")]      # share images live beside it
    assert photo_keys == [f"{profile.photo['stem']}-160.webp", f"{profile.photo['stem']}-480.webp"]
    assert [r["title"] for r in profile.releases][:2] == ["Small Hours Radio", "Headland"]
    assert len(profile.releases) == 6 and profile.musicArtist["name"] == "Juno Static"
    page = app.test_client().get(f"/{HANDLE}").get_data(as_text=True)
    assert f'<img class="head-photo" src="{moto_server}/{BUCKET}/{profile.photo["stem"]}-160.webp"' in page
    assert page.count('rel="me"') == 5 and LINE in page and "Small Hours Radio" in page
    assert 'class="changes' in page                 # a week of history, like every demo page
    assert seeded(app)[0] == "exists"


def test_without_a_bucket_the_photo_is_skipped_with_a_log_line(app, caplog):
    with caplog.at_level(logging.INFO, logger="anchor.demo"):
        outcome, profile = seeded(app)
    assert outcome == "published" and profile.photo is None and len(profile.ownerLinks) == 5
    assert any("demo photo skipped" in record.getMessage() for record in caplog.records)
    page = app.test_client().get(f"/{HANDLE}").get_data(as_text=True)
    assert '<span class="head-photo monogram" role="img" aria-label="Juno Static">JS<' in page
