"""Promises that must hold across processes, checked from the process that did NOT handle the action.

Each test runs two app processes (tests/two_processes.py) on the test's tables: the action goes
to process A, the check to process B, which has just served the same cookie.
"""
import os
import re
import socket
import tempfile
import time

import pytest

from anchor.models import ImportModel, ProfileModel
from anchor.profiles import imports
from devstack.spotify_export import write_export
from tests.source_web_helpers import app_path, lastfm_consent, query_of
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, csrf_token, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cookie(client):
    return client.get_cookie("session").value


def _csrf(answer):
    match = CSRF.search(answer.text)
    assert match, answer.text[:200]
    return match.group(1)


# -- sessions: a revoked session is refused by every process at once ------------------------------
ACTIONS = {"sign out": ("/logout", {}),
           "sign out everywhere": ("/dashboard/sign-out-everywhere", {}),
           "disconnect": ("/dashboard/disconnect", {}),
           "delete": ("/dashboard/delete", {"confirm_handle": "nadia"})}


@pytest.mark.parametrize("action", ACTIONS)
def test_a_revoked_session_is_refused_at_once_by_the_other_process(app, two_processes, action):
    owner, other = app.test_client(), app.test_client()
    claim(owner, "nadia")
    sign_in(other, "nadia")                                      # the same owner in a second browser
    processes = two_processes()
    copied = _cookie(other)
    seen = processes.b.get("/dashboard", copied)                 # B has just checked this session
    assert seen.status_code == 200
    token_b = _csrf(seen)
    path, data = ACTIONS[action]
    mine = _cookie(owner)
    done = processes.a.post(path, mine, data=dict(data, csrf_token=_csrf(processes.a.get("/dashboard", mine))))
    assert done.status_code in (302, 303), done.status_code
    for _ in range(20):                                          # every replay, not only the first
        replay = processes.b.get("/dashboard", copied)
        assert replay.status_code == 302 and "/signin" in replay.headers["Location"]
    processes.b.post("/dashboard/auto-refresh", copied, data={"csrf_token": token_b})
    processes.b.post("/dashboard/restore", copied, data={"csrf_token": token_b})
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.autoRefreshEnabled is not False or action == "disconnect"   # disconnect turns it off itself
    assert (profile.deletedAt is not None) == (action == "delete")       # a delete stays a delete


# -- the worker route reads the socket peer, never a header ----------------------------------------
FORGED_LOOPBACK = {"X-Forwarded-For": "127.0.0.1, 127.0.0.1"}


def test_the_worker_route_refuses_a_remote_peer_that_forges_loopback_hops(make_app):
    """With two trusted hops ProxyFix turns the forged header into remote_addr 127.0.0.1; the
    route must look at the address the socket had (werkzeug.proxy_fix.orig)."""
    worker = make_app(ROLE="worker", TRUSTED_PROXY_HOPS=2).test_client()
    remote = worker.post("/worker/refresh", json={"handle": "nobody"}, headers=FORGED_LOOPBACK,
                         environ_base={"REMOTE_ADDR": "10.0.3.7"})
    assert remote.status_code == 403
    local = worker.post("/worker/refresh", json={"handle": "nobody"}, headers={"X-Forwarded-For": "127.0.0.1"},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"})          # sqsd through nginx
    assert local.status_code == 200 and local.get_json()["outcome"] == "not-due"


def test_the_worker_route_over_http_refuses_a_non_loopback_peer(two_processes):
    """The same through a real socket, when this machine has an address other than loopback."""
    address = _outside_address()
    if address is None:
        pytest.skip("no non-loopback address on this machine")
    worker = two_processes(count=1, host=address, ROLE="worker", TRUSTED_PROXY_HOPS=2).a
    answer = worker.post("/worker/refresh", json={"handle": "nobody"}, headers=FORGED_LOOPBACK)
    assert answer.status_code == 403


def _outside_address():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))          # no packet is sent: this only picks a route
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


# -- the case-folding redirect keeps only the known query parameters ------------------------------
@pytest.mark.parametrize("query,expected", [
    ("?handle=x", "/nadia"), ("?_method=POST", "/nadia"), ("?_external=1", "/nadia"),
    ("?_scheme=https&_anchor=x", "/nadia"), ("?range=month&utm_source=x", "/nadia?range=month"),
    ("", "/nadia")])
def test_the_case_folding_redirect_keeps_only_known_parameters(two_processes, query, expected):
    visitor = two_processes(count=1).a
    answer = visitor.get(f"/Nadia{query}", headers={"Host": "evil.example"})
    assert answer.status_code == 301
    assert answer.headers["Location"] == expected


# -- Last.fm: the callback is bound to the token the server asked for, used once in any process ----
def _lastfm_start(process, cookie=None):
    """GET /login/lastfm on a process; the Last.fm auth URL and the browser's session cookie."""
    start = process.get("/login/lastfm", cookie)
    assert start.status_code == 302, start.status_code
    return start.headers["Location"], start.cookies.get("session") or cookie


