"""Passkeys: an account made and signed into with one, and every bad answer the issue names refused."""
import logging
from datetime import timedelta

from anchor import clock
from anchor.models.passkeys import CeremonyModel, PasskeysModel
from anchor.profiles import passkeys
from tests.passkey_helpers import authenticator, begin, finish, page_token, register, sign_in, sign_out
from tests.web_helpers import post


def _account(app):
    """The one passkey account on the tables (there is one per test unless said)."""
    with app.app_context():
        items = [i for i in PasskeysModel.scan() if i.pk.startswith("PASSKEYS#")]
    assert len(items) == 1
    return items[0]


def test_a_passkey_makes_an_account_that_claims_a_handle_and_signs_in_again(app, client):
    device = authenticator(app)
    made = register(client, device)
    assert made.status_code == 200 and made.get_json() == {"redirect": "/dashboard"}
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Claim your handle" in dashboard and "Passkey 1" in dashboard
    claimed = post(client, "/dashboard/claim", {"handle": "keyholder"})
    assert claimed.status_code == 303
    assert "Upload your Spotify data download below" in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        from anchor.profiles import service
        profile = service.get("keyholder")
    assert profile.source == "upload" and profile.links == {} and profile.ownerId.startswith("passkey:")
    sign_out(client)
    assert client.get("/dashboard").status_code == 302
    again = sign_in(client, device)                   # no user name: the user handle names the account
    assert again.status_code == 200 and again.get_json()["redirect"] == "/dashboard"
    assert "anchor.band/keyholder" in client.get("/dashboard").get_data(as_text=True)
    record = _account(app).credentials[0]
    assert record["signCount"] == 1 and record["lastUsedAt"]


def test_a_signed_out_dashboard_visit_and_a_failed_sign_in_land_on_the_one_chooser(app, client):
    answer = client.get("/dashboard")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/signin")
    chooser = client.get("/signin").get_data(as_text=True)
    for way in ("Sign in with a passkey", "Sign in with ListenBrainz", "Sign in with Last.fm",
                "Sign in with Spotify", "Start with your Spotify data download", "Passkeys need JavaScript"):
        assert way in chooser, way
    landing = client.get("/").get_data(as_text=True)
    assert "Start with your Spotify data download" in landing and 'href="/signin#start-upload"' in landing
    failed = client.get("/auth/lastfm/callback?token=x").get_data(as_text=True)
    assert "Sign in with a passkey" in failed and "Start with your Spotify data download" in failed


def test_begin_and_finish_need_the_csrf_header(app, client):
    page_token(client)
    assert client.post("/auth/passkey/register/begin").status_code == 400
    assert client.post("/auth/passkey/signin/finish", json={}).status_code == 400


def test_a_replayed_challenge_is_refused(app, client):
    device = authenticator(app)
    token = page_token(client)
    options = begin(client, "signin", token).get_json()["options"]
    with client.session_transaction() as session:
        ceremony = session["passkey_ceremony"]
    register(client, device)
    sign_out(client)
    token = page_token(client)
    with client.session_transaction() as session:
        session["passkey_ceremony"] = ceremony
    assert finish(client, "signin", token, device.get(options)).status_code == 200
    sign_out(client)
    token = page_token(client)
    with client.session_transaction() as session:
        session["passkey_ceremony"] = ceremony           # the same challenge, answered again
    replay = finish(client, "signin", token, device.get(options))
    assert replay.status_code == 400 and "expired or was already used" in replay.get_json()["error"]


def test_an_expired_challenge_is_refused_and_nothing_is_written(app, client):
    device = authenticator(app)
    token = page_token(client)
    options = begin(client, "register", token).get_json()["options"]
    clock.freeze(clock.now() + timedelta(seconds=301))
    late = finish(client, "register", token, device.create(options))
    assert late.status_code == 400 and late.get_json()["reason"] == "gone"
    with app.app_context():
        assert not [i for i in PasskeysModel.scan() if i.pk.startswith("PASSKEYS#")]
        assert len([i for i in CeremonyModel.scan() if i.pk.startswith("CEREMONY#")]) == 1   # left to the TTL


def test_a_credential_of_another_account_is_refused(app, client):
    first, second = authenticator(app), authenticator(app)
    register(client, first)
    sign_out(client)
    register(client, second)
    sign_out(client)
    stolen = first.credentials[0]
    stolen.user_handle = second.credentials[0].user_handle     # A's key, claiming to be B's account
    answer = sign_in(client, first, credential=stolen)
    assert answer.status_code == 400 and answer.get_json()["reason"] == "unknown"
    assert client.get("/dashboard").status_code == 302


def test_a_wrong_origin_or_rp_id_is_refused(app, client):
    device = authenticator(app)
    assert register(client, device, origin="https://evil.example").get_json()["reason"] == "invalid"
    assert register(client, device, rp_id="evil.example").get_json()["reason"] == "invalid"
    assert register(client, device).status_code == 200
    sign_out(client)
    assert sign_in(client, device, origin="http://127.0.0.1:1").get_json()["reason"] == "invalid"
    assert sign_in(client, device, rp_id="evil.example").get_json()["reason"] == "invalid"
    assert client.get("/dashboard").status_code == 302


