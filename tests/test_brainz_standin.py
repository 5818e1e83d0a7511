"""The brainz stand-in speaks MusicBrainz OAuth2, ListenBrainz stats and Cover Art Archive wire formats."""
import base64
import re
import secrets

import pytest
import requests

from devstack.brainz import BrainzStandIn
from devstack.brainz_oauth import s256
from devstack.demo_music import get_listener
from tests.source_fixtures import MB_REDIRECT_URI, consent_form, mb_authorize_params, mb_sign_in

MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-In", "X-RateLimit-Reset")


def token(standin, **form):
    return requests.post(f"{standin.url}/oauth2/token", data=form, timeout=5)


def exchange(standin, signed, **overrides):
    form = {"grant_type": "authorization_code", "code": signed["code"], "redirect_uri": MB_REDIRECT_URI,
            "client_id": standin.client_id, "client_secret": standin.client_secret,
            "code_verifier": signed["verifier"]}
    return token(standin, **(form | overrides))


def stats(standin, user, entity="artists", **params):
    return requests.get(f"{standin.url}/1/stats/user/{user}/{entity}", params=params, timeout=5)


def test_consent_page_lists_users_and_redirects_with_code_and_state(brainz_standin):
    signed = mb_sign_in(brainz_standin, "minji_kpop")
    assert signed["location"].startswith(MB_REDIRECT_URI + "?") and signed["state"] == "st4te"
    answer = exchange(brainz_standin, signed)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert "scope" not in body and "refresh_token" not in body  # online access: no refresh token


def test_authorize_validates_client_and_redirect_uri(brainz_standin):
    url = f"{brainz_standin.url}/oauth2/authorize"
    params = mb_authorize_params(brainz_standin, s256("x" * 43))
    assert requests.get(url, params=params | {"client_id": "nope"}, timeout=5).status_code == 401
    bad = requests.get(url, params=params | {"redirect_uri": MB_REDIRECT_URI + "/x"}, timeout=5)
    assert bad.status_code == 400 and "Mismatched redirect URI" in bad.text
    for extra, error in (({"response_type": "token"}, "unsupported_response_type"),
                         ({"scope": "profile everything"}, "invalid_scope"),
                         ({"code_challenge_method": "S512"}, "invalid_request"),
                         ({"code_challenge": "short"}, "invalid_request")):
        answer = requests.get(url, params=params | extra, allow_redirects=False, timeout=5)
        assert answer.status_code == 302 and f"error={error}" in answer.headers["Location"], extra
        assert "state=st4te" in answer.headers["Location"]


def test_cancel_redirects_with_access_denied(brainz_standin):
    params = mb_authorize_params(brainz_standin, s256("v" * 43))
    page = requests.get(f"{brainz_standin.url}/oauth2/authorize", params=params, timeout=5)
    assert "grimnir" in page.text and "listener-00003" in page.text
    answer = requests.post(f"{brainz_standin.url}/oauth2/authorize", data=consent_form(page.text) | {"cancel": "1"},
                           allow_redirects=False, timeout=5)
    assert "error=access_denied" in answer.headers["Location"] and "state=st4te" in answer.headers["Location"]


def test_codes_are_single_use_and_need_the_right_verifier(brainz_standin):
    signed = mb_sign_in(brainz_standin)
    wrong = exchange(brainz_standin, signed, code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant",
                                                         "error_description": "Invalid PKCE verifier"}
    missing = exchange(brainz_standin, signed, code_verifier=None)  # requests drops the field
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert exchange(brainz_standin, signed).status_code == 200
    again = exchange(brainz_standin, signed)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_client_auth_by_basic_and_form(brainz_standin):
    signed = mb_sign_in(brainz_standin)
    basic = base64.b64encode(f"{brainz_standin.client_id}:wrong".encode()).decode()
    refused = requests.post(f"{brainz_standin.url}/oauth2/token", headers={"Authorization": f"Basic {basic}"},
                            data={"grant_type": "authorization_code", "code": signed["code"],
                                  "redirect_uri": MB_REDIRECT_URI, "code_verifier": signed["verifier"]}, timeout=5)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="OAuth2-Client"'
    basic = base64.b64encode(f"{brainz_standin.client_id}:{brainz_standin.client_secret}".encode()).decode()
    ok = requests.post(f"{brainz_standin.url}/oauth2/token", headers={"Authorization": f"Basic {basic}"},
                       data={"grant_type": "authorization_code", "code": signed["code"],
                             "redirect_uri": MB_REDIRECT_URI, "code_verifier": signed["verifier"]}, timeout=5)
    assert ok.status_code == 200