def test_a_nonce_with_another_users_token_is_refused(app, two_processes, lastfm_standin):
    processes = two_processes()
    auth_a, cookie_a = _lastfm_start(processes.a)                    # browser A starts, on process A
    auth_b, _cookie_b = _lastfm_start(processes.b)                   # user B starts one too
    callback_a = lastfm_consent(auth_a, "ella_bluenote")
    callback_b = lastfm_consent(auth_b, "grimnir")                   # B's token, never used by B
    forged = f"{app_path(callback_a).split('&token=')[0]}&token={query_of(callback_b)['token']}"
    answer = processes.b.get(forged, cookie_a)                       # A's nonce with B's token
    assert answer.status_code == 400 and "Sign-in expired" in answer.text
    assert lastfm_standin.stats()["paths"].get("/2.0/auth.getsession", 0) == 0


def test_a_cookie_copied_before_the_callback_cannot_use_the_nonce_again(two_processes, lastfm_standin):
    processes = two_processes()
    auth_url, copied = _lastfm_start(processes.a)
    callback = app_path(lastfm_consent(auth_url, "ella_bluenote"))
    first = processes.a.get(callback, copied)
    assert first.status_code == 302 and first.headers["Location"].endswith("/dashboard")
    other_url, _ = _lastfm_start(processes.b)                        # a fresh token, never used
    fresh = query_of(lastfm_consent(other_url, "grimnir"))["token"]
    replay = processes.b.get(f"{callback.split('&token=')[0]}&token={fresh}", copied)
    assert replay.status_code == 400 and "Sign-in expired" in replay.text
    assert lastfm_standin.stats()["paths"]["/2.0/auth.getsession"] == 1


# -- uploads: a killed process's upload is removed by another process ------------------------------
def _orphans(processes):
    root = processes.tmpdir / "anchor-imports"
    return sorted(p for p in root.glob("import-*")) if root.exists() else []


def _upload_to(process, cookie, path):
    token = _csrf(process.get("/dashboard", cookie))
    with open(path, "rb") as handle:
        return process.post("/dashboard/upload", cookie, data={"csrf_token": token, "replace_source": "yes"},
                            files={"file": (path.name, handle, "application/zip")})


def _age(directory, seconds):
    """Make an import directory look untouched for `seconds` (its lease ran out that long ago)."""
    then = time.time() - seconds
    for entry in [directory, *directory.iterdir()]:
        os.utime(entry, (then, then))


def test_an_upload_left_by_a_killed_process_is_removed_by_another(app, two_processes, tmp_path):
    owner = app.test_client()
    claim(owner, "nadia")
    processes = two_processes()
    big = write_export(tmp_path / "my_spotify_data.zip", plays=60_000, years=3, seed=5)
    assert _upload_to(processes.a, _cookie(owner), big).status_code == 303
    processes.a.kill()                                   # mid-import: no `finally` runs
    (left,) = _orphans(processes)
    assert (left / "upload").stat().st_size > 0          # the listening history, on disk
    _age(left, imports.ORPHAN_AFTER.total_seconds() - 30)
    assert processes.b.get("/", _cookie(owner)).status_code == 200
    assert _orphans(processes) == [left]                 # still within its lease: kept
    _age(left, imports.ORPHAN_AFTER.total_seconds() + 1)
    small = write_export(tmp_path / "small.zip", plays=200, seed=6)
    assert _upload_to(processes.b, _cookie(owner), small).status_code == 303   # B sweeps as it starts one
    assert left not in _orphans(processes)


def test_a_new_process_removes_orphaned_uploads_when_it_starts(app, two_processes):
    processes = two_processes(count=1)
    root = processes.tmpdir / "anchor-imports"
    orphan = root / "import-killed"
    orphan.mkdir(parents=True)
    (orphan / "upload").write_bytes(b"history with addresses")
    _age(orphan, imports.ORPHAN_AFTER.total_seconds() + 1)
    two_processes(count=1)                               # another process starts on this machine
    assert not orphan.exists()


def test_a_quickly_refused_upload_never_answers_500(app, monkeypatch, tmp_path):
    """The import thread may finish (and delete the file) before the request logs its size."""
    class AtOnce:
        def __init__(self, target, args, **_kwargs):
            self.target, self.args = target, args

        def start(self):
            self.target(*self.args)
    monkeypatch.setattr(imports.threading, "Thread", AtOnce)
    owner = app.test_client()
    claim(owner, "nadia")
    path = tmp_path / "upload.json"
    path.write_bytes(b"\x00\x01garbage that is no archive")
    with open(path, "rb") as handle:
        answer = owner.post("/dashboard/upload", content_type="multipart/form-data",
                            data={"file": (handle, "upload.json"), "csrf_token": csrf_token(owner),
                                  "replace_source": "yes"})
    assert answer.status_code == 303


def test_a_finished_import_leaves_nothing_in_the_import_directories(app, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    owner = app.test_client()
    claim(owner, "nadia")
    path = write_export(tmp_path / "my_spotify_data.zip", plays=300, seed=4)
    with open(path, "rb") as handle:
        answer = owner.post("/dashboard/upload", content_type="multipart/form-data",
                            data={"file": (handle, path.name), "csrf_token": csrf_token(owner),
                                  "replace_source": "yes"})
    assert answer.status_code == 303
    deadline = time.monotonic() + 30
    while ImportModel.get("IMPORT#spotify:nadia", consistent_read=True).status == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert list((tmp_path / "tmp" / "anchor-imports").iterdir()) == []
