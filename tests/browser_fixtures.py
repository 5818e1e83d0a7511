"""Pytest plugin for browser tests: a live app server, headless Chromium, screenshots."""
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from anchor import clock, create_app, migrate
from anchor.config import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_JS = ROOT / ".cache" / "axe" / "axe.min.js"
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """The app logs its own requests; werkzeug's per-request line is noise in test output."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app served on 127.0.0.1:<port> from a daemon thread."""

    def __init__(self, app, port):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"live-{port}", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_server(make_config):
    """The app on fresh migrated tables, reachable over HTTP (redirect URI on 127.0.0.1)."""
    from tests.conftest import drop_tables
    port = free_port()
    application = create_app(make_config(BASE_URL=f"http://127.0.0.1:{port}"))
    migrate.run(application.config, echo=lambda _line: None)
    server = LiveServer(application, port).start()
    yield server
    server.stop()
    drop_tables(application)
    clock.freeze(None)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the run, driven by Playwright's sync API."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(`make test` installs it, or run `scripts/bootstrap.sh --browser`).", pytrace=False)
    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_context(browser):
    """Factory for browser contexts (keyword args go to new_context); all closed at teardown."""
    opened = []

    def _open(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context
    yield _open
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh JavaScript-on context."""
    return new_context().new_page()


@pytest.fixture
def screenshot(request):
    """shot(page, step): full-page PNG at test-artifacts/screenshots/<test>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def _shot(target, step):
        path = SCREENSHOTS / f"{test}-{step}.png"
        # Lazy images below the fold never load in a full-page shot unless asked to load now.
        target.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(image => { image.loading = 'eager'; })")
        # Polled from here, not with wait_for_function: that polls inside the page, which never
        # runs in a context with JavaScript off. A shot is an artifact, so a slow image is no failure.
        deadline = time.monotonic() + 5
        while (not target.evaluate("[...document.images].every(image => image.complete)")
               and time.monotonic() < deadline):
            time.sleep(0.05)
        target.screenshot(path=str(path), full_page=True)
        return path
    return _shot


@pytest.fixture(scope="session")
def axe_script():
    """Path of axe-core's axe.min.js (fetched by `scripts/bootstrap.sh --browser`)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `scripts/bootstrap.sh --browser` (it fetches axe-core "
                    "from npm).", pytrace=False)
    return AXE_JS
