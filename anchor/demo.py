"""Demo content: published profiles for the local stand-ins' demo listeners.

Demo data reaches the product the way real data does: the listeners are listed by each stand-in
over HTTP, signed in with tokens it issues (and the same userinfo / getSession calls a browser
sign-in makes), and fetched through the same refresh path as anyone.
"""
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from flask import current_app

from anchor import demo_artist
from anchor.profiles import connection, demo_history, demo_pages, imports, music, service
from anchor.profiles.handles import HandleError
from anchor.sources import lastfm, listenbrainz
from anchor.refresh.first_fetch import claim_and_fetch
from anchor.sources.base import SourceError


class DemoUnavailable(Exception):
    """Seeding needs the local stand-ins (real accounts cannot be made up)."""


def _sandbox_url():
    return current_app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")


def _listed(base_url):
    answer = requests.get(f"{base_url.rstrip('/')}/_control/listeners", timeout=10)
    answer.raise_for_status()
    return answer.json()


def demo_listeners(count=0):
    """The Spotify stand-in's hand-made demo listeners, plus `count` of its generated ones."""
    listed = _listed(_sandbox_url())
    generated = min(count, int(listed.get("generated") or 0))
    return list(listed["demo"]) + [f"listener-{n:05d}" for n in range(1, generated + 1)]


def _control(base_url, action, **args):
    answer = requests.post(f"{base_url.rstrip('/')}/_control/{action}", json=args, timeout=10)
    if answer.status_code != 200:
        raise DemoUnavailable(f"the stand-in refused {action}: {answer.text[:80]}")
    return answer.json()


def _spotify_sign_in(listener):
    token = _control(_sandbox_url(), "issue_tokens", listener_id=listener)
    token["expires_at"] = int(time.time()) + int(token.get("expires_in", 3600))
    account_id, display_name, _ = connection.complete_sign_in(token)
    return account_id, display_name


def _listenbrainz_sign_in(user):
    """Tokens from the stand-in, then the user name from /oauth2/userinfo, as a sign-in does."""
    config = current_app.config
    token = _control(config["MUSICBRAINZ_URL"], "issue_tokens", user=user, offline=False)
    name = listenbrainz.userinfo(config["MUSICBRAINZ_URL"], token["access_token"])
    account_id, display_name, _ = connection.sign_in("listenbrainz", name)
    return account_id, display_name


def _lastfm_sign_in(user):
    """An approved web-auth token from the stand-in, then auth.getSession, as a sign-in does."""
    config = current_app.config
    token = _control(config["LASTFM_API_URL"], "issue_token", user=user)["token"]
    with lastfm.LastfmClient(config["LASTFM_API_URL"], config["LASTFM_API_KEY"] or "anchor-demo-key",
                             config["LASTFM_SHARED_SECRET"] or "anchor-demo-secret") as client:
        name, _key = client.get_session(token)
    account_id, display_name, _ = connection.sign_in("lastfm", name)
    return account_id, display_name


SIGN_INS = {"spotify": _spotify_sign_in, "listenbrainz": _listenbrainz_sign_in, "lastfm": _lastfm_sign_in}


def seed_one(source, listener, handle=None):
    """Sign the listener in through its stand-in, claim a handle, fetch, write copy, publish."""
    handle = handle or listener
    if service.get(handle) is not None:
        return "exists"
    account_id, display_name = SIGN_INS[source](listener)
    try:
        profile = claim_and_fetch(account_id, handle, display_name=display_name)
    except HandleError as exc:
        return exc.code
    return _publish(profile.handle)


UPLOAD_DEMO = ("quiet-room", "streaming-history")   # a MusicBrainz sign-in with no listens, then a file


# The generated download the demo imports (devstack/spotify_export.write_export's plays and seed):
# 4000 plays over two years to 2024-11-30, so three calendar years of pages.
UPLOAD_EXPORT = {"plays": 4000, "seed": 11}


def seed_upload():
    """The imported demo page: sign in with MusicBrainz (no history there), claim, import a
    generated data download fetched from the Spotify stand-in, publish."""
    user, handle = UPLOAD_DEMO
    if service.get(handle) is not None:
        return "exists"
    account_id, display_name = _listenbrainz_sign_in(user)
    profile = claim_and_fetch(account_id, handle, display_name="Streaming history demo")
    answer = requests.get(f"{_sandbox_url()}/_control/export", params=UPLOAD_EXPORT, timeout=60)
    answer.raise_for_status()
    with tempfile.NamedTemporaryFile(suffix=".zip") as download:
        download.write(answer.content)
        download.flush()
        outcome = imports.import_now(account_id, profile.handle, Path(download.name))
    if outcome != imports.DONE:
        return f"not imported: {outcome}"
    return _publish(handle)


def _publish(handle):
    return demo_history.publish(handle)


ARTIST_DEMO = ("nadia", "Marlow Reed")   # the demo page that is also an artist's: their releases


def seed_music():
    """Give the artist demo page its MusicBrainz artist and releases, found as an owner finds them."""
    handle, name = ARTIST_DEMO
    profile = service.get(handle)
    if profile is None:
        return "no page"
    if music.chosen(profile) is not None:
        return "exists"
    try:
        music.pick(profile, music.search(name)[0]["mbid"])
    except (music.MusicRefused, IndexError) as exc:
        return f"no releases: {exc}"
    return "releases"


def _plan(count):
    """(source, listener, handle) for every demo page."""
    config = current_app.config
    plan = [("spotify", name, name) for name in demo_listeners(count)]
    plan += [("listenbrainz", name, name) for name in _listed(config["MUSICBRAINZ_URL"])["demo"]]
    plan += [("lastfm", name, f"{name}-fm") for name in _listed(config["LASTFM_API_URL"])["demo"]]
    return plan


def seed(count=0, workers=4):
    """Seed the demo profiles of every source in parallel; returns {handle: outcome}."""
    if not current_app.config["DEMO_MODE"]:
        raise DemoUnavailable("seed-demo works only with the local stand-ins (no real source configured)")
    app = current_app._get_current_object()
    # A command waits for its own work (and publishing needs the copy): copy is written inline.
    app.config["COPY_IN_BACKGROUND"] = False
    try:
        plan = _plan(count)
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise DemoUnavailable(f"a stand-in did not list its listeners ({type(exc).__name__})") from None

    def run(entry):
        source, listener, handle = entry
        with app.app_context():
            try:
                return handle, seed_one(source, listener, handle)
            except (requests.RequestException, SourceError, DemoUnavailable) as exc:
                return handle, f"{source} stand-in failed: {type(exc).__name__}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(pool.map(run, plan))
    with app.app_context():
        seed_music()     # not a page of its own: the summary's counts stay pages
    try:
        results[UPLOAD_DEMO[1]] = seed_upload()
        plan.append(("upload", UPLOAD_DEMO[0], UPLOAD_DEMO[1]))
    except (requests.RequestException, SourceError, DemoUnavailable) as exc:
        results[UPLOAD_DEMO[1]] = f"import failed: {type(exc).__name__}"
    try:
        results[demo_artist.ARTIST_DEMO[1]] = demo_artist.seed_artist(_listenbrainz_sign_in)
        plan.insert(0, ("artist", *demo_artist.ARTIST_DEMO))
    except (requests.RequestException, SourceError, DemoUnavailable) as exc:
        results[demo_artist.ARTIST_DEMO[1]] = f"artist page failed: {type(exc).__name__}"
    shown = [h for (_source, _listener, h) in plan
             if results.get(h) in ("published", "exists") and not h.startswith("listener-")]
    demo_pages.record(shown)
    return results
