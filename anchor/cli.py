"""`flask` commands, registered through the app factory."""
import click
from flask import current_app
from flask.cli import with_appcontext

from anchor import migrate as migrations


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(migrate_command)


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Create the tables and index (idempotent: a second run changes nothing)."""
    results = migrations.run(current_app.config, echo=click.echo)
    changed = [name for name, message in results if "already" not in message]
    click.echo(f"{len(changed)} step(s) applied, {len(results) - len(changed)} already in place.")
