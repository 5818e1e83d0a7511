"""Sign in with Spotify through the sandbox: PKCE, state, tokens at rest, failures."""
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from anchor import create_app
from anchor.models import ProfileModel, TokenModel
from tests.web_helpers import claim, consent, post, sign_in
from tests.factories import items


def test_login_redirect_carries_state_and_pkce(client, spotify_sandbox):
    response = client.get("/login")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["scope"] == ["user-top-read"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/auth/spotify/callback"]


def test_sign_in_after_the_process_served_pages_builds_the_oauth_clients_then(app, client):
    """Authlib loads with a process's first sign-in, after it has answered other requests."""
    assert app.extensions["anchor.oauth"] is None
    assert client.get("/robots.txt").status_code == 200
    response = client.get("/login")
    assert response.status_code == 302 and "code_challenge=" in response.headers["Location"]
    assert app.extensions["anchor.oauth"] is not None
    assert client.get("/login").status_code == 302        # the same registry, made once


def test_first_sign_in_asks_for_a_handle_then_claim_caches_data(app, client):
    response = sign_in(client, "nadia")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Claim your handle" in page

    result = post(client, "/dashboard/claim", {"handle": "Nadia"})
    assert result.status_code == 303
    profile = ProfileModel.get("USER#nadia")
    assert profile.ownerId == "spotify:nadia"
    assert len(items(profile)["albums"]) >= 8 and len(items(profile)["artists"]) >= 10
    assert profile.dataHash and profile.bio and profile.copyHash == profile.dataHash
    page = client.get("/dashboard").get_data(as_text=True)
    assert "anchor.band/nadia" in page and items(profile)["albums"][0]["name"].split("&")[0] in page


def test_second_sign_in_goes_to_dashboard_with_profile(app, client):
    claim(client, "tomas")
    post(client, "/logout")
    response = sign_in(client, "tomas")
    assert response.headers["Location"].endswith("/dashboard")
    assert "Claim your handle" not in client.get("/dashboard").get_data(as_text=True)


def test_tokens_sealed_never_in_cookie_or_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    claim(client, "aiko")
    item = TokenModel.get("ACCOUNT#spotify:aiko")
    tokens = app.extensions["anchor.vault"].open("spotify:aiko", item.blob)
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    assert access not in item.blob and refresh not in item.blob
    cookies = " ".join(c.value for c in client._cookies.values())
    from itsdangerous import base64_decode
    import zlib
    session_cookie = client.get_cookie("session").value
    payload = session_cookie.lstrip(".").split(".")[0]
    decoded = base64_decode(payload)
    raw = zlib.decompress(decoded) if session_cookie.startswith(".") else decoded
    for secret in (access, refresh):
        assert secret not in cookies and secret.encode() not in raw
        assert secret not in caplog.text


def test_denied_consent_lands_on_a_clear_page(client, spotify_sandbox):
    start = client.get("/login")
    with requests.Session() as http:
        page = http.get(start.headers["Location"], timeout=5)
        import re
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        answer = http.post(start.headers["Location"].split("?")[0], data=form | {"cancel": "1"},
                           allow_redirects=False, timeout=5)
    location = answer.headers["Location"]
    assert "error=access_denied" in location
    parts = urlsplit(location)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert b"Sign-in cancelled" in response.data


def test_wrong_or_missing_state_refused(client):
    start = client.get("/login")
    callback = consent(start.headers["Location"], "nadia")
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    bad = client.get(f"{parts.path}?code={query['code'][0]}&state=forged")
    assert bad.status_code == 400 and b"Sign-in expired" in bad.data
    missing = client.get(f"{parts.path}?code={query['code'][0]}")
    assert missing.status_code == 400


def test_reused_code_refused(client, app):
    start = client.get("/login")
    callback = consent(start.headers["Location"], "nadia")
    parts = urlsplit(callback)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    # Same code again in a new browser session that started its own sign-in with the same state.
    other = app.test_client()
    again = other.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 400
    assert b"Traceback" not in again.data


def test_spotify_outage_during_exchange(client, spotify_sandbox):
    start = client.get("/login")
    callback = consent(start.headers["Location"], "nadia")
    spotify_sandbox.fail_next("503", count=10)
    parts = urlsplit(callback)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 502
    assert b"Traceback" not in response.data
    assert b"Spotify is not answering" in response.data


@pytest.mark.parametrize("callback, failed", [
    ("/auth/spotify/callback?code=x&state=forged", "Spotify"),
    ("/auth/listenbrainz/callback?code=x&state=forged", "ListenBrainz"),
    ("/auth/lastfm/callback?n=forged&token=" + "a" * 32, "Last.fm"),
])
def test_failure_page_names_the_failed_sign_in_and_offers_all_three(client, callback, failed):
    answer = client.get(callback)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Sign-in expired" in page
    assert f"Signing in with {failed} did not finish" in page
    for start, label in (("/login/listenbrainz", "ListenBrainz"), ("/login/lastfm", "Last.fm"),
                         ("/login", "Spotify")):
        assert f'href="{start}"' in page and f"Sign in with {label}" in page


def test_failure_while_signed_in_leads_back_to_the_dashboard(client, app):
    sign_in(client, "nadia")                     # a link to ListenBrainz that fails
    page = client.get("/auth/listenbrainz/callback?code=x&state=forged").get_data(as_text=True)
    assert "Signing in with ListenBrainz did not finish" in page and 'href="/dashboard"' in page
    assert "Sign in with Spotify" not in page    # it would switch this browser to another account


def test_logout_needs_post_with_csrf(client, app):
    sign_in(client, "lena")
    assert client.get("/logout").status_code == 404  # GET never signs anyone out (the handle route)
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 400
    assert post(client, "/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_each_app_sends_sign_in_to_its_own_spotify(make_config):
    first = create_app(make_config(SPOTIFY_ACCOUNTS_URL="http://127.0.0.1:1111"))
    second = create_app(make_config(SPOTIFY_ACCOUNTS_URL="http://127.0.0.1:2222"))
    for application, url in ((first, "http://127.0.0.1:1111"), (second, "http://127.0.0.1:2222")):
        location = application.test_client().get("/login").headers["Location"]
        assert location.startswith(f"{url}/authorize?")
