"""What the moto-based stand-ins (SQS, S3) share: moto's server on 127.0.0.1, local clients, and a
command-line run that prints where it listens and waits for Ctrl-C or SIGTERM."""
import json
import logging
import signal
import threading

import boto3
from moto.server import ThreadedMotoServer


def local_client(service, endpoint):
    """A boto3 client for a moto stand-in (any credentials do)."""
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


class MotoStandin:
    """moto's server on 127.0.0.1 (a free port unless one is given); `prepare()` runs before it starts."""

    def __init__(self, port=0):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = None

    def prepare(self):
        """Adjust moto before the server starts (nothing by default)."""

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)    # no line per call
        self.prepare()
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self):
        self.server.stop()


def serve_until_signalled(standin, **announced):
    """Print the endpoint and `announced` as one JSON line, then run until SIGTERM or Ctrl-C."""
    print(json.dumps({"endpoint": standin.endpoint, **announced}), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    standin.stop()
