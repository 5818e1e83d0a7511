"""The worker tier's queue: the hourly pass sends due handles to SQS in batches of ten.

Elastic Beanstalk's daemon (sqsd) on every worker instance receives the messages and POSTs each
one to `/worker/refresh` (anchor/web/worker.py); a 200 deletes it, anything else makes it
visible again later, and after a few receives it moves to the dead-letter queue. SQS delivers
at least once, so the route re-checks that a profile is still due before refreshing it.
Only `SendMessageBatch` is called from the app (IAM action `sqs:SendMessage`).
"""
import json
import logging
import threading

from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

from anchor.logs import log_event
from anchor.profiles import index

log = logging.getLogger("anchor.refresh")

SEND_BATCH = 10            # SendMessageBatch takes at most 10 entries
PAGE = 50                  # handles read from the due index per query page


class RefreshQueue:
    """Sends refresh messages to one SQS queue (endpoint from AWS_ENDPOINT_URL_SQS locally)."""

    def __init__(self, url, *, region=None, client=None):
        self.url, self._region, self._client = url, region, client
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                from anchor import aws
                self._client = aws.client("sqs", region_name=self._region)
            return self._client

    def send(self, handles, reason="scheduled"):
        """Send one message per handle, ten per call; the number sent (failed entries once more)."""
        sent = 0
        for start in range(0, len(handles), SEND_BATCH):
            entries = [{"Id": str(n), "MessageBody": json.dumps({"handle": h, "reason": reason})}
                       for n, h in enumerate(handles[start:start + SEND_BATCH])]
            for attempt in (1, 2):
                self.calls += 1
                answer = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
                sent += len(answer.get("Successful", []))
                failed = {f["Id"] for f in answer.get("Failed", [])}
                if not failed:
                    break
                log_event(log, "queue entries refused", level=logging.WARNING, attempt=attempt,
                          count=len(failed), codes=sorted({f.get("Code") for f in answer["Failed"]}))
                entries = [e for e in entries if e["Id"] in failed]
        return sent


def refresh_queue(app=None):
    """This process's RefreshQueue for ANCHOR_REFRESH_QUEUE_URL."""
    app = app or current_app._get_current_object()
    queue = app.extensions.get("anchor.refresh_queue")
    if queue is None:
        queue = RefreshQueue(app.config["REFRESH_QUEUE_URL"], region=app.config["AWS_REGION"])
        app.extensions["anchor.refresh_queue"] = queue
    return queue


def fan_out(now, size, keep_claim, stopping=lambda: False):
    """Page the due index and queue up to `size` handles: (queued, scanned, stopped reason).

    `keep_claim()` extends the pass's slot between pages and says False when it was taken over.
    """
    queue = refresh_queue()
    queued = scanned = 0
    cursor, stopped = None, None
    while queued < size:
        if stopping():
            stopped = "shutting down"
            break
        handles, cursor, page_scanned = index.due_profiles(now, limit=min(PAGE, size - queued),
                                                           cursor=cursor)
        scanned += page_scanned
        try:
            queued += queue.send(handles)
        except (ClientError, BotoCoreError) as exc:    # the rest stays due for the next pass
            log_event(log, "refresh queue unavailable", level=logging.ERROR, error=type(exc).__name__)
            stopped = "queue unavailable"
            break
        if cursor is None:
            break
        if not keep_claim():
            stopped = "slot taken over"
            break
    return queued, scanned, stopped
