"""Walking the MusicBrainz (for ListenBrainz) and Last.fm sign-ins the way a browser would.

The stand-ins' consent pages are driven with `requests` (a separate "browser tab" at the
service); the app side goes through the Flask test client, whose cookie jar carries the
session (Authlib's state and PKCE verifier, the Last.fm nonces). See tests/web_helpers.py for
the Spotify equivalent and the CSRF-aware `post`.
"""
import re
from urllib.parse import parse_qs, urlsplit

import requests

from anchor.profiles import service
from tests.web_helpers import post

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')

# The ListenBrainz statistics one fetch reads: artists and release groups, once a range, then the
# calendar years' top lists and activity (issue 31).
STATS_PATHS = ("/1/stats/user/*/artists", "/1/stats/user/*/release-groups", "/1/stats/user/*/listening-activity",
               "/1/stats/user/*/daily-activity")
ONE_FETCH = 6 + 7   # requests of one ListenBrainz fetch that meets no fault


def stats_requests(standin):
    """Statistics requests the ListenBrainz stand-in has answered."""
    paths = standin.stats()["paths"]
    return sum(paths.get(p, 0) for p in STATS_PATHS)


def app_path(url):
    """The path and query of a URL pointing back at the app (what the test client GETs)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query_of(url):
    """A URL's query as a dict of single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _consent(url, form_action, listener, cancel):
    with requests.Session() as http:
        page = http.get(url, timeout=5)
        assert page.status_code == 200, page.text
        form = dict(HIDDEN.findall(page.text))
        choice = {"cancel": "1"} if cancel else {"listener": listener}
        return http.post(form_action, data=form | choice, allow_redirects=False, timeout=5)


def brainz_consent(authorize_url, listener="grimnir", cancel=False):
    """Open MusicBrainz's consent page and pick `listener` (or "No thanks"); the callback URL."""
    answer = _consent(authorize_url, authorize_url.split("?")[0], listener, cancel)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def lastfm_consent(auth_url, listener="grimnir", cancel=False):
    """Open Last.fm's auth page and allow `listener`: the callback URL, or None when cancelled.

    Last.fm sends nobody back after "No thanks" (the stand-in, like the service, shows a page).
    """
    answer = _consent(auth_url, auth_url.split("?")[0], listener, cancel)
    if cancel:
        assert answer.status_code == 200 and "Access not granted" in answer.text
        return None
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def start_listenbrainz(client):
    """GET /login/listenbrainz; the MusicBrainz authorize URL it redirects to."""
    start = client.get("/login/listenbrainz")
    assert start.status_code == 302, start.status_code
    return start.headers["Location"]


def start_lastfm(client):
    """GET /login/lastfm; the Last.fm auth URL it redirects to."""
    start = client.get("/login/lastfm")
    assert start.status_code == 302, start.status_code
    return start.headers["Location"]


def listenbrainz_callback(client, listener="grimnir"):
    """Start a MusicBrainz sign-in and consent: the app callback URL (not yet followed)."""
    return brainz_consent(start_listenbrainz(client), listener)


def lastfm_callback(client, listener="grimnir"):
    """Start a Last.fm sign-in and allow it: the app callback URL (not yet followed)."""
    return lastfm_consent(start_lastfm(client), listener)


def sign_in_listenbrainz(client, listener="grimnir"):
    """Full MusicBrainz sign-in; the app's answer to the callback."""
    return client.get(app_path(listenbrainz_callback(client, listener)))


def sign_in_lastfm(client, listener="grimnir"):
    """Full Last.fm sign-in; the app's answer to the callback."""
    return client.get(app_path(lastfm_callback(client, listener)))


SIGN_INS = {"listenbrainz": sign_in_listenbrainz, "lastfm": sign_in_lastfm}


def signed_in_as(client):
    """The account id flask-login keeps in the session, or None."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def claim_with(client, source, listener, handle=None):
    """Sign in with `source` and claim a handle (the first fetch runs inline); the claim answer."""
    answer = SIGN_INS[source](client, listener)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard"), answer.data[:300]
    return post(client, "/dashboard/claim", {"handle": handle or listener.replace("_", "-")})


def publish(client):
    """Publish the signed-in owner's page."""
    answer = post(client, "/dashboard/publish", {})
    assert answer.status_code == 303, answer.data[:300]
    return answer


def link_listenbrainz(client, listener="grimnir"):
    """POST /dashboard/link/listenbrainz, walk the consent, follow the callback; the callback answer."""
    answer = post(client, "/dashboard/link/listenbrainz", {})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login/listenbrainz")
    start = client.get(app_path(answer.headers["Location"]))
    assert start.status_code == 302
    return client.get(app_path(brainz_consent(start.headers["Location"], listener)))


def public_page(app, handle):
    """The public page as a new visitor sees it (the page cache emptied first)."""
    app.extensions["anchor.page_cache"].forget(handle)
    return app.test_client().get(f"/{handle}")


def dashboard_text(client):
    """The dashboard as text."""
    return client.get("/dashboard").get_data(as_text=True)


def shown_names(profile, range_name="half_year"):
    """(artist names, album names) of a stored range."""
    data = service.items(profile, range_name)
    return [a["name"] for a in data["artists"]], [a["name"] for a in data["albums"]]
