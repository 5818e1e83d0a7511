"""The page photo: checked by content, re-encoded without metadata at two sizes, stored in S3
(a moto server), shown in the public header; refused input and S3 down change nothing."""
import io
import re

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from PIL import ExifTags, Image

from anchor import config
from anchor.models import ProfileModel
from anchor.profiles import photos
from devstack.s3 import BUCKET as LOCAL_BUCKET, S3Standin
from tests.web_helpers import claim, csrf_token, post

BUCKET = "anchor-photos-test"


def picture(mode="RGB", size=(640, 480), fmt="JPEG", **save):
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode in ("RGB", "RGBA") else 90).save(out, fmt, **save)
    return out.getvalue()


def with_gps():
    """A JPEG carrying a camera model and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Test Camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (51.0, 30.0, 0.0)
    data = picture(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)    # the input has GPS
    return data


def animated():
    out = io.BytesIO()
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.fixture
def s3(make_bucket):
    return make_bucket(BUCKET)


def stored(client):
    """The page photo's files (the share images under photos/cards/ are tests/test_share_images.py's)."""
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
                  if not o["Key"].startswith("photos/cards/"))


@pytest.fixture
def owner(make_app, moto_server, s3):
    """A signed-in owner with a published page, on an app whose photos go to the test bucket."""
    app = make_app(PHOTO_BUCKET=BUCKET, PHOTO_BASE_URL=f"{moto_server}/{BUCKET}")
    browser = app.test_client()
    claim(browser, "nadia")
    post(browser, "/dashboard/copy")
    post(browser, "/dashboard/publish")
    return app, browser


def upload(browser, data, name="me.jpg", declared="image/jpeg"):
    """POST a photo as the dashboard form does; returns the dashboard shown after the redirect."""
    answer = browser.post("/dashboard/photo", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(browser), "photo": (io.BytesIO(data), name, declared)})
    assert answer.status_code == 303
    return browser.get("/dashboard").get_data(as_text=True)


def photo_of(app):
    with app.app_context():
        return ProfileModel.get("USER#nadia").photo


def test_prepare_strips_gps_and_exif_and_makes_two_squares():
    files = photos.prepare(with_gps())
    assert sorted(files) == [160, 480]
    for size, data in files.items():
        image = Image.open(io.BytesIO(data))
        assert (image.format, image.size, image.mode) == ("WEBP", (size, size), "RGB")
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert b"Test Camera" not in data and "exif" not in image.info


def test_cmyk_is_converted_to_rgb():
    image = Image.open(io.BytesIO(photos.prepare(picture("CMYK"))[160]))
    assert image.mode == "RGB"


@pytest.mark.parametrize("data, message", [
    (picture(fmt="GIF"), "not a JPEG, PNG or WebP image"),                 # a GIF named me.jpg
    (b"<html>not an image</html>", "not a JPEG, PNG or WebP image"),
    (picture("1", (10_000, 5_000), "PNG"), "50 megapixels"),               # 50 MP, a small file
    (picture("1", (15_000, 12_000), "PNG"), "not a JPEG, PNG or WebP"),     # past Pillow's bomb guard
    (animated(), "Animated images"),
    (picture()[:400], "damaged"),
    (b"", "Choose a photo"),
    (b"\xff\xd8" + b"\0" * (photos.MAX_BYTES + 1), "photos may be up to 10 MB"),
])
def test_bad_input_is_refused_with_a_message(data, message):
    with pytest.raises(photos.PhotoRefused, match=message):
        photos.prepare(data)


def spotify_picture(sandbox):
    """The header showing Nadia's own Spotify picture (issue 28: the source's picture without a photo)."""
    return f'<img class="head-photo" src="{sandbox.url}/images/u-nadia.png" alt="Nadia Haddad"'


def test_upload_replace_and_remove_keep_the_bucket_and_page_in_step(owner, s3, moto_server, spotify_sandbox):
    app, browser = owner
    assert spotify_picture(spotify_sandbox) in browser.get("/nadia").get_data(as_text=True)

    assert "Photo saved" in upload(browser, with_gps())
    first = photo_of(app)
    assert first["stem"].startswith("photos/nadia/")
    assert stored(s3) == [f"{first['stem']}-160.webp", f"{first['stem']}-480.webp"]
    body = s3.get_object(Bucket=BUCKET, Key=f"{first['stem']}-480.webp")["Body"].read()
    assert b"Test Camera" not in body and not Image.open(io.BytesIO(body)).getexif()
    page = browser.get("/nadia").get_data(as_text=True)
    assert (f'<img class="head-photo" src="{moto_server}/{BUCKET}/{first["stem"]}-160.webp" '
            f'srcset="{moto_server}/{BUCKET}/{first["stem"]}-160.webp 160w, ') in page
    assert re.search(r'class="head-photo"[^>]* alt="Nadia Haddad" width="96" height="96"', page)
    assert moto_server in browser.get("/nadia").headers["Content-Security-Policy"]

    assert "Photo saved" in upload(browser, picture("CMYK"), name="cmyk.jpg")    # replacing
    second = photo_of(app)
    assert second["stem"] != first["stem"]
    assert stored(s3) == [f"{second['stem']}-160.webp", f"{second['stem']}-480.webp"]    # old ones gone

    assert "Photo removed." in post(browser, "/dashboard/photo/remove", htmx=True).get_data(as_text=True)
    assert photo_of(app) is None and stored(s3) == []
    assert spotify_picture(spotify_sandbox) in browser.get("/nadia").get_data(as_text=True)


@pytest.mark.parametrize("data, name, declared", [
    (picture(fmt="GIF"), "me.png", "image/png"),          # lies about its type
    (animated(), "me.png", "image/png"),
    (picture("1", (10_000, 5_000), "PNG"), "big.png", "image/png"),
])
def test_a_refused_upload_leaves_the_page_and_bucket_as_they_were(owner, s3, data, name, declared):
    app, browser = owner
    upload(browser, picture())
    before, page = photo_of(app), browser.get("/nadia").get_data()
    answer = upload(browser, data, name, declared)
    assert 'class="feedback" id="feedback-photo-card"' in answer and "Photo saved" not in answer
    assert photo_of(app) == before and browser.get("/nadia").get_data() == page
    assert stored(s3) == [f"{before['stem']}-160.webp", f"{before['stem']}-480.webp"]


def test_s3_down_is_a_clear_message_and_nothing_changes(make_app, monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    app = make_app(PHOTO_BUCKET=BUCKET, PHOTO_BASE_URL=f"{endpoint}/{BUCKET}")
    browser = app.test_client()
    claim(browser, "nadia")
    post(browser, "/dashboard/publish")
    upload(browser, picture())
    before, page = photo_of(app), browser.get("/nadia").get_data()
    server.stop()                                          # S3 stops answering
    assert "Photo storage is not answering" in upload(browser, with_gps())
    assert photo_of(app) == before and browser.get("/nadia").get_data() == page
    answer = post(browser, "/dashboard/photo/remove", htmx=True).get_data(as_text=True)
    assert "Photo storage is not answering" in answer
    assert photo_of(app) == before and browser.get("/nadia").get_data() == page


def test_photos_off_without_a_bucket(make_app):
    browser = make_app().test_client()
    claim(browser, "nadia")
    assert "Photos are not set up on this site." in upload(browser, picture())


def test_bucket_and_base_url_go_together():
    with pytest.raises(config.ConfigError, match="ANCHOR_PHOTO_BUCKET and ANCHOR_PHOTO_BASE_URL"):
        config.TestConfig(PHOTO_BUCKET="b", PHOTO_BASE_URL=None).validate()
    config.TestConfig(PHOTO_BUCKET="b", PHOTO_BASE_URL="https://photos.example").validate()


def test_deleting_the_profile_deletes_the_photo_files(owner, s3, spotify_sandbox):
    app, browser = owner
    upload(browser, picture())
    assert len(stored(s3)) == 2
    post(browser, "/dashboard/delete", {"confirm_handle": "nadia"})
    with app.app_context():
        gone = ProfileModel.get("USER#nadia")
    assert gone.deletedAt is not None and gone.photo is None and stored(s3) == []
    post(browser, "/dashboard/restore")          # restored with the source's picture, not a broken image
    assert spotify_picture(spotify_sandbox) in browser.get("/dashboard/preview").get_data(as_text=True)


def test_the_make_run_stand_in_starts_with_the_bucket():
    standin = S3Standin().start()
    try:
        base_url = standin.create_bucket()
        assert base_url == f"{standin.endpoint}/{LOCAL_BUCKET}"
        client = boto3.client("s3", endpoint_url=standin.endpoint, region_name="us-east-1")
        client.head_bucket(Bucket=LOCAL_BUCKET)
        for key in ("photos/nadia/x-160.webp", "private/x.webp"):
            client.put_object(Bucket=LOCAL_BUCKET, Key=key, Body=b"RIFF")
        # A browser (no credentials) reads photos/ only, as the deployed bucket policy allows.
        assert requests.get(f"{base_url}/photos/nadia/x-160.webp", timeout=5).status_code == 200
        assert requests.get(f"{base_url}/private/x.webp", timeout=5).status_code == 403
    finally:
        standin.stop()
