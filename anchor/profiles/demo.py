"""Demo content: one published profile per sandbox listener, fetched through the sandbox."""
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from flask import current_app

from anchor.profiles import connection, editing, service
from anchor.profiles.handles import HandleError
from anchor.spotify.sandbox_data import demo_listener_ids

ADVERSARIAL = "xss-probe"


class DemoUnavailable(Exception):
    """Seeding needs the Spotify sandbox (real Spotify accounts cannot be made up)."""


def demo_handles(count=0):
    """The hand-made demo listeners, plus `count` generated ones."""
    hand_made = [h for h in demo_listener_ids(0) if h != ADVERSARIAL]
    return hand_made + [f"listener-{n:05d}" for n in range(1, count + 1)]


def seed_one(listener):
    """Sign the listener in through the sandbox, claim its handle, fetch, write copy, publish."""
    if service.get(listener) is not None:
        return "exists"
    sandbox = current_app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
    answer = requests.post(f"{sandbox}/_control/issue_tokens", json={"listener_id": listener}, timeout=10)
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
        raise DemoUnavailable("seed-demo works only with the Spotify sandbox (SPOTIFY_CLIENT_ID unset)")
    app = current_app._get_current_object()

    def run(listener):
        with app.app_context():
            try:
                return listener, seed_one(listener)
            except requests.RequestException as exc:
                return listener, f"sandbox unreachable: {type(exc).__name__}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(run, demo_handles(count)))
