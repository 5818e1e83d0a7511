"""A local stand-in for Elastic Beanstalk's worker daemon (sqsd): poll SQS, POST each message.

As on a worker instance: it long-polls the queue, POSTs each message body to the app
(`http://127.0.0.1:<port><HttpPath>`) with `Content-Type: application/json`, `User-Agent:
aws-sqsd`, `X-Aws-Sqsd-Msgid`, `X-Aws-Sqsd-Receive-Count`, `X-Aws-Sqsd-First-Received-At` and
`X-Aws-Sqsd-Queue`, at most `connections` at once. A 200 deletes the message; any other answer
or no answer within the inactivity timeout makes it visible again after the error visibility
timeout; a message older than the retention period is deleted unsent. After `MaxRetries`
receives the queue's redrive policy moves it to the dead-letter queue (devstack/sqs.py).

`python -m devstack.sqsd --endpoint URL --queue-url URL --http-url URL [--connections N]`
"""
import argparse
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timezone

import requests

from devstack.sqs import sqs_client


class Daemon:
    """Polls one queue and delivers its messages over HTTP until `stop()`."""

    def __init__(self, endpoint, queue_url, http_url, *, connections=1, visibility=330,
                 error_visibility=2, inactivity=270, retention=3600, wait=1):
        self.queue_url, self.http_url, self.connections = queue_url, http_url, connections
        self.visibility, self.error_visibility = visibility, error_visibility
        self.inactivity, self.retention, self.wait = inactivity, retention, wait
        self.client = sqs_client(endpoint)
        self.stats = Counter()
        self._slots = threading.BoundedSemaphore(connections)
        self._stop = threading.Event()
        self._local = threading.local()
        self._stats_lock = threading.Lock()
        self._thread = None

    def _count(self, what):
        with self._stats_lock:
            self.stats[what] += 1

    def _session(self):
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def deliver(self, message):
        """POST one message; delete it on 200, make it visible again later otherwise."""
        attributes = message.get("Attributes", {})
        handle = message["ReceiptHandle"]
        try:
            sent_at = int(attributes.get("SentTimestamp", 0)) / 1000
            if sent_at and time.time() - sent_at > self.retention:
                self._count("expired")
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)
                return
            first = int(attributes.get("ApproximateFirstReceiveTimestamp", time.time() * 1000)) / 1000
            headers = {"Content-Type": "application/json", "User-Agent": "aws-sqsd/3.0.4",
                       "X-Aws-Sqsd-Msgid": message["MessageId"],
                       "X-Aws-Sqsd-Receive-Count": attributes.get("ApproximateReceiveCount", "1"),
                       "X-Aws-Sqsd-First-Received-At": datetime.fromtimestamp(first, timezone.utc)
                       .strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "X-Aws-Sqsd-Queue": self.queue_url.rsplit("/", 1)[-1]}
            try:
                answer = self._session().post(self.http_url, data=message["Body"].encode(), headers=headers,
                                              timeout=(5, self.inactivity))
                status = answer.status_code
            except requests.RequestException:
                status = None
            self._count(f"status_{status}")
            if status == 200:
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)
                self._count("deleted")
            else:
                self.client.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle,
                                                      VisibilityTimeout=self.error_visibility)
                self._count("retried")
        finally:
            self._slots.release()

    def run(self):
        """Poll until stopped: receive as many messages as there are free connections."""
        while not self._stop.is_set():
            self._slots.acquire()
            free = 1
            while free < min(10, self.connections) and self._slots.acquire(blocking=False):
                free += 1
            try:
                answer = self.client.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=free, WaitTimeSeconds=self.wait,
                    VisibilityTimeout=self.visibility, AttributeNames=["All"])
            except Exception:          # the stand-in is stopping, or hiccuped: poll again
                answer = {}
                time.sleep(0.2)
            messages = answer.get("Messages", [])
            if not messages and not self.wait:
                self._stop.wait(0.05)      # short polling (tests): a little pause between polls
            for message in messages:
                threading.Thread(target=self.deliver, args=(message,), daemon=True).start()
            for _ in range(free - len(messages)):
                self._slots.release()

    def start(self):
        """Run in a background thread (tests, the bench)."""
        self._thread = threading.Thread(target=self.run, name="sqsd", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.wait + 5)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--http-url", required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--error-visibility", type=int, default=2)
    args = parser.parse_args(argv)
    daemon = Daemon(args.endpoint, args.queue_url, args.http_url, connections=args.connections,
                    error_visibility=args.error_visibility)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: daemon._stop.set())
    print(f"sqsd: {args.queue_url} -> {args.http_url} ({args.connections} connections)", flush=True)
    daemon.run()


if __name__ == "__main__":
    main()
