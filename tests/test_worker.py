"""`flask worker`: idles in the web role, runs passes in the worker role, exits 0 on SIGTERM."""
import json
import os
import queue
import signal
import subprocess
import threading
import time

from anchor import metrics
from anchor.profiles import service
from tests.refresh_fixtures import connect, flask_command, subprocess_env

ROOT = os.path.dirname(os.path.dirname(__file__))


class Worker:
    """A `flask worker` subprocess whose stdout lines are read in the background."""

    def __init__(self, app, sandbox, **env):
        self.lines = queue.Queue()
        self.proc = subprocess.Popen(flask_command("worker"),
                                     env=subprocess_env(app, sandbox) | env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, msg, timeout=30):
        """The first JSON log line whose msg is `msg`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"worker exited with {self.proc.returncode}"
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == msg:
                return entry
        raise AssertionError(f"no {msg!r} line within {timeout}s")

    def terminate(self, timeout=15):
        """SIGTERM, then the exit code and how long it took."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def close(self):
        """Kill the process if it still runs and close its pipe."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        self.reader.join(5)
        self.proc.stdout.close()


def test_web_role_idles_and_exits_cleanly_on_sigterm(refresh_app, spotify_sandbox):
    worker = Worker(refresh_app, spotify_sandbox, ANCHOR_ROLE="web")
    try:
        idle = worker.wait_for("ANCHOR_ROLE=web: the scheduler runs only in the worker "
                               "environment; idling")
        assert idle["logger"] == "anchor.worker"
        code, took = worker.terminate()
        assert code == 0 and took < 3
    finally:
        worker.close()


def test_worker_role_runs_a_pass_and_exits_cleanly_on_sigterm(refresh_app, spotify_sandbox, tmp_path):
    connect(spotify_sandbox, "nadia", "nadia")
    worker = Worker(refresh_app, spotify_sandbox, ANCHOR_ROLE="worker",
                    ANCHOR_WORKER_INTERVAL_SECONDS="2", ANCHOR_LOG_DIR=str(tmp_path / "logs"))
    try:
        worker.wait_for("worker started")
        summary = worker.wait_for("refresh-due summary")
        assert summary["claimed"] is True and summary["outcomes"] == {"refreshed": 1}
        code, _took = worker.terminate()
        assert code == 0
    finally:
        worker.close()
    assert service.get("nadia").lastRefreshStatus == "refreshed"
    # The worker's own log file: bare JSON lines (no syslog prefix), APScheduler's included,
    # and the pass summary carries valid embedded-metric members.
    lines = (tmp_path / "logs" / "worker.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert {"anchor.worker", "anchor.refresh", "apscheduler.executors.default"} <= {e["logger"] for e in entries}
    assert [e for e in entries if "_aws" in e and metrics.validate(e)] == []
    assert {"refresh-due summary", "copy generated"} <= {e["msg"] for e in entries if "_aws" in e}
    summary = next(e for e in entries if e["msg"] == "refresh-due summary")
    assert metrics.validate(summary) == [] and summary["RefreshRuns"] == 1
    assert summary["Role"] == "worker" and summary["ProfilesRefreshed"] == 1
