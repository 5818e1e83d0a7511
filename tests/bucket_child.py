"""One of the processes in the shared-bucket test: take a token, send a Web API request, repeat.

`python -m tests.bucket_child SANDBOX_URL REQUESTS WINDOW_SECONDS RUN_SECONDS` (environment: the
test's tables); prints `SENT <requests> <DynamoDB writes>`.
"""
import sys
import time

import requests

from anchor import create_app
from anchor.limits.buckets import BucketSize, TokenBucket


def main(url, allowed, window, run_for):
    app = create_app()
    with app.app_context():
        bucket = TokenBucket("spotify", BucketSize.window(int(allowed), float(window)))
        session = requests.Session()
        sent, deadline = 0, time.time() + float(run_for)
        while time.time() < deadline:
            bucket.take()
            session.get(f"{url}/v1/me", timeout=5)
            sent += 1
    print(f"SENT {sent} {bucket.writes}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
