"""Revocable sessions: a copy of a cookie taken before sign-out (and the like) opens nothing after."""
import pytest

from anchor.models import ProfileModel, TokenModel
from tests.web_helpers import claim, csrf_token, post, sign_in


def _copy_of(client):
    """The session cookie as an attacker who copied it would replay it."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, value):
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def test_sign_out_ends_every_copy_of_the_session(app, client):
    claim(client, "nadia")
    stolen = _copy_of(client)
    assert _replay(app, stolen).get("/dashboard").status_code == 200        # the copy works now
    post(client, "/logout", {}, token=csrf_token(client))
    answer = _replay(app, stolen).get("/dashboard")
    assert answer.status_code == 302 and "/signin" in answer.headers["Location"]
    changed = _replay(app, stolen).post("/dashboard/unpublish", data={"csrf_token": "x"})
    assert changed.status_code in (302, 400) and ProfileModel.get("USER#nadia").handle == "nadia"


@pytest.mark.parametrize("path,data", [("/dashboard/disconnect", {}),
                                       ("/dashboard/delete", {"confirm_handle": "nadia"})])
def test_disconnect_and_delete_sign_other_browsers_out_but_not_this_one(app, client, path, data):
    claim(client, "nadia")
    other = app.test_client()
    sign_in(other, "nadia")                        # the owner on a second device
    stolen = _copy_of(other)
    post(client, path, data)
    assert client.get("/dashboard").status_code == 200
    assert _replay(app, stolen).get("/dashboard").status_code == 302


def test_sign_out_everywhere(app, client):
    claim(client, "nadia")
    other = app.test_client()
    sign_in(other, "nadia")
    answer = post(client, "/dashboard/sign-out-everywhere", {})
    assert answer.status_code == 303
    assert client.get("/dashboard").status_code == 302 and other.get("/dashboard").status_code == 302


def test_signing_in_again_after_sign_out_works(app, client):
    claim(client, "nadia")
    post(client, "/logout", {}, token=csrf_token(client))
    sign_in(client, "nadia")
    assert "anchor.band/nadia" in client.get("/dashboard").get_data(as_text=True)


def test_sign_out_without_a_handle_deletes_the_tokens(app, client):
    sign_in(client, "tomas")
    assert TokenModel.count("ACCOUNT#spotify:tomas") == 1
    post(client, "/logout", {}, token=csrf_token(client))
    assert TokenModel.count("ACCOUNT#spotify:tomas") == 0


def test_thirty_cancelled_sign_ins_then_a_good_one(app, client):
    for _ in range(30):
        assert client.get("/login").status_code == 302      # started, never finished
    assert len(_copy_of(client)) < 2000
    sign_in(client, "nadia")
    assert "Claim your handle" in client.get("/dashboard").get_data(as_text=True)
