"""Steps a person takes in the browser, shared by the browser and accessibility tests."""
import re

from playwright.sync_api import expect

CLAIM_WAIT_MS = 20_000      # how long a claim (first fetch + first copy) may take before the test gives up


def settled(page):
    """Wait until HTMX has no request in flight and has finished swapping (no-op without JS)."""
    # A function (not a bare expression): Playwright would eval() an expression, which the CSP forbids.
    page.wait_for_function("() => !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def sign_in(page, base, listener="nadia"):
    """Landing → "Sign in with Spotify" → sandbox consent → pick `listener` → dashboard."""
    page.goto(base + "/")
    page.get_by_role("link", name="Sign in with Spotify").click()
    page.wait_for_url(re.compile(r"/authorize\?"))
    page.locator(f'button[name="listener"][value="{listener}"]').click()
    page.wait_for_url(base + "/dashboard")


def claim(page, handle):
    """Fill the handle form and claim it; waits for the profile dashboard."""
    page.locator("#handle").fill(handle)
    page.get_by_role("button", name="Claim handle").click()
    # A claim is the first fetch and the first copy in one request: on a loaded machine, more than 5 s.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"anchor.band/{handle}", timeout=CLAIM_WAIT_MS)
    settled(page)


def write_copy(page):
    """Press "Write copy" and wait until a bio is there (the claim may have written the same)."""
    open_section(page, "about")
    page.get_by_role("button", name="Write copy").click()
    expect(page.locator("#flash")).to_contain_text(re.compile(r"New copy written\.|came out unchanged"))
    expect(page.locator("#bio-text")).not_to_have_value("")
    settled(page)


def publish(page):
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("Published. Your page is live.")
    settled(page)


def first_line_form(page):
    """The inline form of the first album line on the dashboard, its section opened."""
    section = page.locator("#items details.line-edit").first
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section.locator("form[id^='line-']")


def published_profile(page, base, listener="nadia", handle=None):
    """Sign in, claim, write copy and publish; returns the handle."""
    handle = handle or listener
    sign_in(page, base, listener)
    claim(page, handle)
    write_copy(page)
    publish(page)
    return handle


def open_section(page, key):
    """Open the dashboard's `key` section (a <details id="fold-<key>">) if it is closed."""
    fold = page.locator(f"details#fold-{key}")
    if fold.get_attribute("open") is None:
        fold.locator("> summary").click()
