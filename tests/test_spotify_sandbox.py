"""The Spotify sandbox over real HTTP: OAuth with PKCE, Web API shapes, images, control surface."""

import re
import time

import pytest
import requests

from devstack.spotify_sandbox import SpotifySandbox
from devstack.spotify_data import HANDLE_RE, demo_listener_ids, get_listener
from tests.spotify_fixtures import REDIRECT_URI, authorize_params, pkce_pair, sign_in


def token(sandbox, auth=True, **form):
    credentials = (sandbox.client_id, sandbox.client_secret) if auth else None
    return requests.post(f"{sandbox.url}/api/token", data=form, auth=credentials, timeout=5)


def code_grant(sandbox, signed, **overrides):
    form = {"grant_type": "authorization_code", "code": signed["code"], "redirect_uri": signed["redirect_uri"],
            "code_verifier": signed["verifier"]}
    return token(sandbox, **(form | overrides))


def api(sandbox, path, access_token, **params):
    return requests.get(f"{sandbox.url}{path}", params=params, timeout=5,
                        headers={"Authorization": f"Bearer {access_token}"})


def test_consent_page_lists_listeners_and_escapes(spotify_sandbox):
    _, challenge = pkce_pair()
    params = authorize_params(spotify_sandbox, challenge, state='"><script>x</script>')
    page = requests.get(f"{spotify_sandbox.url}/authorize", params=params, timeout=5)
    assert page.status_code == 200
    assert "Demo Spotify — choose a listener" in page.text
    for listener in ("nadia", "tomas", "aiko", "marcus", "lena", "ifeoma", "xss-probe", "listener-00003"):
        assert f'name="listener" value="{listener}"' in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'name="cancel"' in page.text


@pytest.mark.parametrize("change, fragment", [
    ({"client_id": "someone-else"}, "Invalid client id"),
    ({"response_type": "token"}, "response_type"),
    ({"code_challenge_method": "plain"}, "S256"),
    ({"code_challenge": ""}, "S256"),
    ({"redirect_uri": "http://localhost:5000/cb"}, "Insecure redirect URI"),
    ({"redirect_uri": "<script>"}, "Invalid redirect URI"),
])
def test_authorize_rejects_bad_requests(spotify_sandbox, change, fragment):
    params = authorize_params(spotify_sandbox, pkce_pair()[1]) | change
    page = requests.get(f"{spotify_sandbox.url}/authorize", params=params, timeout=5)
    assert page.status_code == 400 and fragment in page.text
    assert page.headers["Content-Type"].startswith("text/html")


def test_cancel_redirects_with_access_denied(spotify_sandbox):
    params = authorize_params(spotify_sandbox, pkce_pair()[1], redirect_uri=REDIRECT_URI + "?x=1")
    answer = requests.post(f"{spotify_sandbox.url}/authorize", data=params | {"cancel": "1"},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert answer.headers["Location"] == REDIRECT_URI + "?x=1&error=access_denied&state=st4te"


def test_full_pkce_flow_then_code_reuse_rejected(spotify_sandbox):
    signed = sign_in(spotify_sandbox, "lena")
    assert signed["location"].startswith(REDIRECT_URI + "?code=") and signed["state"] == "st4te"
    answer = code_grant(spotify_sandbox, signed)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "scope", "expires_in", "refresh_token"}
    assert (body["token_type"], body["scope"], body["expires_in"]) == ("Bearer", "user-top-read", 3600)
    assert api(spotify_sandbox, "/v1/me", body["access_token"]).json()["id"] == "lena"
    reuse = code_grant(spotify_sandbox, signed)
    assert reuse.status_code == 400
    assert reuse.json() == {"error": "invalid_grant", "error_description": "Invalid authorization code"}


def test_public_client_pkce_without_secret(spotify_sandbox):
    signed = sign_in(spotify_sandbox)
    answer = code_grant(spotify_sandbox, signed, auth=False, client_id=spotify_sandbox.client_id)
    assert answer.status_code == 200


