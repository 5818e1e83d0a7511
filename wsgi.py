"""WSGI entry point for gunicorn and Elastic Beanstalk: `wsgi:application`."""
import sys

from anchor import ConfigError, create_app

try:
    application = create_app()
except ConfigError as exc:
    # A settings problem is the operator's to fix: one clear line, no traceback.
    print(f"anchor: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(1) from None
