"""Passkey ceremonies across processes, and the sign-in rate limits they share."""
import re

from anchor.rules import Limit
from tests.passkey_helpers import authenticator, begin, page_token
from tests.two_processes import two_processes  # noqa: F401  (fixture)

TOKEN = re.compile(r'data-csrf="([^"]+)"')


def _step(answer, cookie):
    """The session cookie after an answer (the one sent, when it set none)."""
    return answer.cookies.get("session") or cookie


def test_a_ceremony_begun_in_one_process_is_finished_in_another_and_only_once(app, two_processes):
    processes = two_processes()
    device = authenticator(app)
    chooser = processes.a.get("/signin")
    cookie, token = chooser.cookies["session"], TOKEN.search(chooser.text).group(1)
    headers = {"X-CSRFToken": token}
    begun = processes.a.post("/auth/passkey/register/begin", cookie, headers=headers)
    cookie = _step(begun, cookie)
    answer = device.create(begun.json()["options"])
    made = processes.b.post("/auth/passkey/register/finish", cookie, json=answer, headers=headers)
    assert made.status_code == 200 and made.json()["redirect"] == "/dashboard"
    replay = processes.a.post("/auth/passkey/register/finish", cookie, json=answer, headers=headers)
    assert replay.status_code == 400 and replay.json()["reason"] == "gone"      # the copied cookie
    signed_in = _step(made, cookie)
    assert "Claim your handle" in processes.a.get("/dashboard", signed_in).text

    for process in processes.all:                             # a fresh browser, sign-in the other way
        process.http.cookies.clear()
    chooser = processes.b.get("/signin")
    cookie, headers = chooser.cookies["session"], {"X-CSRFToken": TOKEN.search(chooser.text).group(1)}
    begun = processes.b.post("/auth/passkey/signin/begin", cookie, headers=headers)
    cookie = _step(begun, cookie)
    done = processes.a.post("/auth/passkey/signin/finish", cookie, json=device.get(begun.json()["options"]),
                            headers=headers)
    assert done.status_code == 200
    assert processes.b.get("/dashboard", _step(done, cookie)).status_code == 200


def test_passkey_registration_and_sign_in_are_rate_limited_like_the_other_sign_ins(make_app):
    application = make_app(RATE_LIMITS={"sign-in": Limit(2, 600)})
    client = application.test_client()
    token = page_token(client)
    assert begin(client, "register", token).status_code == 200
    assert begin(client, "signin", token).status_code == 200
    limited = begin(client, "signin", token)
    assert limited.status_code == 429 and "Too many sign-in attempts" in limited.get_data(as_text=True)
    assert client.get("/login").status_code == 429                # the same limit as Spotify's start
