"""The header's fallback picture (issue 28): the owner's photo, else the user's own picture from
Spotify (/v1/me `images[]`) or Last.fm (user.getInfo `image[]`), checked by host, else a monogram."""
import hashlib
import json
from types import SimpleNamespace

import pytest

from anchor.models import ProfileModel
from anchor.pages import identity
from anchor.profiles import writes
from anchor.sources.base import UnknownUser
from anchor.sources.lastfm import LastfmClient, PLACEHOLDER_HASH
from tests.source_web_helpers import claim_with, publish, sign_in_lastfm
from tests.web_helpers import claim, post, sign_in

FASTLY = "https://lastfm.freetls.fastly.net/i/u"
REAL_PICTURE = f"{FASTLY}/300x300/{'ab' * 16}.png"


def fm_hash(user):
    return hashlib.md5(f"user|{user}".encode()).hexdigest()


def user_info(*urls):
    """A user.getInfo answer whose image[] holds `urls` (smallest first, as Last.fm sends)."""
    sizes = ("small", "medium", "large", "extralarge")
    return json.dumps({"user": {"name": "x", "image": [{"size": s, "#text": u} for s, u in zip(sizes, urls)]}})


@pytest.fixture
def fm(lastfm_standin, source_sleeps):
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                      sleep=source_sleeps, allow_loopback=True) as client:
        yield client


def test_lastfm_picture_is_the_largest_user_image(fm, lastfm_standin):
    assert fm.picture("sofia_cumbia") == f"{lastfm_standin.url}/i/u/300x300/{fm_hash('sofia_cumbia')}.png"
    assert lastfm_standin.stats()["paths"]["/2.0/user.getinfo"] == 1


@pytest.mark.parametrize("user", ["grimnir", "quiet-room"])      # Last.fm's grey star; empty URLs
def test_lastfm_users_without_a_picture(fm, user):
    assert fm.picture(user) is None


def test_lastfm_unknown_user(fm):
    with pytest.raises(UnknownUser):
        fm.picture("nobody-here")


@pytest.mark.parametrize("urls, expected", [
    (("", "", "", REAL_PICTURE), REAL_PICTURE),
    ((f"{FASTLY}/64s/{'cd' * 16}.png", ""), f"{FASTLY}/64s/{'cd' * 16}.png"),        # the only size there is
    (("", "", "", f"{FASTLY}/300x300/{PLACEHOLDER_HASH}.png"), None),                    # the star
    (("", "", "", REAL_PICTURE.replace("https:", "http:")), None),                     # not https
    (("", "", "", "https://lastfm.freetls.fastly.net.evil.example/i/u/x.png"), None),  # look-alike host
    (("", "", "", "https://user@lastfm.freetls.fastly.net/i/u/x.png"), None),           # credentials
    (("", "", "", "javascript:alert(1)"), None),
    (("", "", "", "https://evil.example/a.png"), None),
])
def test_lastfm_picture_host_checks(lastfm_standin, source_sleeps, urls, expected):
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                      sleep=source_sleeps) as client:          # real hosts only: no loopback
        lastfm_standin.fail_next("garbage", body=user_info(*urls))
        assert client.picture("sofia_cumbia") == expected


@pytest.mark.parametrize("body", ['{"user": "x"}', '{"user": {"image": "x"}}', '{"user": {"image": [1, 2]}}'])
def test_a_malformed_user_info_is_no_picture(fm, lastfm_standin, body):
    lastfm_standin.fail_next("garbage", body=body)
    assert fm.picture("sofia_cumbia") is None


def test_a_stand_in_picture_is_refused_without_loopback(lastfm_standin, source_sleeps):
    with LastfmClient(lastfm_standin.url, lastfm_standin.api_key, lastfm_standin.shared_secret,
                      sleep=source_sleeps) as client:
        assert client.picture("sofia_cumbia") is None      # http://127.0.0.1 is no Last.fm host


def test_identity_prefers_photo_then_source_picture_then_monogram(app):
    with app.test_request_context():
        app.config["PHOTO_BASE_URL"] = "https://photos.example/b"
        both = SimpleNamespace(photo={"stem": "photos/x/1", "sizes": [160, 480]},
                               listening={"picture": REAL_PICTURE})
        assert identity.photo(both, "X")["src"] == "https://photos.example/b/photos/x/1-160.webp"
        only_source = SimpleNamespace(photo=None, listening={"picture": REAL_PICTURE})
        assert identity.photo(only_source, "X") == {"src": REAL_PICTURE, "size": 96, "alt": "X", "srcset": None}
        for listening in (None, {}, {"picture": None}, {"picture": ""}):
            assert identity.photo(SimpleNamespace(photo=None, listening=listening), "Ada Lovelace") == {
                "initials": "AL", "alt": "Ada Lovelace"}


