"""Migrations, health check and landing page."""
import re

from anchor import create_app, migrate
from devstack.dynamodb import DynamoDBLocal


def test_migrate_twice_is_idempotent(app, runner):
    # The app fixture already migrated once; a second run must change nothing and say so.
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0, result.output
    steps = len(migrate.steps())        # every step in migrations/, this branch's 0009 included
    assert f"0 step(s) applied, {steps} already in place." in result.output
    assert result.output.count("already") >= steps


def test_migrate_on_empty_tables(make_config):
    application = create_app(make_config(TABLE_PREFIX="fresh-migrate-"))
    result = application.test_cli_runner().invoke(args=["migrate"])
    steps = len(migrate.steps())
    assert f"5 step(s) applied, {steps - 5} already in place." in result.output, result.output
    again = application.test_cli_runner().invoke(args=["migrate"])
    assert f"0 step(s) applied, {steps} already in place." in again.output
    from tests.conftest import drop_tables
    drop_tables(application)


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_dynamodb_stops(make_config):
    own = DynamoDBLocal().start()
    try:
        application = create_app(make_config(DYNAMODB_ENDPOINT=own.endpoint))
        migrate.run(application.config, echo=lambda _line: None)
        client = application.test_client()
        assert client.get("/healthz").status_code == 200
        own.stop()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert b"DynamoDB did not answer" in response.data
    finally:
        own.stop()


def test_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Your music, one page." in body
    assert "local stand-ins" in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_path_gets_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data


def test_landing_previews_demo_pages_and_links_a_signed_in_owner(app, client):
    from anchor.models import DEMO_PAGES_KEY, DemoPagesModel
    from tests.web_helpers import sign_in
    DemoPagesModel(DEMO_PAGES_KEY, handles=["lena", "marcus"]).save()
    body = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg(\?v=\w+)?" type="image/svg\+xml">', body)
    for handle in ("lena", "marcus"):
        assert f'<img src="/{handle}/og.png" alt="" width="1200" height="630" loading="lazy"' in body
    assert "Your dashboard" not in body and ">Sign in with ListenBrainz</a>" in body
    sign_in(client, "nadia")
    signed_in = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard">Your dashboard</a>' in signed_in and ">Sign in with ListenBrainz</a>" not in signed_in
    icon = client.get("/static/favicon.svg")
    assert icon.mimetype == "image/svg+xml"
    icon.close()
