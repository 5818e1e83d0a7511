"""`flask worker`, `flask refresh-due` and `flask purge`; the app factory calls `register(app)`."""
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from anchor.rules import RESTORE_PERIOD


def register(app):
    """Add the refresh and purge commands to the app's CLI."""
    for command in (worker_command, refresh_due_command, purge_command):
        app.cli.add_command(command)


@click.command("worker")
@with_appcontext
def worker_command():
    """Run the hourly refresh scheduler (idles unless ANCHOR_ROLE=worker); stop with SIGTERM."""
    from anchor import logs
    from anchor.refresh import daemon
    logs.configure_logging(log_dir=current_app.config.get("LOG_DIR"), process="worker")
    daemon.run(current_app._get_current_object())


@click.command("refresh-due")
@click.option("--cap", type=click.IntRange(min=1), default=None,
              help="Most profiles to refresh in this pass (default: sized from the backlog and budgets).")
@with_appcontext
def refresh_due_command(cap):
    """Run one refresh pass now (claims the current hourly slot) and print its summary."""
    from anchor.refresh.scheduler import refresh_due
    click.echo(json.dumps(refresh_due(cap=cap), sort_keys=True))


@click.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=RESTORE_PERIOD.days, show_default=True,
              help="Purge profiles deleted more than this many days ago.")
@with_appcontext
def purge_command(days):
    """Hard-delete profiles deleted more than --days ago and free their handles (ops, daily)."""
    from anchor.refresh.purge import purge
    count = purge(days=days)
    click.echo(f"Purged {count} profile(s) deleted more than {days} days ago.")
