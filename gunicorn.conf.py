"""gunicorn settings for Elastic Beanstalk (Python on Amazon Linux 2023, t3.small).

nginx on the instance proxies to 127.0.0.1:$PORT (8000 on the EB Python platform) and serves
/static itself. A t3.small has 2 vCPUs and 2 GiB: 2 worker processes x 4 threads keeps memory
low (about 63 MB RSS each after 12k page views, `make bench`) while threads cover the I/O waits
(DynamoDB, KMS, Spotify, Bedrock).
"""
import logging
import os
import sys

from gunicorn.glogging import Logger

# The app's log file is named after the process: <ANCHOR_LOG_DIR>/web.log.
os.environ.setdefault("ANCHOR_PROCESS", "web")

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Request timeout; the slowest path is "generate copy" (Bedrock, read timeout 60 s, one retry).
timeout = 120
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
graceful_timeout = 20
keepalive = 5
# Import the app once in the master and fork: workers share its memory pages (copy-on-write),
# which keeps each worker's own memory well under 100 MB. Clients (DynamoDB, KMS) are created
# lazily in each worker, never before the fork.
preload_app = True
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file lives in RAM: EBS latency spikes must not get workers killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# The app logs one JSON line per request on stdout (anchor/logs.py): no gunicorn access log.
accesslog = None
errorlog = "-"
loglevel = "info"
capture_output = False


class JsonLogger(Logger):
    """gunicorn's own log lines ("Booting worker", timeouts) through the app's JSON formatter:
    on stderr as before and in the process's log file (anchor/logs.py)."""

    def setup(self, cfg):
        super().setup(cfg)
        here = os.path.dirname(os.path.abspath(__file__))
        if here not in sys.path:
            sys.path.insert(0, here)
        from anchor.logs import JsonFormatter, configure_logging
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        configure_logging()
        # The stderr handler above is gunicorn's; the file handler is on the root logger.
        for handler in logging.getLogger().handlers:
            if getattr(handler, "_anchor", None) == "file" and handler not in self.error_log.handlers:
                self.error_log.addHandler(handler)


logger_class = JsonLogger
# Only the local nginx may set X-Forwarded-Proto (default, stated for the reader).
forwarded_allow_ips = "127.0.0.1"
proc_name = "anchor-web"


def on_starting(server):
    """Refuse to start with unsafe settings before forking: one clear line, master exits 1."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    from anchor.config import ConfigError, load_config

    try:
        load_config().validate()
    except ConfigError as exc:
        print(f"anchor: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    # nginx marks a static URL immutable only when its (path, hash) marker exists.
    markers = os.environ.get("ANCHOR_STATIC_VERSIONS_DIR")
    if markers:
        from anchor.web.assets import write_markers
        write_markers(os.path.join(here, "static"), markers)


def post_fork(server, worker):
    """Keep one thread per process free of DynamoDB: when it hangs, cached pages still answer."""
    from anchor.models import bulkhead
    bulkhead.limit_concurrency(max(1, threads - 1))
