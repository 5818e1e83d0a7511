"""The Last.fm stand-in speaks the web auth flow and API 2.0 wire formats (JSON and XML)."""
import hashlib
import re
import xml.etree.ElementTree as ET

import requests

from devstack.lastfm import api_signature
from tests.source_fixtures import LASTFM_CALLBACK, lastfm_sign_in


def api(standin, http="POST", **params):
    params = {"api_key": standin.api_key, **params}
    if http == "GET":
        return requests.get(f"{standin.url}/2.0/", params=params, timeout=5)
    return requests.post(f"{standin.url}/2.0/", data=params, timeout=5)


def signed(standin, secret=None, **params):
    params = {"api_key": standin.api_key, **params}
    params["api_sig"] = api_signature(params, secret or standin.shared_secret)
    return requests.post(f"{standin.url}/2.0/", data=params | {"format": "json"}, timeout=5)


def test_signature_is_md5_of_sorted_pairs_without_format_then_secret():
    params = {"token": "t0k", "method": "auth.getSession", "api_key": "k", "format": "json", "callback": "cb"}
    assert api_signature(params, "s3cret") == hashlib.md5(b"api_keykmethodauth.getSessiontokent0ks3cret").hexdigest()


def test_web_auth_then_get_session_once(lastfm_standin):
    token = lastfm_sign_in(lastfm_standin, "minji_kpop")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    session = signed(lastfm_standin, method="auth.getSession", token=token)
    assert session.status_code == 200
    assert session.json()["session"]["name"] == "minji_kpop" and re.fullmatch(r"[0-9a-f]{32}",
                                                                               session.json()["session"]["key"])
    again = signed(lastfm_standin, method="auth.getSession", token=token)
    assert again.json()["error"] == 4 and again.status_code == 403


def test_callback_keeps_its_own_query(lastfm_standin):
    page = requests.get(f"{lastfm_standin.url}/api/auth/", params={"api_key": lastfm_standin.api_key,
                                                                     "cb": LASTFM_CALLBACK}, timeout=5)
    assert "punctuation_pete" in page.text
    assert requests.get(f"{lastfm_standin.url}/api/auth/", params={"api_key": "nope"}, timeout=5).status_code == 403


def test_get_session_errors(lastfm_standin):
    token = lastfm_standin.issue_token("grimnir")["token"]
    assert signed(lastfm_standin, "wrong", method="auth.getSession", token=token).json()["error"] == 13
    assert signed(lastfm_standin, method="auth.getSession", token="f" * 32).json()["error"] == 4
    unapproved = lastfm_standin.issue_token()["token"]
    assert signed(lastfm_standin, method="auth.getSession", token=unapproved).json()["error"] == 14
    expired = lastfm_standin.issue_token("grimnir", expires_in=-1)["token"]
    assert signed(lastfm_standin, method="auth.getSession", token=expired).json()["error"] == 15
    assert signed(lastfm_standin, method="auth.getSession", token=token).status_code == 200


def test_top_artists_json_numbers_are_strings_and_images_are_the_star(lastfm_standin):
    data = api(lastfm_standin, "GET", method="user.getTopArtists", user="Grimnir", period="1month", limit=3,
               format="json").json()["topartists"]
    assert data["@attr"]["user"] == "grimnir" and data["@attr"]["perPage"] == "3" and data["@attr"]["page"] == "1"
    assert isinstance(data["@attr"]["total"], str) and isinstance(data["@attr"]["totalPages"], str)
    first = data["artist"][0]
    assert set(first) == {"streamable", "image", "mbid", "url", "playcount", "@attr", "name"}
    assert first["@attr"] == {"rank": "1"} and first["playcount"].isdigit()
    assert all("2a96cbd8b46e442fc41c2b86b821562f" in i["#text"] for i in first["image"])
    assert [i["size"] for i in first["image"]] == ["small", "medium", "large", "extralarge", "mega"]
    star = requests.get(first["image"][3]["#text"], timeout=5)
    assert star.status_code == 200 and star.content.startswith(b"\x89PNG")


def test_top_albums_xml_by_default(lastfm_standin):
    answer = api(lastfm_standin, "GET", method="user.getTopAlbums", user="punctuation_pete", limit=50)
    assert answer.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "lfm" and root.get("status") == "ok"
    top = root.find("topalbums")
    assert top.get("user") == "punctuation_pete" and top.get("total") == str(len(top.findall("album")))
    album = top.find("album")
    assert album.get("rank") == "1" and album.find("artist/name").text and album.find("url").text.startswith(
        "https://www.last.fm/music/")
    names = [a.find("name").text for a in top.findall("album")]
    assert "<script>alert(1)</script> Tapes" in names  # markup survives as text, escaped on the wire
    assert b"<script>" not in answer.content


def test_errors_json_xml_and_http_200_mode(lastfm_standin):
    missing = api(lastfm_standin, method="user.getTopArtists", user="nobody", format="json")
    assert missing.status_code == 404 and missing.json() == {"message": "User not found", "error": 6}
    private = api(lastfm_standin, method="user.getTopArtists", user="private-eye")
    assert private.status_code == 403
    assert ET.fromstring(private.content).find("error").get("code") == "17"
    bad_key = requests.get(f"{lastfm_standin.url}/2.0/", params={"method": "user.getTopArtists", "user": "grimnir",
                                                                   "api_key": "nope", "format": "json"}, timeout=5)
    assert bad_key.status_code == 403 and bad_key.json()["error"] == 10
    lastfm_standin.set_errors_as_200(True)
    quiet = api(lastfm_standin, method="user.getTopArtists", user="nobody", format="json")
    assert quiet.status_code == 200 and quiet.json()["error"] == 6


def test_private_user_visible_to_themselves(lastfm_standin):
    session = lastfm_standin.issue_session("private-eye")
    answer = signed(lastfm_standin, method="user.getTopArtists", user="private-eye", sk=session["key"])
    assert answer.status_code == 200 and answer.json()["topartists"]["artist"]
    lastfm_standin.revoke("private-eye")
    revoked = signed(lastfm_standin, method="user.getTopArtists", user="private-eye", sk=session["key"])
    assert revoked.json()["error"] == 9


def test_faults_and_counters(lastfm_standin):
    lastfm_standin.fail_next("429", retry_after=7)
    lastfm_standin.fail_next("error", code=16)
    limited = api(lastfm_standin, method="user.getTopAlbums", user="grimnir", format="json")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7" and limited.json()["error"] == 29
    assert api(lastfm_standin, method="user.getTopAlbums", user="grimnir", format="json").json()["error"] == 16
    assert api(lastfm_standin, method="user.getTopAlbums", user="quiet-room", format="json").json()[
        "topalbums"]["album"] == []
    assert lastfm_standin.stats()["paths"]["/2.0/user.gettopalbums"] == 3
    assert "quiet-room" in requests.get(f"{lastfm_standin.url}/_control/listeners", timeout=5).json()["listeners"]
    issued = requests.post(f"{lastfm_standin.url}/_control/issue_session", json={"user": "grimnir"}, timeout=5)
    assert issued.json()["name"] == "grimnir"
