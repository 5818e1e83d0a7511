"""Demo content: published profiles for the local stand-ins' demo listeners.

Demo data reaches the product the way real data does: the listeners are listed by the stand-in
over HTTP, signed in with tokens it issues, and fetched through the same refresh path as anyone.
"""
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from flask import current_app

from anchor.models import DEMO_PAGES_KEY, DemoPagesModel
from anchor.profiles import connection, editing, service
from anchor.profiles.handles import HandleError


class DemoUnavailable(Exception):
    """Seeding needs the local stand-ins (real accounts cannot be made up)."""


def _sandbox_url():
    return current_app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")


def demo_listeners(count=0):
    """The stand-in's hand-made demo listeners, plus `count` of its generated ones."""
    answer = requests.get(f"{_sandbox_url()}/_control/listeners", timeout=10)
    answer.raise_for_status()
    listed = answer.json()
    generated = min(count, int(listed.get("generated") or 0))
    return list(listed["demo"]) + [f"listener-{n:05d}" for n in range(1, generated + 1)]


def demo_pages():
    """Handles of the seeded demo pages, for the landing page (one GetItem), or []."""
    try:
        return list(DemoPagesModel.get(DEMO_PAGES_KEY).handles or [])
    except DemoPagesModel.DoesNotExist:
        return []


def seed_one(listener):
    """Sign the listener in through the stand-in, claim its handle, fetch, write copy, publish."""
    if service.get(listener) is not None:
        return "exists"
    answer = requests.post(f"{_sandbox_url()}/_control/issue_tokens",
                           json={"listener_id": listener}, timeout=10)
    if answer.status_code != 200:
        return f"sandbox refused: {answer.text[:80]}"
    token = answer.json()
    token["expires_at"] = int(time.time()) + int(token.get("expires_in", 3600))
    account_id, display_name, _ = connection.complete_sign_in(token)
    try:
        profile = connection.claim(account_id, listener, display_name=display_name)
    except HandleError as exc:
        return exc.code
    try:
        editing.publish(service.get(profile.handle))
    except editing.EditRefused as exc:
        return f"not published: {exc}"
    return "published"


def seed(count=0, workers=4):
    """Seed the demo profiles in parallel; returns {handle: outcome}."""
    if not current_app.config["SPOTIFY_SANDBOX"]:
        raise DemoUnavailable("seed-demo works only with the local stand-ins (SPOTIFY_CLIENT_ID unset)")
    app = current_app._get_current_object()
    try:
        listeners = demo_listeners(count)
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise DemoUnavailable(f"the Spotify stand-in did not list its listeners ({type(exc).__name__})") from None

    def run(listener):
        with app.app_context():
            try:
                return listener, seed_one(listener)
            except requests.RequestException as exc:
                return listener, f"sandbox unreachable: {type(exc).__name__}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(pool.map(run, listeners))
    shown = [h for h, outcome in results.items() if outcome in ("published", "exists")
             and not h.startswith("listener-")]
    DemoPagesModel(DEMO_PAGES_KEY, handles=shown).save()
    return results