def header(client, handle):
    page = client.get(f"/{handle}").get_data(as_text=True)
    start = page.index('class="head-photo')
    return page[page.rindex("<", 0, start):page.index(">", start) + 1]


def test_spotify_page_shows_the_users_picture(app, spotify_sandbox):
    client = app.test_client()
    claim(client, "nadia")
    post(client, "/dashboard/copy")
    post(client, "/dashboard/publish")
    assert header(client, "nadia") == (f'<img class="head-photo" src="{spotify_sandbox.url}/images/u-nadia.png" '
                                       'alt="Nadia Haddad" width="96" height="96">')
    assert spotify_sandbox.url in client.get("/nadia").headers["Content-Security-Policy"]


def test_spotify_user_without_images_gets_the_monogram(app):
    client = app.test_client()
    claim(client, "ifeoma")
    post(client, "/dashboard/copy")
    post(client, "/dashboard/publish")
    assert header(client, "ifeoma") == '<span class="head-photo monogram" role="img" aria-label="Ifeoma Okafor">'


def test_spotify_sign_in_puts_back_the_current_picture(app, spotify_sandbox):
    client = app.test_client()
    claim(client, "nadia")
    with app.app_context():
        profile = ProfileModel.get("USER#nadia")
        writes.write(profile, {"listening": {**profile.listening, "picture": "https://i.scdn.co/image/old"}})
    sign_in(app.test_client(), "nadia")
    with app.app_context():
        assert ProfileModel.get("USER#nadia").listening["picture"] == f"{spotify_sandbox.url}/images/u-nadia.png"


@pytest.fixture
def source_client(source_app):
    return source_app.test_client()


def test_lastfm_page_shows_the_users_picture(source_app, source_client, lastfm_standin):
    claim_with(source_client, "lastfm", "sofia_cumbia")
    publish(source_client)
    assert header(source_client, "sofia-cumbia").startswith(
        f'<img class="head-photo" src="{lastfm_standin.url}/i/u/300x300/{fm_hash("sofia_cumbia")}.png"')


@pytest.mark.parametrize("source, user", [("lastfm", "grimnir"), ("listenbrainz", "grimnir")])
def test_no_picture_from_the_star_or_from_listenbrainz(source_app, source_client, source, user):
    claim_with(source_client, source, user)
    publish(source_client)
    assert header(source_client, user).startswith('<span class="head-photo monogram"')
    with source_app.app_context():
        assert not ProfileModel.get(f"USER#{user}").listening.get("picture")


def test_csp_allows_the_sources_image_hosts(app, client):
    policy = client.get("/").headers["Content-Security-Policy"]
    img = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    for host in ("https://*.scdn.co", "https://*.spotifycdn.com", "https://lastfm.freetls.fastly.net",
                 "https://lastfm-img2.akamaized.net"):
        assert host in img.split()


def test_lastfm_sign_in_reads_the_picture_and_keeps_it_when_lastfm_fails(source_app, source_client, lastfm_standin):
    claim_with(source_client, "lastfm", "sofia_cumbia")
    current = f"{lastfm_standin.url}/i/u/300x300/{fm_hash('sofia_cumbia')}.png"

    def stored(picture=None):
        with source_app.app_context():
            profile = ProfileModel.get("USER#sofia-cumbia")
            if picture:
                writes.write(profile, {"listening": {**profile.listening, "picture": picture}})
            return ProfileModel.get("USER#sofia-cumbia").listening["picture"]

    stored(REAL_PICTURE)
    calls = lastfm_standin.stats()["paths"].get("/2.0/user.getinfo", 0)
    assert sign_in_lastfm(source_app.test_client(), "sofia_cumbia").status_code == 302
    assert stored() == current and lastfm_standin.stats()["paths"]["/2.0/user.getinfo"] == calls + 1
    stored(REAL_PICTURE)
    lastfm_standin.fail_next("error", code=8, count=3, method="user.getinfo")   # with its retries
    assert sign_in_lastfm(source_app.test_client(), "sofia_cumbia").status_code == 302
    assert stored() == REAL_PICTURE                           # the sign-in still worked; the picture stays