def test_offline_access_refresh_keeps_refresh_token_and_ends_old_access(brainz_standin):
    brainz_standin.revoke("sofia_cumbia")
    first = exchange(brainz_standin, mb_sign_in(brainz_standin, "sofia_cumbia", access_type="offline")).json()
    assert first["refresh_token"]
    second = exchange(brainz_standin, mb_sign_in(brainz_standin, "sofia_cumbia", access_type="offline")).json()
    assert "refresh_token" not in second  # approval_prompt=auto: no second refresh token
    refreshed = token(brainz_standin, grant_type="refresh_token", refresh_token=first["refresh_token"],
                      client_id=brainz_standin.client_id, client_secret=brainz_standin.client_secret).json()
    assert refreshed["refresh_token"] == first["refresh_token"] and refreshed["access_token"] != first["access_token"]
    old = requests.get(f"{brainz_standin.url}/oauth2/userinfo",
                       headers={"Authorization": f"Bearer {first['access_token']}"}, timeout=5)
    assert old.status_code == 401
    bad = token(brainz_standin, grant_type="refresh_token", refresh_token="nope",
                client_id=brainz_standin.client_id, client_secret=brainz_standin.client_secret)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_read_only_fault_is_temporarily_unavailable(brainz_standin):
    brainz_standin.fail_next("read_only")
    answer = exchange(brainz_standin, mb_sign_in(brainz_standin))
    assert answer.status_code == 503 and answer.json()["error"] == "temporarily_unavailable"


def test_userinfo(brainz_standin):
    access = brainz_standin.issue_tokens("minji_kpop", offline=False)["access_token"]
    info = requests.get(f"{brainz_standin.url}/oauth2/userinfo", headers={"Authorization": f"Bearer {access}"},
                        timeout=5).json()
    assert info["sub"] == "minji_kpop" and info["zoneinfo"] == "Asia/Seoul"
    assert isinstance(info["metabrainz_user_id"], int) and info["profile"].endswith("/user/minji_kpop")
    assert requests.get(f"{brainz_standin.url}/oauth2/userinfo", headers={"Authorization": "Bearer x"},
                        timeout=5).status_code == 401


def test_invalid_token_fault_answers_userinfo_as_for_a_revoked_token(brainz_standin):
    access = brainz_standin.issue_tokens("minji_kpop", offline=False)["access_token"]
    brainz_standin.fail_next("invalid_token")
    url, headers = f"{brainz_standin.url}/oauth2/userinfo", {"Authorization": f"Bearer {access}"}
    refused = requests.get(url, headers=headers, timeout=5)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_token"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(url, headers=headers, timeout=5).json()["sub"] == "minji_kpop"   # used up


def test_artist_stats_shape_and_order_of_checks(brainz_standin):
    answer = stats(brainz_standin, "Grimnir", range="month", count=5)
    payload = answer.json()["payload"]
    assert answer.status_code == 200 and payload["user_id"] == "Grimnir" and payload["range"] == "month"
    assert set(payload) == {"user_id", "artists", "count", "total_artist_count", "offset", "range", "from_ts",
                            "to_ts", "last_updated"}
    assert payload["count"] == 5 and payload["offset"] == 0 and payload["from_ts"] < payload["to_ts"]
    first = payload["artists"][0]
    assert set(first) == {"artist_mbid", "artist_name", "listen_count"}
    mbids = [a["artist_mbid"] for a in payload["artists"]]
    assert all(m is None or MBID.match(m) for m in mbids) and any(mbids)
    counts = [a["listen_count"] for a in payload["artists"]]
    assert counts == sorted(counts, reverse=True)
    assert stats(brainz_standin, "nobody", range="bogus").status_code == 404  # user checked before range
    assert stats(brainz_standin, "grimnir", range="bogus", count=-1).json() == {
        "code": 400, "error": "Invalid range: bogus"}
    assert stats(brainz_standin, "grimnir", count="x").json()["error"] == "'count' should be a non-negative integer"
    empty = stats(brainz_standin, "fresh-start")
    assert empty.status_code == 204 and empty.content == b"" and "X-RateLimit-Remaining" in empty.headers


def test_release_and_release_group_fields(brainz_standin):
    releases = stats(brainz_standin, "punctuation_pete", "releases").json()["payload"]
    assert set(releases["releases"][0]) == {"artist_mbids", "artist_name", "artists", "caa_id", "caa_release_mbid",
                                            "listen_count", "release_mbid", "release_name"}
    assert "total_release_count" in releases
    groups = stats(brainz_standin, "punctuation_pete", "release-groups", count=100).json()["payload"]
    items = groups["release_groups"]
    assert "release_group_mbid" in items[0] and "total_release_group_count" in groups
    unmatched = [i for i in items if i["release_group_mbid"] is None]
    assert unmatched and unmatched[0]["artists"] is None and unmatched[0]["caa_id"] is None
    assert any(i["caa_release_mbid"] and MBID.match(i["caa_release_mbid"]) for i in items)


def test_ranges_differ_partial_and_empty_users(brainz_standin):
    month = [a["artist_name"] for a in stats(brainz_standin, "ella_bluenote", range="month").json()["payload"]["artists"]]
    ever = [a["artist_name"] for a in stats(brainz_standin, "ella_bluenote").json()["payload"]["artists"]]
    assert month != ever
    assert stats(brainz_standin, "new-this-month", range="month").status_code == 204
    assert stats(brainz_standin, "new-this-month", range="all_time").status_code == 200
    assert stats(brainz_standin, "quiet-room").json()["payload"]["artists"] == []


