"""Browser tests: the flows a person clicks through, in headless Chromium (JS on and off)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser_flows import (CLAIM_WAIT_MS, claim, first_line_form, open_section, publish, published_profile,
                                 settled, sign_in, write_copy)
from tests.web_helpers import claim as claim_over_http
from tests.web_helpers import post as http_post

pytestmark = pytest.mark.browser

EDITED_LINE = "Side two is the reason I still own a record player."


def _no_horizontal_overflow(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll}px wide at a {width}px viewport"


def test_sign_in_claim_edit_publish_with_htmx(live_server, new_context, screenshot):
    base = live_server.url
    page = new_context().new_page()
    page.goto(base + "/")
    screenshot(page, "01-landing")
    page.get_by_role("link", name="Sign in with Spotify").click()
    page.wait_for_url(re.compile(r"/authorize\?"))
    screenshot(page, "02-consent")
    page.locator('button[name="listener"][value="nadia"]').click()
    page.wait_for_url(base + "/dashboard")
    expect(page.get_by_role("heading", name="Claim your handle")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")

    handle_input, status = page.locator("#handle"), page.locator("#handle-status")
    expect(handle_input).to_have_value("nadia")          # suggested from the Spotify user name
    handle_input.fill("")
    handle_input.press_sequentially("ad", delay=20)
    expect(status).to_have_class(re.compile(r"\berror-text\b"))
    handle_input.press_sequentially("-nadia", delay=20)
    expect(status).to_have_text("“ad-nadia” is available.")
    screenshot(page, "03-handle-available")

    page.get_by_role("button", name="Claim handle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("anchor.band/ad-nadia", timeout=CLAIM_WAIT_MS)
    albums = page.locator("#items ol.albums > li")
    expect(albums.first).to_be_visible()
    assert albums.count() >= 3
    screenshot(page, "04-claimed")

    write_copy(page)
    line_form = first_line_form(page)
    form_id = line_form.get_attribute("id")      # a line only where it adds a fact: this one may be empty
    screenshot(page, "05-copy-written")

    line_form.locator("[name=line]").fill(EDITED_LINE)
    line_form.get_by_role("button", name=re.compile("^Save line")).click()
    edited = page.locator(f"#{form_id}")
    expect(edited.locator(".pill")).to_have_text("your words")
    expect(edited.locator("[name=line]")).to_have_value(EDITED_LINE)
    expect(page.locator("#flash")).to_contain_text("Saved.")
    assert page.evaluate("window.__marker") == "same page", "the inline edit reloaded the page"
    screenshot(page, "06-line-edited")

    publish(page)
    assert page.evaluate("window.__marker") == "same page"
    screenshot(page, "07-published")

    page.goto(f"{base}/ad-nadia")
    expect(page.get_by_text(EDITED_LINE)).to_be_visible()

    def meta(selector):
        return page.locator(f"head {selector}").get_attribute("content")
    assert meta('meta[property="og:title"]').endswith("on Anchor.band")
    assert re.fullmatch(rf"{re.escape(base)}/ad-nadia/og\.png\?v=\w+", meta('meta[property="og:image"]'))
    assert meta('meta[property="og:image:alt"]')
    assert meta('meta[name="twitter:card"]') == "summary_large_image"
    assert page.locator('head link[rel="canonical"]').get_attribute("href") == f"{base}/ad-nadia"
    og_image = page.request.get(meta('meta[property="og:image"]'))
    assert og_image.status == 200 and og_image.headers["content-type"] == "image/png"
    screenshot(page, "08-public-1280")

    page.set_viewport_size({"width": 320, "height": 700})
    _no_horizontal_overflow(page, 320)
    screenshot(page, "09-public-320")

    page.goto(base + "/dashboard")
    _no_horizontal_overflow(page, 320)
    screenshot(page, "10-dashboard-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="dark")
    screenshot(page, "11-dashboard-dark")

    dark = new_context(color_scheme="dark").new_page()
    dark.goto(f"{base}/ad-nadia")
    assert dark.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 20, 18)", background
    screenshot(dark, "12-public-dark")


def test_same_flow_without_javascript(live_server, new_context, screenshot):
    base = live_server.url
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, base, "tomas")
    expect(page.get_by_role("heading", name="Claim your handle")).to_be_visible()

    claim(page, "tomas-plain")
    assert page.url == base + "/dashboard"
    expect(page.locator("#flash")).to_contain_text("You are anchor.band/tomas-plain")
    screenshot(page, "01-claimed")

    open_section(page, "about")
    page.get_by_role("button", name="Write copy").click()
    expect(page.locator("#bio-text")).not_to_have_value("")
    line_form = first_line_form(page)
    form_id = line_form.get_attribute("id")
    line_form.locator("[name=line]").fill(EDITED_LINE)
    line_form.get_by_role("button", name=re.compile("^Save line")).click()
    page.wait_for_url(f"{base}/dashboard#{form_id}")             # back at the form that was sent
    expect(page.locator(f"#feedback-{form_id}")).to_have_text("Saved.")
    expect(page.locator(f"#{form_id} [name=line]")).to_have_value(EDITED_LINE)
    screenshot(page, "02-line-edited")

    publish(page)
    page.get_by_role("link", name="View my page").click()
    page.wait_for_url(base + "/tomas-plain")
    expect(page.get_by_text(EDITED_LINE)).to_be_visible()
    screenshot(page, "03-public")


def test_hostile_names_stay_text(live_server, new_context, screenshot):
    # bypass_csp: the CSP would stop inline script anyway; this checks that escaping alone holds.
    base = live_server.url
    context = new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    published_profile(page, base, "xss-probe")
    screenshot(page, "01-dashboard")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    expect(page.locator("#items .row-name", has_text="<script>window.__pwned=1</script>").first).to_be_visible()

    page.reload()
    assert page.evaluate("typeof window.__pwned") == "undefined"

    visitor = context.new_page()
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visitor.goto(f"{base}/xss-probe")
    expect(visitor.locator("h1")).to_contain_text("<script>window.__pwned=1</script>")
    expect(visitor.get_by_text('<iframe src=javascript:window.__pwned=1>').first).to_be_visible()
    for hovered in visitor.locator(".ranked a").all()[:8]:
        hovered.hover()
    visitor.keyboard.press("Tab")
    screenshot(visitor, "02-public")
    assert visitor.evaluate("typeof window.__pwned") == "undefined"
    assert visitor.locator("iframe, marquee, svg, script:not([src^='/static/share-button.js'])").count() == 0
    assert dialogs == []


def test_stale_edit_in_a_second_tab(live_server, new_context, screenshot):
    base = live_server.url
    context = new_context()
    tab_a = context.new_page()
    sign_in(tab_a, base, "aiko")
    claim(tab_a, "aiko")
    tab_b = context.new_page()
    tab_b.goto(base + "/dashboard")

    open_section(tab_a, "about")
    tab_a.locator("#display_name").fill("Aiko from tab A")
    tab_a.get_by_role("button", name="Save name").click()
    expect(tab_a.locator("#flash")).to_contain_text("Saved.")

    open_section(tab_b, "about")
    tab_b.locator("#display_name").fill("Aiko from tab B")
    tab_b.get_by_role("button", name="Save name").click()
    expect(tab_b.locator("#flash")).to_contain_text("changed elsewhere")
    screenshot(tab_b, "01-tab-b-refused")
    tab_b.reload()
    expect(tab_b.locator("#display_name")).to_have_value("Aiko from tab A")


def test_public_page_runs_only_its_share_script(live_server, new_context, screenshot):
    base = live_server.url
    owner = live_server.app.test_client()          # set up without the browser: it is not under test here
    claim_over_http(owner, "marcus")
    assert http_post(owner, "/dashboard/copy").status_code == 303
    assert http_post(owner, "/dashboard/publish").status_code == 303
    page = new_context().new_page()
    response = page.goto(f"{base}/marcus")
    assert response.status == 200
    scripts = page.locator("script")                  # the share button's file, nothing inline
    assert scripts.count() == 1 and scripts.first.get_attribute("src").startswith("/static/share-button.js")
    assert scripts.first.inner_text() == ""
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy
    screenshot(page, "01-public")


def test_upload_a_data_download_see_progress_then_publish(live_server, page, screenshot, tmp_path):
    from devstack.spotify_export import write_export
    base = live_server.url
    sign_in(page, base, "tomas")
    claim(page, "tomas-upload")
    export = write_export(tmp_path / "my_spotify_data.zip", plays=6000, years=2, seed=5)
    open_section(page, "upload")
    page.locator("#upload-file").set_input_files(str(export))
    # The page shows Spotify: the form says what an upload changes and asks first (issue 30).
    expect(page.locator("#upload-replace-note")).to_contain_text("instead of Spotify's")
    page.get_by_label("Yes, show this download on my page instead of Spotify").check()
    page.get_by_role("button", name="Upload", exact=True).click()
    # The request returns at once; the status polls until the import lands, then the page reloads.
    expect(page.locator("#import-status")).to_contain_text("Imported", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("your Spotify data download")
    screenshot(page, "01-imported")
    publish(page)
    page.goto(base + "/tomas-upload")
    expect(page.get_by_text("From the listener's own Spotify data download")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("Listening up to")
    expect(page.locator("h2", has_text="Top artists")).to_be_visible()
    screenshot(page, "02-public")


def test_feedback_next_to_the_control_and_unsaved_text_survives(live_server, new_context, screenshot):
    base = live_server.url
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    sign_in(page, base, "lena")
    claim(page, "lena-moves")
    # Times are shown in the viewer's zone; the UTC text stays as the tooltip.
    when = page.locator("#status time").first
    expect(when).not_to_contain_text("UTC")
    assert when.get_attribute("title").endswith("UTC")

    albums = page.locator("#items ol.albums > li")
    first_id, second_id = albums.nth(0).get_attribute("id"), albums.nth(1).get_attribute("id")
    unsaved = "Words I have not saved yet, about the second record."
    albums.nth(1).locator("summary").click()
    albums.nth(1).locator("textarea").fill(unsaved)
    albums.nth(0).get_by_role("button", name=re.compile("^Feature")).click()
    featured = page.locator(f"[id='{first_id}']")
    feedback = page.locator(f"[id='feedback-{first_id}']")
    expect(feedback).to_have_text("Updated what your page features.")
    expect(albums.nth(0)).to_have_id(first_id)                  # featuring never reorders
    expect(featured).to_contain_text("#1")
    expect(page.locator("#items ol.featured > li")).to_have_count(1)
    item_box, feedback_box = featured.bounding_box(), feedback.bounding_box()
    assert item_box["y"] <= feedback_box["y"] <= item_box["y"] + item_box["height"]
    expect(page.locator("#flash p:not(.sr-only)")).to_have_count(0)   # not (only) at the top
    expect(page.locator("#flash")).to_contain_text("Updated what your page features.")   # read out once
    settled(page)
    expect(page.locator(f"[id='{second_id}'] textarea")).to_have_value(unsaved)
    expect(page.locator(f"[id='{second_id}'] textarea")).to_be_visible()     # its section kept open
    screenshot(page, "01-moved")

    open_section(page, "about")
    page.get_by_role("button", name="Write copy").click()
    # Featuring leaves the ranked data as it was, so the copy may come out the same.
    expect(page.locator("#feedback-copy")).to_contain_text(re.compile(r"New copy written\.|came out unchanged"))
    settled(page)
    expect(page.locator(f"[id='{second_id}'] textarea")).to_have_value(unsaved)
    expect(page.locator(f"[id='feedback-{first_id}']")).to_be_empty()     # the old message is gone
    screenshot(page, "02-copy-written")
