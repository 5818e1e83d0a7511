"""Sharing: the dashboard's panel (only once published; link, QR code and its downloads, share card,
story image, embed snippet) and the public page's share button for every visitor."""
import html
import io
import re
from xml.etree import ElementTree

import pytest
import segno
from PIL import Image

from anchor.models import ProfileModel
from tests.web_helpers import claim, post


def test_sharing_panel_appears_after_publishing(app):
    owner = app.test_client()
    claim(owner, "nadia")
    assert 'id="share"' not in owner.get("/dashboard").get_data(as_text=True)
    post(owner, "/dashboard/publish", {})
    body = owner.get("/dashboard").get_data(as_text=True)
    base = app.config["BASE_URL"]
    assert f'id="share-url" type="text" readonly value="{base}/nadia"' in body
    qr = re.search(r'<svg role="img" aria-label="QR code for ([^"]+)"[^>]*>(.*?)</svg>', body, re.S)
    assert qr and qr.group(1) == f"{base}/nadia" and "<path" in qr.group(2)
    assert re.search(rf'href="{re.escape(base)}/nadia/og\.png\?v=\w+" download="anchor-nadia\.png"', body)
    snippet = html.unescape(re.search(r'<textarea id="share-snippet"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    assert snippet.startswith(f'<a href="{base}/nadia"><img src="{base}/nadia/card.svg" alt="')
    assert 'data-copy="share-url" hidden' in body          # shown by share.js where copying works
    assert owner.get("/nadia/card.svg").status_code == 200


def test_hostile_names_stay_escaped_in_the_snippet(app):
    owner = app.test_client()
    claim(owner, "xss-probe")
    post(owner, "/dashboard/publish", {})
    body = owner.get("/dashboard").get_data(as_text=True)
    snippet = re.search(r'<textarea id="share-snippet"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    pasted = html.unescape(snippet)                           # what the owner copies
    assert "<" not in snippet and "<script" not in pasted and "&lt;script&gt;" in pasted


def _published(app, handle="nadia"):
    owner = app.test_client()
    claim(owner, handle)
    post(owner, "/dashboard/publish", {})
    return owner


def test_qr_downloads_are_attachments_that_parse_at_the_right_size(app):
    owner = _published(app)
    url = f"{app.config['BASE_URL']}/nadia"
    modules = segno.make(url, error="m").symbol_size(scale=1, border=4)[0]
    body = owner.get("/dashboard").get_data(as_text=True)
    assert 'href="{0}/dashboard/qr.svg" download'.format(app.config["BASE_URL"]) in body
    assert 'href="{0}/dashboard/qr.png" download'.format(app.config["BASE_URL"]) in body
    svg = owner.get("/dashboard/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == 'attachment; filename="anchor-nadia-qr.svg"'
    root = ElementTree.fromstring(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == (str(modules * 10), str(modules * 10))
    png = owner.get("/dashboard/qr.png")
    assert png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == 'attachment; filename="anchor-nadia-qr.png"'
    image = Image.open(io.BytesIO(png.data))
    assert image.format == "PNG" and image.size == (modules * 10, modules * 10)
    # The dark module at the top-left finder pattern, the quiet zone around it light.
    grey = image.convert("L")
    assert grey.getpixel((4 * 10 + 5, 4 * 10 + 5)) == 0 and grey.getpixel((5, 5)) == 255


@pytest.mark.parametrize("who", ["anonymous", "unpublished owner"])
def test_qr_downloads_are_for_the_owner_of_a_published_page(app, who):
    browser = app.test_client()
    if who == "unpublished owner":
        claim(browser, "nadia")
        assert browser.get("/dashboard/qr.svg").status_code == 404
    else:
        _published(app)
        answer = browser.get("/dashboard/qr.png")
        assert answer.status_code in (302, 401) and not answer.data.startswith(b"\x89PNG")


def test_a_signed_out_visitor_gets_the_share_button(app):
    _published(app)
    visitor = app.test_client()
    page = visitor.get("/nadia").get_data(as_text=True)
    base = app.config["BASE_URL"]
    share = re.search(r'<p class="share-page small">(.*?)</p>', page, re.S).group(1)
    assert f'<a class="share-link" href="{base}/nadia">' in share           # without JavaScript: the link
    assert f'data-share-url="{base}/nadia"' in share and "hidden>Share</button>" in share
    assert 'role="status" aria-live="polite"' in share
    assert re.search(r'<script src="/static/share-button\.js\?v=\w+" defer></script>', page)
    assert "<script>" not in page and "onclick" not in page
    with visitor.get("/static/share-button.js") as answer:
        assert answer.status_code == 200
        script = answer.get_data(as_text=True)
    assert "navigator.share" in script and "navigator.clipboard.writeText" in script


def test_the_panel_links_the_stored_story_and_card_once_composed(make_app, moto_server, make_bucket):
    s3 = make_bucket("anchor-panel-test")
    app = make_app(PHOTO_BUCKET="anchor-panel-test", PHOTO_BASE_URL=f"{moto_server}/anchor-panel-test")
    owner = _published(app)          # the claim's first refresh ran the copy job, which composed them
    with app.app_context():
        stored = ProfileModel.get("USER#nadia").shareImages
    assert stored["covers"] == 9      # the Spotify stand-in's covers
    body = owner.get("/dashboard").get_data(as_text=True)
    base = f"{moto_server}/anchor-panel-test"
    assert f'href="{base}/{stored["story"]}" download="anchor-nadia-story.png"' in body
    assert f'href="{base}/{stored["card"]}" download="anchor-nadia.png"' in body
    story = s3.get_object(Bucket="anchor-panel-test", Key=stored["story"])
    assert story["ContentDisposition"] == 'attachment; filename="anchor-nadia-story.png"'
    assert Image.open(io.BytesIO(story["Body"].read())).size == (1080, 1920)
