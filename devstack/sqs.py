"""A local SQS: moto's server with the refresh queue and its dead-letter queue.

Elastic Beanstalk creates the worker environment's queue and, when asked, a dead-letter queue
that takes a message after `MaxRetries` failed deliveries; here an SQS redrive policy with the
same `maxReceiveCount` does that. `python -m devstack.sqs --port N` runs it on its own.
"""
import argparse
import json
import threading
import time

from devstack.moto_standin import MotoStandin, local_client, serve_until_signalled

QUEUE_NAME = "anchor-refresh"


LARGE_QUEUE = 200          # messages from which the stand-in's counts may be 0.25 s old


def _approximate(count):
    """A moto queue count that is reused for 0.25 s on a large queue.

    moto recounts every message, checking each one's visibility, whenever a queue's attributes
    are read, and it reads them on every SendMessage: thousands of queued messages make each send
    take seconds. SQS's own counts are approximate too.
    """
    def fget(queue):
        if len(queue._messages) < LARGE_QUEUE:
            return count(queue)
        cache = queue.__dict__.setdefault("_anchor_counts", {})
        now = time.monotonic()
        hit = cache.get(count.__name__)
        if hit is None or now - hit[0] > 0.25:
            hit = cache[count.__name__] = (now, count(queue))
        return hit[1]
    return property(fget)


def _speed_up_counts():
    from moto.sqs.models import Queue
    if getattr(Queue, "_anchor_counts_patched", False):
        return
    for name in ("approximate_number_of_messages", "approximate_number_of_messages_not_visible",
                 "approximate_number_of_messages_delayed"):
        setattr(Queue, name, _approximate(getattr(Queue, name).fget))
    Queue._anchor_counts_patched = True


# moto's SQS backend keeps each queue's messages in plain lists and sets that its calls iterate
# and change without a lock of their own: two concurrent ReceiveMessage calls raised "Set changed
# size during iteration". Every call into the backend takes this one lock (the stand-in's calls
# are short); a long poll waits outside it, so it never holds up a send.
_backend_lock = threading.RLock()
SERIALIZED = ("create_queue", "get_queue_url", "list_queues", "get_queue", "delete_queue", "get_queue_attributes",
              "set_queue_attributes", "send_message", "send_message_batch", "delete_message",
              "delete_message_batch", "change_message_visibility", "change_message_visibility_batch",
              "purge_queue", "list_dead_letter_source_queues", "tag_queue", "untag_queue", "list_queue_tags")
POLL_STEP = 0.05           # seconds between looks at the queue while a long poll waits


def _locked(method):
    def call(*args, **kwargs):
        with _backend_lock:
            return method(*args, **kwargs)
    call.__name__ = method.__name__
    return call


def _long_poll(receive):
    """receive_message that looks at the queue under the lock and waits between looks outside it."""
    def call(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with _backend_lock:
                found = receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            time.sleep(min(POLL_STEP, remaining))
    return call


def _serialize_backend():
    from moto.sqs.models import SQSBackend
    if getattr(SQSBackend, "_anchor_serialized", False):
        return
    for name in SERIALIZED:
        setattr(SQSBackend, name, _locked(getattr(SQSBackend, name)))
    SQSBackend.receive_message = _long_poll(SQSBackend.receive_message)
    SQSBackend._anchor_serialized = True


def sqs_client(endpoint):
    """A boto3 SQS client for the stand-in (any credentials do)."""
    return local_client("sqs", endpoint)


class SqsStandin(MotoStandin):
    """moto's server on 127.0.0.1 (a free port unless one is given), speaking SQS."""

    def prepare(self):
        _speed_up_counts()
        _serialize_backend()

    def create_queues(self, name=QUEUE_NAME, max_receives=3, visibility=330):
        """(queue URL, dead-letter queue URL): the worker queue redrives to the dead-letter one."""
        client = sqs_client(self.endpoint)
        dead = client.create_queue(QueueName=f"{name}-dead")["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": str(max_receives)})
        url = client.create_queue(QueueName=name, Attributes={
            "RedrivePolicy": policy, "VisibilityTimeout": str(visibility)})["QueueUrl"]
        return url, dead


def depth(endpoint, url):
    """Messages in a queue (visible and in flight)."""
    attributes = sqs_client(endpoint).get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5058)
    parser.add_argument("--max-receives", type=int, default=3)
    args = parser.parse_args(argv)
    standin = SqsStandin(args.port).start()
    url, dead = standin.create_queues(max_receives=args.max_receives)
    serve_until_signalled(standin, queue=url, dead_letter_queue=dead)


if __name__ == "__main__":
    main()