def test_rate_limit_fixed_window_without_retry_after(brainz_standin):
    brainz_standin.set_rate_limit(3, window=3600)
    answers = [stats(brainz_standin, "grimnir") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    for answer in answers:
        assert all(name in answer.headers for name in RATE_HEADERS)
    limited = answers[-1]
    assert "Retry-After" not in limited.headers and limited.json()["code"] == 429
    assert 0 < int(limited.headers["X-RateLimit-Reset-In"]) <= 3600
    assert stats(brainz_standin, "nobody").status_code == 429  # checked before the user lookup


def test_faults_and_stats(brainz_standin):
    brainz_standin.fail_next("500")
    brainz_standin.fail_next("garbage")
    brainz_standin.fail_next("204")
    assert stats(brainz_standin, "grimnir").status_code == 500
    garbage = stats(brainz_standin, "grimnir")
    with pytest.raises(ValueError):
        garbage.json()
    assert stats(brainz_standin, "grimnir").status_code == 204
    assert stats(brainz_standin, "grimnir").status_code == 200
    assert brainz_standin.stats()["paths"]["/1/stats/user/*/artists"] == 4
    with pytest.raises(ValueError):
        brainz_standin.fail_next("teapot")


def test_cover_art_redirects_to_served_png(brainz_standin):
    item = next(i for i in stats(brainz_standin, "grimnir", "release-groups").json()["payload"]["release_groups"]
                if i["caa_release_mbid"])
    for name, size in (("front", "500"), ("front-250", "250"), (f"{item['caa_id']}-250", "250")):
        answer = requests.get(f"{brainz_standin.url}/release/{item['caa_release_mbid']}/{name}",
                              allow_redirects=False, timeout=5)
        assert answer.status_code == 307 and answer.headers["Location"].endswith(f"-{size}.png")
    image = requests.get(f"{brainz_standin.url}/release/{item['caa_release_mbid']}/front-250", timeout=5)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    upper = requests.get(f"{brainz_standin.url}/release/{item['caa_release_mbid'].upper()}/front", timeout=5)
    assert upper.status_code == 400
    unknown = requests.get(f"{brainz_standin.url}/release/{'0' * 8}-0000-4000-8000-{'0' * 12}/front", timeout=5)
    assert unknown.status_code == 404


@pytest.mark.parametrize("listener", ["grimnir", "juno_static"])
def test_every_cover_a_top_list_names_is_served(brainz_standin, listener):
    # The archive has an image for every caa_id ListenBrainz hands out: the demo artist's own too.
    items = stats(brainz_standin, listener, "release-groups").json()["payload"]["release_groups"]
    named = [i for i in items if i["caa_release_mbid"] and i["caa_id"]]
    assert named
    for item in named:
        answer = requests.get(f"{brainz_standin.url}/release/{item['caa_release_mbid']}/{item['caa_id']}-250",
                              allow_redirects=False, timeout=5)
        assert answer.status_code == 307, item["release_group_name"]


def test_control_routes(brainz_standin):
    names = requests.get(f"{brainz_standin.url}/_control/listeners", timeout=5).json()["listeners"]
    assert {"minji_kpop", "fresh-start", "quiet-room", "listener-00003"} <= set(names)
    issued = requests.post(f"{brainz_standin.url}/_control/issue_tokens", json={"user": "grimnir"}, timeout=5).json()
    assert issued["refresh_token"] and issued["token_type"] == "bearer"
    assert requests.post(f"{brainz_standin.url}/_control/issue_tokens", json={"user": "nobody"},
                         timeout=5).status_code == 400


def test_generated_users_are_deterministic():
    one, two = BrainzStandIn(generated=2, seed=7), BrainzStandIn(generated=2, seed=7)
    assert get_listener("listener-00002", 2, 7) == get_listener("listener-00002", 2, 7)
    assert get_listener("listener-00002", 2, 7) != get_listener("listener-00002", 2, 8)
    assert get_listener("listener-00003", 2, 7) is None
    assert one.listeners() == two.listeners()


@pytest.mark.parametrize("stats_range", ["year", "this_year"])
def test_a_calendar_years_top_lists_add_up_to_no_more_than_its_listens(brainz_standin, stats_range):
    # As on ListenBrainz, a year's top artists and release groups count that year's listens, so no
    # list adds up to more than the year's listening activity.
    activity = requests.get(f"{brainz_standin.url}/1/stats/user/grimnir/listening-activity",
                            params={"range": stats_range}, timeout=5).json()["payload"]
    for entity, key in (("artists", "artists"), ("release-groups", "release_groups")):
        payload = stats(brainz_standin, "grimnir", entity, range=stats_range, count=1000).json()["payload"]
        year_listens = sum(bucket["listen_count"] for bucket in activity["listening_activity"]
                           if payload["from_ts"] <= bucket["from_ts"] < payload["from_ts"] + 366 * 86400)
        counts = [item["listen_count"] for item in payload[key]]
        assert counts and 0 < sum(counts) <= year_listens, (entity, sum(counts), year_listens)
        assert counts == sorted(counts, reverse=True)
