"""A local S3 for the owners' photos: moto's server with the photo bucket made at start.

Browsers load the files straight from it (path-style: http://127.0.0.1:<port>/<bucket>/photos/…),
as they load them from the real bucket's public `photos/` prefix. `python -m devstack.s3 --port N`.
"""
import argparse
import json
import logging
import signal
import threading

import boto3
from moto.server import ThreadedMotoServer

BUCKET = "anchor-photos"


class S3Standin:
    """moto's server on 127.0.0.1 (a free port unless one is given)."""

    def __init__(self, port=0):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = None

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)    # no line per S3 call
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self):
        self.server.stop()

    def create_bucket(self, name=BUCKET):
        """Make the photo bucket; returns the base URL browsers load photos from."""
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="local",
                     aws_secret_access_key="local").create_bucket(Bucket=name)
        return f"{self.endpoint}/{name}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5059)
    parser.add_argument("--bucket", default=BUCKET)
    args = parser.parse_args(argv)
    standin = S3Standin(args.port).start()
    base_url = standin.create_bucket(args.bucket)
    print(json.dumps({"endpoint": standin.endpoint, "bucket": args.bucket, "base_url": base_url}), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    standin.stop()


if __name__ == "__main__":
    main()
