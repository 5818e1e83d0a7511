"""A passkey added while signed in with a source account signs in to that same account and page."""
import re

from fido2.utils import websafe_encode

from anchor.models.passkeys import PasskeysModel, PasskeyUserModel
from tests.passkey_helpers import authenticator, register, sign_in, sign_out
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, post

TOKEN = re.compile(r'data-csrf="([^"]+)"')


def _items(app, account="spotify:nadia"):
    with app.app_context():
        item = PasskeysModel.get(f"PASSKEYS#{account}", consistent_read=True)
        mapping = PasskeyUserModel.get(f"PASSKEYUSER#{item.userHandle}", consistent_read=True)
    return item, mapping


def test_a_source_account_adds_a_passkey_and_signs_in_with_it_to_the_same_page(app, client):
    claim(client, "nadia")
    assert "Add a passkey" in client.get("/dashboard").get_data(as_text=True)
    device = authenticator(app)
    added = register(client, device, path="/dashboard")
    assert added.status_code == 200 and added.get_json() == {"redirect": "/dashboard"}
    item, mapping = _items(app)
    assert mapping.accountId == "spotify:nadia" and len(item.credentials) == 1
    assert websafe_encode(device.credentials[0].user_handle) == item.userHandle      # random, not the user id
    assert "nadia" not in item.userHandle
    assert "Passkey 1" in client.get("/dashboard").get_data(as_text=True)
    sign_out(client)
    again = sign_in(client, device)
    assert again.status_code == 200 and again.get_json()["redirect"] == "/dashboard"
    assert "anchor.band/nadia" in client.get("/dashboard").get_data(as_text=True)


def test_every_passkey_of_a_source_account_carries_its_one_user_handle(app, client):
    claim(client, "nadia")
    first, second = authenticator(app), authenticator(app)
    register(client, first, path="/dashboard")
    assert register(client, second, path="/dashboard").status_code == 200
    item, _ = _items(app)
    assert len(item.credentials) == 2
    assert first.credentials[0].user_handle == second.credentials[0].user_handle
    sign_out(client)
    assert sign_in(client, second).status_code == 200
    assert "anchor.band/nadia" in client.get("/dashboard").get_data(as_text=True)


def test_a_source_account_may_remove_its_only_passkey_which_then_signs_in_nowhere(app, client):
    claim(client, "nadia")
    device = authenticator(app)
    register(client, device, path="/dashboard")
    item, _ = _items(app)
    removed = post(client, f"/dashboard/passkeys/{item.credentials[0]['id']}/remove")
    assert removed.status_code == 303
    assert "Passkey removed" in client.get("/dashboard").get_data(as_text=True)     # the source stays a way in
    sign_out(client)
    refused = sign_in(client, device)
    assert refused.status_code == 400 and refused.get_json()["reason"] == "unknown"


def test_a_user_handle_mapped_to_an_account_that_does_not_carry_it_is_refused(app, client):
    claim(client, "nadia")
    device = authenticator(app)
    register(client, device, path="/dashboard")
    item, mapping = _items(app)
    with app.app_context():
        item.update(actions=[PasskeysModel.userHandle.set("c29tZW9uZS1lbHNl")])
    sign_out(client)
    assert sign_in(client, device).get_json()["reason"] == "unknown"


def test_a_source_account_passkey_sign_in_begun_in_one_process_is_finished_in_another(app, client, two_processes):
    claim(client, "nadia")
    device = authenticator(app)
    register(client, device, path="/dashboard")
    processes = two_processes()
    chooser = processes.a.get("/signin")
    cookie, headers = chooser.cookies["session"], {"X-CSRFToken": TOKEN.search(chooser.text).group(1)}
    begun = processes.a.post("/auth/passkey/signin/begin", cookie, headers=headers)
    cookie = begun.cookies.get("session") or cookie
    answer = device.get(begun.json()["options"])
    done = processes.b.post("/auth/passkey/signin/finish", cookie, json=answer, headers=headers)
    assert done.status_code == 200
    replay = processes.a.post("/auth/passkey/signin/finish", cookie, json=answer, headers=headers)
    assert replay.status_code == 400 and replay.json()["reason"] == "gone"
    signed_in = done.cookies.get("session") or cookie
    assert "anchor.band/nadia" in processes.a.get("/dashboard", signed_in).text


def test_a_source_account_passkey_registration_begun_in_one_process_is_finished_in_another(
        app, client, two_processes):
    claim(client, "nadia")
    processes = two_processes()
    cookie = client.get_cookie("session").value            # the same signed-in browser, now on two processes
    dashboard = processes.a.get("/dashboard", cookie)
    cookie, headers = dashboard.cookies.get("session") or cookie, {"X-CSRFToken": TOKEN.search(dashboard.text).group(1)}
    begun = processes.a.post("/auth/passkey/register/begin", cookie, headers=headers)
    cookie = begun.cookies.get("session") or cookie
    device = authenticator(app)
    answer = device.create(begun.json()["options"])
    made = processes.b.post("/auth/passkey/register/finish", cookie, json=answer, headers=headers)
    assert made.status_code == 200
    replay = processes.a.post("/auth/passkey/register/finish", cookie, json=answer, headers=headers)
    assert replay.status_code == 400 and replay.json()["reason"] == "gone"
    item, mapping = _items(app)
    assert len(item.credentials) == 1 and mapping.accountId == "spotify:nadia"
    sign_out(client)
    assert sign_in(client, device).status_code == 200
    assert "anchor.band/nadia" in client.get("/dashboard").get_data(as_text=True)


def test_deleting_the_page_sets_its_passkeys_to_expire_with_it_and_restoring_keeps_them(app, client):
    claim(client, "nadia")
    register(client, authenticator(app), path="/dashboard")
    assert post(client, "/dashboard/delete", {"confirm_handle": "nadia"}).status_code == 303
    item, mapping = _items(app)
    with app.app_context():
        from anchor.models import AccountModel
        account = AccountModel.get("ACCOUNT#spotify:nadia", consistent_read=True)
    assert account.expiresAt and item.expiresAt == account.expiresAt == mapping.expiresAt
    assert post(client, "/dashboard/restore").status_code == 303
    item, mapping = _items(app)
    assert item.expiresAt is None and mapping.expiresAt is None
