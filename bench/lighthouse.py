"""`make lighthouse`: Lighthouse (npm lighthouse@12.2.3, mobile preset, Debian's Chromium) on a
demo public page, the demo artist page (photo, links, releases), the first one's owner's dashboard
and the newest year page of the seeded upload page (/streaming-history/<yyyy>, found in its
timeline); prints the four category scores and the pages' heights on a 390 px phone. Not part of
`make test` (it takes a minute and needs Node).

Everything runs on this machine: a private stack (bench/stack.py), the demo listeners seeded
through `flask seed-demo`, one of them changed at the source and refreshed so the page shows
"What changed".
"""
import json
import re
import subprocess
import sys
import time
import urllib.request

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from anchor.config import ROOT
from anchor.demo import UPLOAD_DEMO
from bench.stack import SECRET_KEY, Stack
from devstack.ports import free_port
from devstack.s3 import S3Standin

LIGHTHOUSE = ROOT / ".cache" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
OUT = ROOT / "test-artifacts" / "lighthouse"
HANDLE = "nadia"
ARTIST = "juno-static"          # the demo artist page (anchor/demo_artist.py)
UPLOAD = UPLOAD_DEMO[1]         # the demo page imported from a generated data download: its years
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 95


def session_cookie(account):
    """A signed session for `account`, made with the stack's key (what a sign-in would leave)."""
    app = Flask("lighthouse")
    app.secret_key = SECRET_KEY
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps({"_user_id": account, "_fresh": True})


def lighthouse(url, name, headers=None):
    """Run Lighthouse once; (scores by category, report path)."""
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"{name}.json"
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-dev-shm-usage",
               "--only-categories=" + ",".join(CATEGORIES), "--form-factor=mobile"]
    if headers:
        command.append("--extra-headers=" + json.dumps(headers))
    subprocess.run(command, check=True, env={"CHROME_PATH": CHROMIUM, "PATH": "/usr/bin:/bin"}, timeout=300)
    data = json.loads(report.read_text())
    scores = {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}
    return scores, report


def newest_year(page_html, handle=UPLOAD):
    """The path of the newest year page the main page's timeline links, or None (no years)."""
    years = re.findall(rf'href="/{re.escape(handle)}/([0-9]{{4}})"', page_html)
    return f"/{handle}/{max(years)}" if years else None


def year_page(base):
    """The upload demo's newest year page's path, read from its public page as a visitor would."""
    with urllib.request.urlopen(f"{base}/{UPLOAD}", timeout=30) as answer:
        return newest_year(answer.read().decode())


def phone_height(url, shot="public-390.png"):
    """The page's full height in CSS px at 390 × 844 (Playwright, the same Chromium)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(url)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(OUT / shot), full_page=True)
        browser.close()
    return height


def main():
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run `scripts/bootstrap.sh --lighthouse`.")
    stack = Stack(generated=0)
    photos = S3Standin().start()          # the artist page's photo and the share images
    try:
        stack.start()
        port = free_port()
        env = stack.base_env(SECRET_KEY=SECRET_KEY, ANCHOR_BASE_URL=f"http://127.0.0.1:{port}",
                             ANCHOR_AI_PROVIDER="offline", AWS_ENDPOINT_URL_S3=photos.endpoint,
                             ANCHOR_PHOTO_BUCKET="anchor-photos",
                             ANCHOR_PHOTO_BASE_URL=photos.create_bucket("anchor-photos"))
        stack.flask("migrate", env=env)
        stack.flask("seed-demo", env=env)
        stack.sandbox_control("mutate", listener_id=HANDLE)
        stack.task("refresh_one", HANDLE, env=env)
        stack.start_gunicorn(env, port=port, name="gunicorn-lighthouse")
        base = f"http://127.0.0.1:{port}"
        rows = []
        public, _ = lighthouse(f"{base}/{HANDLE}", "public")
        rows.append(("public page /" + HANDLE, public))
        artist, _ = lighthouse(f"{base}/{ARTIST}", "artist")
        rows.append(("artist page /" + ARTIST, artist))
        cookie = session_cookie(f"spotify:{HANDLE}")
        dashboard, _ = lighthouse(f"{base}/dashboard", "dashboard", {"Cookie": f"session={cookie}"})
        rows.append(("dashboard", dashboard))
        year_path = year_page(base)
        if year_path is None:
            sys.exit(f"/{UPLOAD} links no year page: the seeded upload has no years to score.")
        year, _ = lighthouse(f"{base}{year_path}", "year")
        rows.append((f"year page {year_path}", year))
        height = phone_height(f"{base}/{HANDLE}")
        artist_height = phone_height(f"{base}/{ARTIST}", "artist-390.png")
        year_height = phone_height(f"{base}{year_path}", "year-390.png")
    finally:
        stack.close()
        photos.stop()
    print(f"| page | {' | '.join(CATEGORIES)} |")
    print("|---|" + "---|" * len(CATEGORIES))
    for name, scores in rows:
        print(f"| {name} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + " |")
    print(f"public page height at 390 px: {height} CSS px, artist page {artist_height}, "
          f"year page {year_height} (goal ≤ 2600)")
    print(f"reports: {OUT}")
    for name, scores in (("public page", public), ("artist page", artist), ("year page", year)):
        missed = [c for c in CATEGORIES if scores[c] < GOAL]
        print(f"{name}: " + ("every score ≥ 95" if not missed else "below 95: " + ", ".join(missed)))


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"lighthouse run: {time.perf_counter() - started:.0f} s")
