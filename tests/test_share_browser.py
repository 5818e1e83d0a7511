"""The public page's share button in a browser on a phone: the share sheet where there is one,
copy with a visible status otherwise, a plain link without JavaScript; no console errors."""
import pytest
from playwright.sync_api import expect

from anchor.models import ProfileModel
from anchor.profiles import writes
from tests.factories import make_profile

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
NO_SHARE = "delete Navigator.prototype.share;"
RECORD_SHARE = ("window.__shared = []; Navigator.prototype.share = function (data) {"
                " window.__shared.push(data); return Promise.resolve(); };")


@pytest.fixture
def published(live_server):
    with live_server.app.app_context():
        make_profile("nadia").save()
        writes.write(ProfileModel.get("USER#nadia"), {"displayName": "Nadia"})   # renders the stored page
    return f"{live_server.url}/nadia"


def phone(new_context, script=None, **options):
    context = new_context(viewport=PHONE, **options)
    if script:
        context.add_init_script(script)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def test_the_share_sheet_gets_the_title_and_url(published, new_context):
    page, errors = phone(new_context, RECORD_SHARE)
    page.goto(published)
    expect(page.locator(".share-link")).to_be_hidden()
    page.get_by_role("button", name="Share").click()
    assert page.evaluate("window.__shared") == [{"title": "Nadia on Anchor.band", "url": published}]
    assert errors == []


def test_without_a_share_sheet_the_link_is_copied_and_said_so(published, new_context):
    page, errors = phone(new_context, NO_SHARE, permissions=["clipboard-read", "clipboard-write"])
    page.goto(published)
    page.get_by_role("button", name="Share").click()
    expect(page.locator(".share-page [role=status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == published
    assert errors == []


def test_without_javascript_it_is_a_plain_link(published, new_context):
    page, _errors = phone(new_context, java_script_enabled=False)
    page.goto(published)
    expect(page.get_by_role("link", name="Link to this page")).to_have_attribute("href", published)
    expect(page.locator(".share-page button")).to_be_hidden()