def test_wrong_verifier_and_wrong_redirect_rejected(spotify_sandbox):
    signed = sign_in(spotify_sandbox)
    assert code_grant(spotify_sandbox, signed, code_verifier="x" * 50).json()["error"] == "invalid_grant"
    signed = sign_in(spotify_sandbox)
    wrong = code_grant(spotify_sandbox, signed, redirect_uri=REDIRECT_URI + "/")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_wrong_client_credentials(spotify_sandbox):
    signed = sign_in(spotify_sandbox)
    answer = requests.post(f"{spotify_sandbox.url}/api/token", auth=(spotify_sandbox.client_id, "nope"), timeout=5,
                           data={"grant_type": "authorization_code", "code": signed["code"],
                                 "redirect_uri": REDIRECT_URI, "code_verifier": signed["verifier"]})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"
    body_auth = token(spotify_sandbox, auth=False, client_id="x", client_secret="y", grant_type="refresh_token")
    assert body_auth.json()["error"] == "invalid_client"


def test_refresh_without_and_with_rotation(spotify_sandbox, spotify_tokens):
    refresh = spotify_tokens("marcus")["refresh_token"]
    plain = token(spotify_sandbox, grant_type="refresh_token", refresh_token=refresh).json()
    assert "refresh_token" not in plain and plain["access_token"]
    spotify_sandbox.set_rotation(True)
    rotated = token(spotify_sandbox, grant_type="refresh_token", refresh_token=refresh).json()
    assert rotated["refresh_token"] != refresh
    old = token(spotify_sandbox, grant_type="refresh_token", refresh_token=refresh)
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"


def test_me_has_no_email_or_followers(spotify_sandbox, spotify_tokens):
    me = api(spotify_sandbox, "/v1/me", spotify_tokens("tomas")["access_token"]).json()
    assert {"id", "display_name", "type", "uri", "external_urls", "images", "href"} <= set(me)
    assert "email" not in me and "followers" not in me
    assert (me["id"], me["display_name"], me["type"]) == ("tomas", "Tomás Ferreira", "user")


def test_top_items_shapes_and_paging(spotify_sandbox, spotify_tokens):
    access = spotify_tokens("aiko")["access_token"]
    page = api(spotify_sandbox, "/v1/me/top/artists", access, limit=5, offset=5).json()
    assert set(page) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert (page["limit"], page["offset"], len(page["items"])) == (5, 5, 5)
    assert "offset=10" in page["next"] and "offset=0" in page["previous"]
    artist = page["items"][0]
    assert {"genres", "popularity", "followers"}.isdisjoint(artist)
    assert artist["type"] == "artist" and artist["uri"] == f"spotify:artist:{artist['id']}"
    assert artist["images"][0]["url"].startswith(spotify_sandbox.url + "/images/")
    tracks = api(spotify_sandbox, "/v1/me/top/tracks", access, limit=50).json()
    assert tracks["next"] is None and 30 <= tracks["total"] == len(tracks["items"]) <= 50
    album = tracks["items"][0]["album"]
    assert {"id", "name", "album_type", "release_date", "release_date_precision", "images", "external_urls",
            "artists", "uri", "total_tracks"} <= set(album)
    assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", album["release_date"])


def test_time_ranges_differ(spotify_sandbox, spotify_tokens):
    access = spotify_tokens("ifeoma")["access_token"]
    orders = {tr: [t["id"] for t in api(spotify_sandbox, "/v1/me/top/tracks", access, limit=50,
                                        time_range=tr).json()["items"]]
              for tr in ("short_term", "medium_term", "long_term")}
    assert len({tuple(v) for v in orders.values()}) == 3
    assert all(sorted(v) == sorted(orders["medium_term"]) for v in orders.values())


@pytest.mark.parametrize("params, message", [({"limit": 0}, "Invalid limit"), ({"limit": 51}, "Invalid limit"),
                                             ({"limit": "x"}, "Invalid limit"),
                                             ({"time_range": "forever"}, "Invalid time range")])
def test_bad_query_parameters(spotify_sandbox, spotify_tokens, params, message):
    answer = api(spotify_sandbox, "/v1/me/top/tracks", spotify_tokens("nadia")["access_token"], **params)
    assert answer.status_code == 400 and answer.json() == {"error": {"status": 400, "message": message}}


def test_bad_and_expired_tokens(spotify_sandbox, spotify_tokens):
    assert api(spotify_sandbox, "/v1/me", "nope").json() == {"error": {"status": 401,
                                                                        "message": "Invalid access token"}}
    access = spotify_tokens("nadia")["access_token"]
    spotify_sandbox.expire_access_tokens("nadia")
    expired = api(spotify_sandbox, "/v1/me", access)
    assert expired.status_code == 401 and expired.json()["error"]["message"] == "The access token expired"
    assert requests.get(f"{spotify_sandbox.url}/v1/me", timeout=5).status_code == 401


