"""Queue mode: the hourly pass fans out through SQS, the daemon POSTs to the worker-only route."""
import json

import pytest

from anchor.profiles import service
from anchor.refresh import lock, queue, scheduler
from devstack.sqs import sqs_client
from tests.queue_fixtures import wait_for
from tests.refresh_fixtures import connect, due_handles


def _refreshed(handle):
    return service.get(handle).lastRefreshStatus == "refreshed"


def test_queue_mode_end_to_end_refreshes_every_due_profile_once(worker_tier, spotify_sandbox):
    for n in range(3):
        connect(spotify_sandbox, f"fan-{n}", "nadia", account=f"fan-acct-{n}")
    connect(spotify_sandbox, "not-yet", "aiko", due=False)
    spotify_sandbox.reset_stats()
    with worker_tier.app.app_context():
        summary = scheduler.refresh_due()
        queue.refresh_queue().send(["fan-0"])          # SQS may deliver a message twice
    assert summary["claimed"] and summary["queued"] == 3 and summary["processed"] == 0
    assert summary["sizing"]["due_now"] == 3 and summary["sizing"]["behind"] == 0
    assert worker_tier.depth() == 4 and spotify_sandbox.stats()["paths"]["/v1/me/top/artists"] == 0
    worker_tier.daemon.start()
    assert wait_for(lambda: worker_tier.depth() == 0)
    assert all(_refreshed(f"fan-{n}") for n in range(3)) and not _refreshed("not-yet")
    assert due_handles() == []
    assert spotify_sandbox.stats()["paths"]["/v1/me/top/artists"] == 3 * 3     # 3 ranges each, once
    assert worker_tier.daemon.stats["deleted"] == 4 and worker_tier.depth(worker_tier.dead) == 0


# Five receives: the lock is released after the first 503 while the daemon retries every second,
# and a busy machine must not push the message into the dead-letter queue before that.
@pytest.mark.parametrize("worker_tier", [5], indirect=True)
def test_a_message_for_a_locked_profile_is_retried_and_refreshed_once(worker_tier, spotify_sandbox):
    profile = connect(spotify_sandbox, "busy", "nadia")
    lock_id = lock.acquire_lock(profile)
    spotify_sandbox.reset_stats()
    with worker_tier.app.app_context():
        assert queue.refresh_queue().send(["busy"]) == 1
    worker_tier.daemon.start()
    assert wait_for(lambda: worker_tier.daemon.stats["status_503"] >= 1)
    assert not _refreshed("busy") and worker_tier.depth() == 1      # back in the queue, not lost
    lock.release_lock(service.get("busy"), lock_id)
    assert wait_for(lambda: worker_tier.depth() == 0)
    assert _refreshed("busy")
    assert spotify_sandbox.stats()["paths"]["/v1/me/top/artists"] == 3
    assert worker_tier.daemon.stats["deleted"] == 1 and worker_tier.depth(worker_tier.dead) == 0


def test_a_poison_message_ends_in_the_dead_letter_queue(worker_tier):
    client = sqs_client(worker_tier.endpoint)
    client.send_message(QueueUrl=worker_tier.url, MessageBody="{not json")
    client.send_message(QueueUrl=worker_tier.url, MessageBody=json.dumps({"handle": "../etc"}))
    worker_tier.daemon.start()
    assert wait_for(lambda: worker_tier.depth(worker_tier.dead) == 2)
    assert worker_tier.depth() == 0
    assert worker_tier.daemon.stats["status_400"] == 4            # two receives each, then moved
    assert worker_tier.daemon.stats["deleted"] == 0


def test_a_message_for_a_gone_or_not_due_profile_is_deleted_without_a_refresh(worker_tier, spotify_sandbox):
    connect(spotify_sandbox, "later", "nadia", due=False)
    spotify_sandbox.reset_stats()
    with worker_tier.app.app_context():
        queue.refresh_queue().send(["later", "nobody-here"])
    worker_tier.daemon.start()
    assert wait_for(lambda: worker_tier.daemon.stats["deleted"] == 2)
    assert worker_tier.depth() == 0 and spotify_sandbox.stats()["requests"] == 0


REMOTE = [({"REMOTE_ADDR": "10.0.3.7"}, {}),
          ({}, {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}),
          ({}, {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}),
          ({}, {"X-Real-IP": "203.0.113.9"})]


def test_the_worker_route_refuses_non_local_callers(worker_tier, spotify_sandbox):
    connect(spotify_sandbox, "target", "nadia")
    client = worker_tier.app.test_client()
    for environ, headers in REMOTE:
        answer = client.post("/worker/refresh", json={"handle": "target"}, headers=headers,
                             environ_base=dict({"REMOTE_ADDR": "127.0.0.1"}, **environ))
        assert answer.status_code == 403, (environ, headers)
    assert service.get("target").lastRefreshStatus is None
    local = client.post("/worker/refresh", json={"handle": "target"}, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                        headers={"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"})
    assert local.status_code == 200 and local.get_json()["outcome"] == "refreshed"


def test_the_worker_route_exists_only_in_the_worker_role(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "target", "nadia")
    answer = refresh_app.test_client().post("/worker/refresh", json={"handle": "target"},
                                            environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.status_code in (404, 405)
    assert service.get("target").lastRefreshStatus is None
