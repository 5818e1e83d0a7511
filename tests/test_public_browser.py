"""The public page and sharing in a browser: one flow from publishing to a visitor on a phone."""
import re

import feedparser
import pytest
from playwright.sync_api import expect

from anchor.profiles import service
from anchor.refresh import engine
from tests.browser_flows import open_section, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAX_PHONE_HEIGHT = 2600


def test_publish_share_then_a_visitor_on_a_phone(live_server, new_context, spotify_sandbox, screenshot):
    base, app = live_server.url, live_server.app
    owner = new_context().new_page()
    sign_in(owner, base, "aiko")
    handle = "aiko"
    # Claim and publish as form posts from the signed-in browser (the clicks are tested elsewhere;
    # the first fetch inside the claim is slow on a busy machine).
    token = owner.locator('input[name="csrf_token"]').first.get_attribute("value")
    for path, form in (("/dashboard/claim", {"handle": handle}), ("/dashboard/publish", {})):
        answer = owner.request.post(base + path, form={**form, "csrf_token": token}, timeout=60_000)
        assert answer.ok
    owner.goto(base + "/dashboard")

    open_section(owner, "share")                          # a closed section on the phone-sized dashboard
    share = owner.locator("#share")                       # the sharing panel, after publishing
    expect(share.locator('svg[role="img"][aria-label^="QR code for"]')).to_be_visible()
    expect(share.locator("#share-url")).to_have_value(f"{base}/{handle}")
    card = share.locator('img[src$="/card.svg"]')
    card.scroll_into_view_if_needed()
    owner.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=card.element_handle())
    screenshot(owner, "01-share-panel")

    spotify_sandbox.mutate("aiko")                       # the next refresh moves items
    with app.app_context():
        engine.refresh_profile(handle, "manual")
        shown = service.visible(service.get(handle))
    app.extensions["anchor.page_cache"].forget(handle)

    desktop = new_context(viewport={"width": 1280, "height": 800}).new_page()
    desktop.goto(f"{base}/{handle}")
    assert desktop.locator("#artists-title").bounding_box()["y"] < 800
    assert desktop.locator("ol.albums li").first.bounding_box()["y"] < 800

    for scheme in ("light", "dark"):
        phone = new_context(viewport=PHONE, color_scheme=scheme).new_page()
        phone.goto(f"{base}/{handle}")
        assert phone.locator("ol.artists li").count() == min(10, len(shown["artists"])) >= 10
        assert phone.locator("ol.albums li").count() == min(12, len(shown["albums"])) >= 12
        expect(phone.locator(".changes")).to_contain_text("What changed")
        height = phone.evaluate("document.documentElement.scrollHeight")
        print(f"public page height at 390 px ({scheme}): {height} CSS px")
        assert height <= MAX_PHONE_HEIGHT
        screenshot(phone, f"02-phone-{scheme}")

    phone.get_by_role("link", name="About a month").click()
    phone.wait_for_url(f"{base}/{handle}?range=month")
    expect(phone.get_by_role("link", name="About a month")).to_have_attribute("aria-current", "page")
    expect(phone.locator(".changes")).to_have_count(0)     # changes are about the default range
    feed = feedparser.parse(phone.request.get(f"{base}/{handle}/feed.xml").body())
    assert not feed.bozo and len(feed.entries) == 2        # the change, then the page going live
    assert phone.locator(f'link[rel="alternate"][type="application/atom+xml"][href$="/{handle}/feed.xml"]').count() == 1
