"""The processes a bench run needs: DynamoDB Local (in memory, own port), the Spotify sandbox,
gunicorn with production settings; plus the environment each of them gets.

Everything started here is stopped by `Stack.close()` (run.py calls it in `finally`).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from anchor.config import ROOT
from devstack.dynamodb import DynamoDBLocal
from devstack.ports import free_port, wait_for_port

TABLE_PREFIX = "bench-"
SECRET_KEY = "bench-only-key-8f3KqZ2xLw9RtYv7NcJ1mPa5UeHd4GsB0oTiXnQ"   # not secret: the bench's own tables
# Names that would change how the app behaves if the caller's shell happened to set them.
_SCRUB = ("ANCHOR_ENV", "SECRET_KEY", "ANCHOR_BASE_URL", "ANCHOR_TABLE_PREFIX", "ANCHOR_KMS_KEY_ID",
          "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_ACCOUNTS_URL", "SPOTIFY_API_URL",
          "ANCHOR_AI_PROVIDER", "BEDROCK_MODEL_ID", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
          "AWS_ENDPOINT_URL_KMS", "ANCHOR_PAGE_CACHE_SECONDS",
          "ANCHOR_REFRESH_RUN_CAP", "ANCHOR_REFRESH_CONCURRENCY", "ANCHOR_REFRESH_SPOTIFY_BUDGET",
          "AWS_PROFILE", "AWS_SESSION_TOKEN", "GUNICORN_WORKERS", "GUNICORN_THREADS", "PORT")


def http(method, url, body=None, headers=None, timeout=10):
    """(status, headers, body bytes) for one request; HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Stack:
    """DynamoDB Local + Spotify sandbox for the whole run; gunicorn started per phase."""

    def __init__(self, generated=1000):
        self.generated = generated
        self.tmp = Path(tempfile.mkdtemp(prefix="anchor-bench-"))
        self.database = DynamoDBLocal()            # free port, -inMemory: never the make-run one
        self.sandbox_port = free_port()
        self.sandbox = None
        self.brainz_port, self.lastfm_port = free_port(), free_port()
        self.stand_ins = []          # the MusicBrainz/ListenBrainz and Last.fm stand-ins
        self.gunicorn = None
        self.gunicorn_port = None
        self._logs = []

    # -- environments ------------------------------------------------------------------------
    @property
    def sandbox_url(self):
        return f"http://127.0.0.1:{self.sandbox_port}"

    def base_env(self, prefix=TABLE_PREFIX, **extra):
        """Development settings on the bench's DynamoDB Local and sandbox."""
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env.update({
            "ANCHOR_ENV": "development", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_DYNAMODB": self.database.endpoint, "ANCHOR_TABLE_PREFIX": prefix,
            "ANCHOR_DATA_DIR": str(self.tmp / "data"), "ANCHOR_SPOTIFY_SANDBOX_URL": self.sandbox_url,
            "ANCHOR_BRAINZ_SANDBOX_URL": f"http://127.0.0.1:{self.brainz_port}",
            "ANCHOR_LASTFM_SANDBOX_URL": f"http://127.0.0.1:{self.lastfm_port}",
            # Nothing in the bench may reach AWS: KMS points at a closed port.
            "AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:9", "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        })
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def production_env(self, **extra):
        """Production settings (dummy but valid secrets), Spotify URLs pointed at the sandbox."""
        return self.base_env(
            ANCHOR_ENV="production", SECRET_KEY=SECRET_KEY, SPOTIFY_CLIENT_ID="bench-dummy-client",
            SPOTIFY_CLIENT_SECRET="bench-dummy-secret", SPOTIFY_ACCOUNTS_URL=self.sandbox_url,
            MUSICBRAINZ_CLIENT_ID="bench-dummy-mb", MUSICBRAINZ_CLIENT_SECRET="bench-dummy-mb-secret",
            LASTFM_API_KEY="bench-dummy-key", LASTFM_SHARED_SECRET="bench-dummy-lastfm-secret",
            SPOTIFY_API_URL=self.sandbox_url, ANCHOR_KMS_KEY_ID="alias/anchor-bench-dummy",
            ANCHOR_BASE_URL="https://bench.anchor.band", **extra)

    # -- long-lived processes ----------------------------------------------------------------
    def start(self):
        self.database.start()
        log = self._log("sandbox")
        self.sandbox = subprocess.Popen(
            [sys.executable, "-m", "devstack.spotify_sandbox", "--port", str(self.sandbox_port),
             "--generated", str(self.generated)],
            env=self.base_env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.sandbox_port)
        for module, port in (("devstack.brainz", self.brainz_port), ("devstack.lastfm", self.lastfm_port)):
            self.stand_ins.append(subprocess.Popen(
                [sys.executable, "-m", module, "--port", str(port)], env=self.base_env(), cwd=ROOT,
                stdout=self._log(module.split(".")[1]), stderr=subprocess.STDOUT))
            wait_for_port(port)
        return self

    def _log(self, name):
        handle = open(self.tmp / f"{name}.log", "ab")
        self._logs.append(handle)
        return handle

    def flask(self, *args, env=None, timeout=600):
        """Run `flask --app wsgi ARGS` to completion; raise with its output on failure."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                                env=env or self.base_env(), capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} exited {result.returncode}:\n"
                               f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return result.stdout

    def task(self, name, *args, env=None, timeout=600):
        """Run `python -m bench.tasks NAME ARGS` (app code in its own process); its JSON answer."""
        result = subprocess.run([sys.executable, "-m", "bench.tasks", name, *map(str, args)],
                                cwd=ROOT, env=env or self.base_env(), capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"bench task {name} exited {result.returncode}:\n"
                               f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
        if not lines:
            raise RuntimeError(f"bench task {name} printed no result:\n{result.stdout[-2000:]}")
        return json.loads(lines[-1][len("BENCH "):])

    def sandbox_control(self, action, **args):
        status, _, body = http("POST", f"{self.sandbox_url}/_control/{action}", args)
        if status != 200:
            raise RuntimeError(f"sandbox {action}: HTTP {status} {body[:200]!r}")
        return json.loads(body)

    def sandbox_stats(self):
        return json.loads(http("GET", f"{self.sandbox_url}/_control/stats")[2])

    # -- gunicorn ----------------------------------------------------------------------------
    def start_gunicorn(self, env, extra_args=(), name="gunicorn", timeout=60, port=None):
        """Spawn the production web command; returns seconds from spawn to the first /healthz 200."""
        self.stop_gunicorn()
        self.gunicorn_port = port or free_port()
        cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{self.gunicorn_port}", *extra_args, "wsgi:application"]
        log = self._log(name)
        started = time.perf_counter()
        self.gunicorn = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        url = f"{self.web_url}/healthz"
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.gunicorn.returncode}; see {log.name}")
            try:
                if http("GET", url, timeout=2)[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"gunicorn gave no /healthz 200 within {timeout}s; see {log.name}")

    @property
    def web_url(self):
        return f"http://127.0.0.1:{self.gunicorn_port}"

    def gunicorn_workers(self):
        """PIDs of the gunicorn worker processes (children of the master)."""
        if not self.gunicorn:
            return []
        path = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop_gunicorn(self):
        proc, self.gunicorn = self.gunicorn, None
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)      # graceful: master stops its workers
            try:
                proc.wait(25)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)   # its own session: the master and its workers
                proc.wait(5)

    def close(self):
        """Stop everything this stack started (safe to call twice)."""
        try:
            self.stop_gunicorn()
        finally:
            proc, self.sandbox = self.sandbox, None
            for proc in [proc, *self.stand_ins]:
                if proc and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(5)
            self.stand_ins = []
            self.database.stop()
            for handle in self._logs:
                handle.close()


def _proc_kb(path, field):
    """A `<field>: N kB` line of a /proc file, in KiB (None when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kb(pid):
    """VmRSS of a process in KiB."""
    return _proc_kb(f"/proc/{pid}/status", "VmRSS")


def pss_kb(pid):
    """Proportional set size in KiB: the worker's own pages plus its share of the pages it
    shares with the preloading master."""
    return _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss")
