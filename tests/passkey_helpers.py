"""Passkey ceremonies through the Flask test client, answered by the software authenticator."""
import re

from tests.soft_authenticator import SoftAuthenticator


def page_token(client, path="/signin"):
    """The CSRF token a page hands its passkey script (data-csrf)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match, f"no passkey control on {path}"
    return match.group(1)


def authenticator(app, **kwargs):
    """A software authenticator for the app's own origin."""
    return SoftAuthenticator(app.config["BASE_URL"], **kwargs)


def begin(client, ceremony, token):
    """POST the begin endpoint of `ceremony` (register | signin); the answer."""
    return client.post(f"/auth/passkey/{ceremony}/begin", headers={"X-CSRFToken": token})


def finish(client, ceremony, token, body):
    """POST the browser's answer to the finish endpoint of `ceremony`."""
    return client.post(f"/auth/passkey/{ceremony}/finish", json=body, headers={"X-CSRFToken": token})


def register(client, device, path="/signin", **answer):
    """A whole registration from `path` (the chooser, or the dashboard to add one); the finish answer."""
    token = page_token(client, path)
    options = begin(client, "register", token).get_json()["options"]
    return finish(client, "register", token, device.create(options, **answer))


def sign_in(client, device, **answer):
    """A whole sign-in from the chooser with the device's latest passkey; the finish answer."""
    token = page_token(client)
    options = begin(client, "signin", token).get_json()["options"]
    return finish(client, "signin", token, device.get(options, **answer))


def sign_out(client):
    """Sign out the way the dashboard's button does."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token.group(1)})
