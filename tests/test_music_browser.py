"""'My music' in a browser: the owner searches MusicBrainz, picks themselves, and a visitor on a
phone sees the releases as one row of small covers."""
import pytest
from playwright.sync_api import expect

from tests.browser_flows import open_section, sign_in
from tests.test_accessibility import assert_no_blocking, run_axe

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAX_RELEASES_HEIGHT = 350


def test_search_pick_then_the_releases_on_a_phone(live_server, new_context, brainz_standin, screenshot, axe_script):
    base = live_server.url
    owner = new_context(bypass_csp=True).new_page()     # bypass: axe is injected
    sign_in(owner, base, "aiko")
    token = owner.locator('input[name="csrf_token"]').first.get_attribute("value")
    for path, form in (("/dashboard/claim", {"handle": "aiko"}), ("/dashboard/publish", {})):
        assert owner.request.post(base + path, form={**form, "csrf_token": token}, timeout=60_000).ok
    owner.goto(base + "/dashboard")
    open_section(owner, "music")
    owner.locator("#music-q").fill("Marlow Reed")
    owner.get_by_role("button", name="Search MusicBrainz").click()
    card = owner.locator("#music-card")
    expect(card).to_contain_text("US jazz drummer")
    assert_no_blocking(run_axe(owner, axe_script, "music-results"), "music-results")
    card.get_by_role("button", name="This is me: Marlow Reed (Scottish singer-songwriter)").click()
    expect(owner.locator("#music-card")).to_contain_text("Saved Marlow Reed: 6 of their albums and EPs")
    screenshot(owner, "music-01-dashboard")

    phone = new_context(viewport=PHONE, bypass_csp=True).new_page()
    phone.goto(f"{base}/aiko")
    releases = phone.locator("section.releases")
    expect(releases.locator("li.release")).to_have_count(6)
    box = releases.bounding_box()
    assert box["height"] <= MAX_RELEASES_HEIGHT, box
    cover = releases.locator("img.release-cover").first
    assert (cover.get_attribute("width"), cover.get_attribute("height"), cover.get_attribute("loading")) == \
        ("112", "112", "lazy")
    cover.scroll_into_view_if_needed()
    phone.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=cover.element_handle())
    expect(releases.get_by_role("link", name="Bandcamp")).to_have_attribute(
        "href", "https://marlowreed.bandcamp.com/album/harbour-lights")
    screenshot(phone, "music-02-phone")
    for scheme in ("light", "dark"):
        phone.emulate_media(color_scheme=scheme)
        assert_no_blocking(run_axe(phone, axe_script, f"releases-{scheme}"), f"releases-{scheme}")
