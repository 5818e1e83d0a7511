"""`flask` commands, registered through the app factory."""
import click
from flask import current_app
from flask.cli import with_appcontext


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(migrate_command)
    app.cli.add_command(seed_demo_command)
    from anchor.refresh.commands import register
    register(app)


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Create the tables and index (idempotent: a second run changes nothing)."""
    from anchor import migrate as migrations     # boto3 loads for the command, not in every worker
    results = migrations.run(current_app.config, echo=click.echo)
    changed = [name for name, message in results if "already" not in message]
    click.echo(f"{len(changed)} step(s) applied, {len(results) - len(changed)} already in place.")


@click.command("seed-demo")
@click.option("--count", default=0, show_default=True, help="generated listeners to add")
@click.option("--workers", default=4, show_default=True, help="profiles seeded in parallel")
@with_appcontext
def seed_demo_command(count, workers):
    """Create and publish one profile per sandbox listener (idempotent)."""
    from anchor import demo
    try:
        results = demo.seed(count=count, workers=workers)
    except demo.DemoUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    counts = {}
    for outcome in results.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    for handle, outcome in list(results.items())[:20]:
        click.echo(f"{handle}: {outcome}")
    click.echo("seed-demo: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if any(k not in ("published", "exists") for k in counts):
        raise SystemExit(1)
