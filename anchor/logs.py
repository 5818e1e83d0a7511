"""Structured JSON logs: ids, never tokens (the line per request: web/request_log.py).

Every line goes to stdout and, when `ANCHOR_LOG_DIR` is set (production), also to the process's
own file `<dir>/<process>.log` (web, worker or cli). The platform puts a syslog prefix in front
of what it captures from stdout; the files hold bare JSON, one object a line, which the
CloudWatch agent ships as they are (`.ebextensions/04-logs-metrics.config`).
"""
import json
import logging
import logging.handlers
import os
import sys
import time

SECRET_WORDS = ("token", "secret", "authorization", "code_verifier", "password", "cookie")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields come from `extra={"fields": {...}}`."""

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update({k: ("[redacted]" if any(w in k.lower() for w in SECRET_WORDS) else v)
                          for k, v in fields.items()})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time, not the stream it was created with.

    Test runners and CLI runners swap sys.stdout and close their stand-in afterwards; a handler
    holding the first one would log into a closed stream for the rest of the process.
    """

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


# Loggers of the libraries whose INFO lines an operator wants (the rest log WARNING and up).
INFO_LOGGERS = ("anchor", "gunicorn.error", "apscheduler")


# The processes that write a log file: gunicorn, `flask worker`, any other `flask` command.
PROCESS_NAMES = ("web", "worker", "cli")


def process_name():
    """web (gunicorn), worker (`flask worker`) or cli: names the process's log file."""
    return os.environ.get("ANCHOR_PROCESS") or "cli"


def configure_logging(level="INFO", log_dir=None, process=None):
    """Send every logger (the app, gunicorn, APScheduler, botocore) through one JSON formatter
    to stdout and, with `log_dir`, to `<log_dir>/<process>.log` (idempotent)."""
    root = logging.getLogger()
    if not any(getattr(h, "_anchor", None) == "stdout" for h in root.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        handler._anchor = "stdout"
        root.addHandler(handler)
    log_dir = log_dir or os.environ.get("ANCHOR_LOG_DIR")
    if log_dir:
        path = os.path.join(log_dir, f"{process or process_name()}.log")
        current = [h for h in root.handlers if getattr(h, "_anchor", None) == "file"]
        if not current or current[0].baseFilename != os.path.abspath(path):
            for old in current:
                root.removeHandler(old)
                old.close()
            os.makedirs(log_dir, exist_ok=True)
            # Reopened when logrotate moves the file; several gunicorn workers append to it.
            handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
            handler.setFormatter(JsonFormatter())
            handler._anchor = "file"
            root.addHandler(handler)
    for name in INFO_LOGGERS:
        logging.getLogger(name).setLevel(level)


def log_event(logger, msg, level=logging.INFO, exc_info=False, **fields):
    """Log one structured line: a fixed message and its fields (the one logging style)."""
    logger.log(level, msg, exc_info=exc_info, extra={"fields": fields})
