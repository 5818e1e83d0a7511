"""Two app processes on one DynamoDB Local: a promise made by one is checked from the other.

`two_processes(count=2, host=…, **overrides)` starts `tests.app_child` servers with the test
app's tables, secret key, vault and stand-ins (plus `overrides`), so a cookie made by the test
client opens each of them. `.a` and `.b` are the processes (`.all` every one, `.tmpdir` their
TMPDIR); each has `.url`, `.get`/`.post` (requests, no redirects) and `.kill()`. Every process
is stopped after the test; its output is in the test's tmp_path (process-N.log).
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tests.app_child import CONFIG_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60
SHARED = ("TABLE_PREFIX", "DYNAMODB_ENDPOINT", "SECRET_KEY", "BASE_URL", "QUIET_REQUEST_LOG",
          "SPOTIFY_ACCOUNTS_URL", "SPOTIFY_API_URL", "MUSICBRAINZ_URL", "LISTENBRAINZ_API_URL",
          "COVERART_URL", "LASTFM_API_URL", "LASTFM_AUTH_URL", "AI_PROVIDER")


class AppProcess:
    """One served app process and an HTTP client for it that keeps no cookies of its own."""

    def __init__(self, config, env, log_path, host="127.0.0.1"):
        self.http = requests.Session()
        port_file = log_path.with_suffix(".port")
        with open(log_path, "wb") as log:         # the app logs JSON lines on stdout
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.app_child", host, str(port_file)],
                                         cwd=ROOT, env=env | {CONFIG_VARIABLE: json.dumps(config)},
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the app process did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        self.url = f"http://{host}:{int(port_file.read_text())}"

    def get(self, path, cookie=None, **kwargs):
        """GET a path with the session cookie `cookie` (a value), never following redirects."""
        return self.http.get(self.url + path, **self._options(cookie, kwargs))

    def post(self, path, cookie=None, **kwargs):
        """POST to a path with the session cookie `cookie`, never following redirects."""
        return self.http.post(self.url + path, **self._options(cookie, kwargs))

    @staticmethod
    def _options(cookie, kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if cookie is not None:
            headers["Cookie"] = f"session={cookie}"
        return {"headers": headers, "allow_redirects": False, "timeout": 30, **kwargs}

    def kill(self):
        """Kill the process at once (SIGKILL: no cleanup runs, as when a worker is killed)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.http.close()


def child_config(app, **overrides):
    """The test app's settings a child process needs to share its tables and cookies."""
    config = {name: app.config[name] for name in SHARED if name in app.config}
    config["DATA_DIR"] = str(app.config["DATA_DIR"])
    return config | overrides


@pytest.fixture
def two_processes(app, tmp_path):
    """Factory: start `count` app processes (A, B, …) listening on `host`, on the test app's
    tables with `overrides`; all are stopped after the test."""
    started = []
    tmpdir = tmp_path / "processes-tmp"
    tmpdir.mkdir()

    def _start(count=2, host="127.0.0.1", **overrides):
        env = dict(os.environ, PYTHONUNBUFFERED="1", TMPDIR=str(tmpdir))
        env.pop("FLASK_APP", None)
        processes = [AppProcess(child_config(app, **overrides), env, tmp_path / f"process-{len(started) + n}.log",
                                host) for n in range(count)]
        started.extend(processes)
        first, second = (processes + [None, None])[:2]
        return SimpleNamespace(a=first, b=second, all=processes, tmpdir=tmpdir)
    yield _start
    for process in started:
        process.kill()
