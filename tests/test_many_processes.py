"""Promises that must hold across processes, checked from the process that did NOT handle the action.

Each test runs two app processes (tests/two_processes.py) on the test's tables: the action goes
to process A, the check to process B, which has just served the same cookie.
"""
import re

import pytest

from anchor.models import ProfileModel
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, sign_in

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
        assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    processes.b.post("/dashboard/auto-refresh", copied, data={"csrf_token": token_b})
    processes.b.post("/dashboard/restore", copied, data={"csrf_token": token_b})
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.autoRefreshEnabled is not False or action == "disconnect"   # disconnect turns it off itself
    assert (profile.deletedAt is not None) == (action == "delete")       # a delete stays a delete