def test_images_are_deterministic_pngs(spotify_sandbox):
    first = requests.get(f"{spotify_sandbox.url}/images/al-abc.png", timeout=5)
    again = requests.get(f"{spotify_sandbox.url}/images/al-abc.png", timeout=5)
    small = requests.get(f"{spotify_sandbox.url}/images/al-abc-64.png", timeout=5)
    assert first.headers["Content-Type"] == "image/png" and first.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.content == again.content and small.content != first.content
    assert requests.get(f"{spotify_sandbox.url}/images/../x.png", timeout=5).status_code == 404


def test_listener_ids_are_valid_handles():
    ids = demo_listener_ids(generated=30)
    assert len(ids) == 37 and all(HANDLE_RE.match(i) for i in ids)
    assert get_listener("listener-00031", generated=30) is None
    for listener_id in ids[:6]:
        listener = get_listener(listener_id)
        assert 15 <= len(listener.artists) <= 30 and 30 <= len(listener.tracks) <= 50
        years = {int(t.album.release_date[:4]) for t in listener.tracks}
        assert max(years) - min(years) >= 20


def test_generated_listeners_are_deterministic_and_typed_field_when_many():
    assert get_listener("listener-00007", 10) == get_listener("listener-00007", 10)
    with SpotifySandbox(generated=25).start() as sandbox:
        page = requests.get(f"{sandbox.url}/authorize", params=authorize_params(sandbox, "c" * 43), timeout=5)
        assert 'name="listener" required' in page.text and 'value="listener-00001"' not in page.text
        signed = sign_in(sandbox, "listener-00025")
        access = code_grant(sandbox, signed).json()["access_token"]
        assert api(sandbox, "/v1/me", access).json()["id"] == "listener-00025"


def test_http_control_surface(spotify_sandbox, spotify_tokens):
    control = f"{spotify_sandbox.url}/_control"
    assert requests.post(f"{control}/fail_next", json={"kind": "503", "count": 2}, timeout=5).json() == {"ok": True}
    access = spotify_tokens("nadia")["access_token"]
    assert [api(spotify_sandbox, "/v1/me", access).status_code for _ in range(3)] == [503, 503, 200]
    assert requests.post(f"{control}/fail_next", json={"kind": "boom"}, timeout=5).status_code == 400
    assert requests.post(f"{control}/nope", json={}, timeout=5).status_code == 404
    issued = requests.post(f"{control}/issue_tokens", json={"listener_id": "lena"}, timeout=5).json()
    assert api(spotify_sandbox, "/v1/me", issued["access_token"]).json()["id"] == "lena"
    stats = requests.get(f"{control}/stats", timeout=5).json()
    assert stats["paths"]["/v1/me"] == 4 and stats["requests"] == 4
    requests.post(f"{control}/reset_stats", json={}, timeout=5)
    assert requests.get(f"{control}/stats", timeout=5).json()["requests"] == 0


def test_rate_limit_window(spotify_sandbox, spotify_tokens):
    access = spotify_tokens("nadia")["access_token"]
    spotify_sandbox.set_rate_limit(3, 60)
    answers = [api(spotify_sandbox, "/v1/me", access) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 55 <= int(answers[3].headers["Retry-After"]) <= 60
    assert spotify_sandbox.stats()["status_429"] == 1
    spotify_sandbox.set_rate_limit(2, 0.2)
    assert [api(spotify_sandbox, "/v1/me", access).status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(0.25)
    assert api(spotify_sandbox, "/v1/me", access).status_code == 200


def test_refresh_tokens_survive_a_restart_with_a_state_file(tmp_path):
    """`make run` keeps the sandbox's refresh tokens under .data/, as Spotify keeps grants."""
    import requests as http
    from devstack.spotify_sandbox import SpotifySandbox
    state = tmp_path / "tokens.json"
    with SpotifySandbox(state_file=str(state)) as first:
        issued = first.issue_tokens("nadia")
    with SpotifySandbox(state_file=str(state)) as second:
        answer = http.post(f"{second.url}/api/token", auth=("anchor-demo", "anchor-demo-secret"), timeout=5,
                           data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]})
    assert answer.status_code == 200 and answer.json()["access_token"]
    with SpotifySandbox() as forgetful:
        answer = http.post(f"{forgetful.url}/api/token", auth=("anchor-demo", "anchor-demo-secret"), timeout=5,
                           data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]})
    assert answer.json()["error"] == "invalid_grant"
