"""The owner's links in a browser: added from the dashboard with HTMX, then large tap targets
above the charts on a phone, counted through /<handle>/go/<n>."""
import pytest
from playwright.sync_api import expect

from tests.browser_flows import open_section, settled, sign_in
from tests.test_accessibility import assert_no_blocking, run_axe

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LINKS = (("https://nadia.bandcamp.com/", "Records"), ("https://open.spotify.com/artist/1", ""),
         ("https://www.youtube.com/@nadia", "Videos"), ("https://mastodon.social/@nadia", ""),
         ("https://dice.fm/artist/nadia", "Shows"))


def test_owner_adds_links_and_a_phone_visitor_taps_them(live_server, new_context, axe_script):
    base = live_server.url
    owner = new_context(bypass_csp=True).new_page()
    sign_in(owner, base, "nadia")
    handle = "nadia"
    # Claim and publish as form posts (the clicks are tested elsewhere; the first fetch inside the
    # claim is slow on a busy machine), then the links through the dashboard's own form.
    token = owner.locator('input[name="csrf_token"]').first.get_attribute("value")
    for path, form in (("/dashboard/claim", {"handle": handle}), ("/dashboard/publish", {})):
        assert owner.request.post(base + path, form={**form, "csrf_token": token}, timeout=60_000).ok
    owner.goto(base + "/dashboard")
    open_section(owner, "links")
    owner.locator("#link-url").fill("javascript:alert(1)")
    owner.get_by_role("button", name="Add link").click()
    expect(owner.locator("#feedback-links")).to_contain_text("Only https:// links can be added")
    settled(owner)
    for url, label in LINKS:
        owner.locator("#link-url").fill(url)
        owner.locator("#link-label").fill(label)
        owner.get_by_role("button", name="Add link").click()
        expect(owner.locator("#feedback-links")).to_contain_text("Link added.")
        settled(owner)
    expect(owner.locator("#links li.link-item")).to_have_count(5)
    owner.locator("#links li.link-item").nth(4).get_by_role("button", name="Move up Shows").click()
    expect(owner.locator("#links li.link-item").nth(3)).to_contain_text("Shows")
    settled(owner)
    assert_no_blocking(run_axe(owner, axe_script, "dashboard-links"), "dashboard-links")

    phone = new_context(viewport=PHONE, bypass_csp=True).new_page()
    phone.goto(f"{base}/{handle}")
    tiles = phone.locator("a.owner-link")
    expect(tiles).to_have_count(5)
    expect(tiles.nth(3)).to_have_text("Shows")
    assert [tiles.nth(n).bounding_box()["height"] >= 48 for n in range(5)] == [True] * 5
    assert tiles.nth(4).bounding_box()["y"] < phone.locator("#artists-title").bounding_box()["y"]
    assert phone.locator('link[rel="me"][href="https://mastodon.social/@nadia"]').count() == 1
    print("public page height at 390 px with 5 links:", phone.evaluate("document.documentElement.scrollHeight"))
    assert_no_blocking(run_axe(phone, axe_script, "public-links"), "public-links")
    answer = phone.request.get(base + tiles.nth(3).get_attribute("href"), max_redirects=0)
    assert answer.status == 302 and answer.headers["location"] == "https://dice.fm/artist/nadia"
    owner.reload()
    expect(owner.locator("#links li.link-item").nth(3)).to_contain_text("1 click in the last 28 days")
