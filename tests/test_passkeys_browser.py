"""Passkeys in Chromium with a virtual authenticator (the DevTools Protocol's WebAuthn domain)."""
import re

import pytest
from playwright.sync_api import expect

from anchor import clock, create_app, migrate
from tests.browser_fixtures import LiveServer, free_port

pytestmark = pytest.mark.browser
AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


@pytest.fixture
def passkey_server(make_config):
    """The app on a *.localhost origin: WebAuthn needs a domain for the RP id (never an IP
    address), and Chromium treats http://*.localhost as secure and resolves it to loopback."""
    from tests.conftest import drop_tables
    port = free_port()
    application = create_app(make_config(BASE_URL=f"http://anchor.localhost:{port}"))
    migrate.run(application.config, echo=lambda _line: None)
    server = LiveServer(application, port).start()
    server.url = application.config["BASE_URL"]
    yield server
    server.stop()
    drop_tables(application)
    clock.freeze(None)


def _authenticator(context, page, credentials=()):
    """A virtual platform authenticator in this context, holding `credentials`; (session, its id)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})["authenticatorId"]
    for credential in credentials:
        cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": credential})
    return cdp, authenticator


def test_a_passkey_account_claims_a_handle_and_signs_in_again_without_a_user_name(
        passkey_server, new_context, screenshot):
    base = passkey_server.url
    context = new_context()
    page = context.new_page()
    cdp, authenticator = _authenticator(context, page)
    page.goto(base + "/dashboard")
    page.wait_for_url(re.compile(r"/signin"))                      # the chooser, never a provider's page
    screenshot(page, "01-chooser")
    page.get_by_role("button", name="Create an account with a passkey").click()
    page.wait_for_url(base + "/dashboard")
    expect(page.get_by_role("heading", name="Claim your handle")).to_be_visible()
    expect(page.get_by_text("Keep a second way in.")).to_be_visible()
    page.locator("#handle").fill("keyholder")
    page.get_by_role("button", name="Claim handle").click()
    expect(page.get_by_role("heading", name="anchor.band/keyholder")).to_be_visible()
    screenshot(page, "02-claimed")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(base + "/")

    page.goto(base + "/signin")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(base + "/dashboard")
    expect(page.get_by_role("heading", name="anchor.band/keyholder")).to_be_visible()

    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(held) == 1 and held[0]["isResidentCredential"]
    fresh = new_context()                                           # another browser with that passkey
    other = fresh.new_page()
    _authenticator(fresh, other, held)
    other.goto(base + "/signin")
    other.get_by_role("button", name="Sign in with a passkey").click()
    other.wait_for_url(base + "/dashboard")
    expect(other.get_by_role("heading", name="anchor.band/keyholder")).to_be_visible()
    screenshot(other, "03-signed-in-elsewhere")


def test_a_cancelled_passkey_says_so_and_the_chooser_says_passkeys_need_javascript(
        passkey_server, new_context):
    base = passkey_server.url
    page = new_context().new_page()
    # The person closes the browser's passkey prompt: the browser rejects with NotAllowedError.
    page.add_init_script("navigator.credentials.get = () => Promise.reject("
                         "new DOMException('closed', 'NotAllowedError'));")
    page.goto(base + "/signin")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator(".passkey-message").first).to_contain_text("No passkey was used")
    expect(page).to_have_url(base + "/signin")
    quiet = new_context(java_script_enabled=False).new_page()
    quiet.goto(base + "/signin")
    expect(quiet.get_by_text("Passkeys need JavaScript")).to_be_visible()
    expect(quiet.get_by_role("link", name="Sign in with Last.fm")).to_be_visible()
