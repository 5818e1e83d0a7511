"""The SQS stand-in under concurrent receives and deletes, as the queue bench drives it."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from devstack.sqs import sqs_client

MESSAGES = 1000
THREADS = 24
HELD = 30          # messages a thread keeps in flight before deleting them: many pending at once


def _drain(endpoint, url, seen, errors):
    """Receive until the queue is empty, deleting in bursts; record every body and every error."""
    client = sqs_client(endpoint)
    held = []
    while True:
        try:
            found = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                           VisibilityTimeout=60).get("Messages", [])
            held += found
            if len(held) >= HELD or not found:
                for message in held:
                    seen.append(message["Body"])
                    client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                held = []
        except Exception as exc:       # any failure the stand-in answers is what the test looks for
            errors.append(repr(exc))
            return
        if not found:
            return


def test_concurrent_receives_and_deletes_deliver_every_message_once(sqs_standin):
    url, _dead = sqs_standin.create_queues(name="concurrent-receives", max_receives=5)
    client = sqs_client(sqs_standin.endpoint)
    for start in range(0, MESSAGES, 10):
        client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, start + 10)])
    seen, errors = [], []
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in range(THREADS):
            pool.submit(_drain, sqs_standin.endpoint, url, seen, errors)
    assert errors == []
    assert sorted(seen) == sorted(f"m{n}" for n in range(MESSAGES))
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_long_poll_waits_outside_the_lock_and_returns_a_message_sent_meanwhile(sqs_standin):
    url, _dead = sqs_standin.create_queues(name="long-poll")
    client = sqs_client(sqs_standin.endpoint)
    got = {}

    def poll():
        got["messages"] = sqs_client(sqs_standin.endpoint).receive_message(
            QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    waiter = threading.Thread(target=poll)
    began = time.monotonic()
    waiter.start()
    time.sleep(0.3)
    client.send_message(QueueUrl=url, MessageBody="late")
    sent_after = time.monotonic() - began
    waiter.join(10)
    assert sent_after < 2, "a send waited behind the long poll"
    assert [m["Body"] for m in got["messages"]] == ["late"]
    assert time.monotonic() - began < 3
