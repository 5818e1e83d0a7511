"""The worker tier on this machine: the SQS stand-in, the worker app over HTTP, the local daemon."""
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from anchor import create_app
from devstack.sqs import SqsStandin, depth
from devstack.sqsd import Daemon


@pytest.fixture(scope="module")
def sqs_standin():
    standin = SqsStandin().start()
    yield standin
    standin.stop()


def wait_for(condition, timeout=30.0, step=0.05):
    """Poll `condition()` until it is true; False when `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def worker_tier(refresh_app, make_config, sqs_standin, monkeypatch, request):
    """A worker-role app in queue mode served on 127.0.0.1, its queue and dead-letter queue, and
    a daemon (not started) that delivers to it; everything is stopped afterwards.

    A message goes to the dead-letter queue after 2 receives, or after `request.param` when a
    test parametrizes the fixture indirectly."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", sqs_standin.endpoint)
    receives = getattr(request, "param", 2)
    url, dead = sqs_standin.create_queues(name=f"refresh-{uuid.uuid4().hex[:8]}", max_receives=receives)
    worker = create_app(make_config(ROLE="worker", REFRESH_MODE="queue", REFRESH_QUEUE_URL=url))
    server = make_server("127.0.0.1", 0, worker, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    daemon = Daemon(sqs_standin.endpoint, url, f"http://127.0.0.1:{server.port}/worker/refresh",
                    connections=2, error_visibility=1, wait=0)
    tier = SimpleNamespace(app=worker, url=url, dead=dead, daemon=daemon, endpoint=sqs_standin.endpoint,
                           depth=lambda which=url: depth(sqs_standin.endpoint, which))
    yield tier
    daemon.stop()
    server.shutdown()