def test_malformed_attestations_and_assertions_are_refused(app, client):
    device = authenticator(app)
    token = page_token(client)
    for body in (None, {}, {"response": "x"}, {"id": "AA", "rawId": "AA", "type": "public-key",
                                              "response": {"clientDataJSON": "!!", "attestationObject": "AA"}}):
        begin(client, "register", token)
        answer = finish(client, "register", token, body)
        assert answer.status_code == 400 and answer.get_json()["reason"] == "invalid", body
    options = begin(client, "register", token).get_json()["options"]
    good = device.create(options)
    good["response"]["attestationObject"] = good["response"]["attestationObject"][:40]
    assert finish(client, "register", token, good).get_json()["reason"] == "invalid"
    assert register(client, device).status_code == 200
    sign_out(client)
    token = page_token(client)
    options = begin(client, "signin", token).get_json()["options"]
    forged = device.get(options)
    forged["response"]["signature"] = forged["response"]["signature"][::-1]
    assert finish(client, "signin", token, forged).get_json()["reason"] == "invalid"
    begin(client, "signin", token)
    assert finish(client, "signin", token, ["not", "a", "credential"]).get_json()["reason"] == "invalid"


def test_an_authenticator_that_returns_no_user_handle_is_refused(app, client):
    device = authenticator(app)
    register(client, device)
    sign_out(client)
    answer = sign_in(client, device, user_handle=None)
    assert answer.status_code == 400 and answer.get_json()["reason"] == "no-user-handle"
    assert "did not say which account" in answer.get_json()["error"]


def test_a_signature_counter_that_goes_backwards_is_refused_and_logged(app, client, caplog):
    device = authenticator(app)
    register(client, device, counter=5)
    sign_out(client)
    assert sign_in(client, device, counter=9).status_code == 200
    sign_out(client)
    with caplog.at_level(logging.WARNING, logger="anchor.passkeys"):
        answer = sign_in(client, device, counter=7)
    assert answer.status_code == 400 and answer.get_json()["reason"] == "counter"
    assert any(r.getMessage() == "passkey counter went backwards" for r in caplog.records)
    assert sign_in(client, device, counter=9).get_json()["reason"] == "counter"      # equal is a copy too
    assert _account(app).credentials[0]["signCount"] == 9


def test_passkeys_are_listed_renamed_and_never_the_last_way_in_removed(app, client):
    phone, laptop = authenticator(app), authenticator(app)
    register(client, phone)
    only = _account(app).credentials[0]["id"]
    refused = post(client, f"/dashboard/passkeys/{only}/remove")
    assert refused.status_code == 303
    assert "This is your only way in" in client.get("/dashboard").get_data(as_text=True)
    assert len(_account(app).credentials) == 1
    assert register(client, laptop, path="/dashboard").status_code == 200
    second = _account(app).credentials[1]["id"]
    post(client, f"/dashboard/passkeys/{second}/name", {"name": "Work laptop"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Work laptop" in page and "Passkey 1" in page
    post(client, f"/dashboard/passkeys/{only}/remove")
    assert [c["name"] for c in _account(app).credentials] == ["Work laptop"]
    sign_out(client)
    assert sign_in(client, phone).get_json()["reason"] == "unknown"       # removed: no way in with it
    assert sign_in(client, laptop).status_code == 200


def test_a_passkey_added_on_the_dashboard_belongs_to_the_signed_in_account(app, client):
    device = authenticator(app)
    register(client, device)
    token = page_token(client, "/dashboard")
    options = begin(client, "register", token).get_json()["options"]
    assert options["publicKey"]["excludeCredentials"]          # the first one is not made twice
    assert finish(client, "register", token, device.create(options)).status_code == 200
    assert len(_account(app).credentials) == 2


def test_the_recovery_notice_shows_once_until_dismissed_or_a_second_way_in(app, client):
    register(client, authenticator(app))
    assert "Keep a second way in" in client.get("/dashboard").get_data(as_text=True)
    post(client, "/dashboard/passkeys/notice")
    assert "Keep a second way in" not in client.get("/dashboard").get_data(as_text=True)
    assert _account(app).noticeDismissed is True
    with app.app_context():
        assert not passkeys.needs_recovery_notice(_account(app).pk.removeprefix("PASSKEYS#"), False)


def test_the_404_for_a_handle_offers_it_with_the_same_words_for_every_miss(app, client):
    answer = client.get("/nobody-here")
    assert answer.status_code == 404
    text = answer.get_data(as_text=True)
    assert "Is anchor.band/nobody-here free?" in text and 'href="/signin"' in text
    assert "free?" not in client.get("/dashboard/nothing").get_data(as_text=True)   # only a page's 404
