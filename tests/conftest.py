"""flaskr-shaped fixtures: a real DynamoDB Local for the session, fresh tables per test."""
import atexit
import os
import shutil
import tempfile
import uuid
from types import SimpleNamespace

import boto3
import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def _private_tempdir():
    """Give this test process (each xdist worker too) a temp dir of its own, removed at exit.

    The upload import root `<tmp>/anchor-imports` is swept and counted by whichever process looks:
    a worker must not see the other worker's uploads. Subprocesses inherit it through TMPDIR.
    pytest's own tmp_path stays under the usual root (PYTEST_DEBUG_TEMPROOT), where it is kept.
    """
    root = tempfile.gettempdir()
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", root)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    private = tempfile.mkdtemp(prefix=f"anchor-tests-{worker}-", dir=root)
    os.environ["TMPDIR"] = tempfile.tempdir = private
    atexit.register(shutil.rmtree, private, ignore_errors=True)


_private_tempdir()
for _name in ("ANCHOR_KMS_KEY_ID", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "ANCHOR_ENV",
              "ANCHOR_TABLE_PREFIX", "ANCHOR_AI_PROVIDER"):
    os.environ.pop(_name, None)

from anchor import clock, create_app, migrate  # noqa: E402
from anchor.models import binding  # noqa: E402
from anchor.config import TestConfig  # noqa: E402
from devstack.dynamodb import DynamoDBLocal  # noqa: E402

pytest_plugins = ["tests.spotify_fixtures", "tests.source_fixtures", "tests.ai_fixtures", "tests.aws_calls",
                  "tests.browser_fixtures", "tests.refresh_fixtures", "tests.call_guards",
                  "tests.source_app_fixtures", "tests.queue_fixtures"]


SHARED_DYNAMODB = "ANCHOR_TEST_DYNAMODB_ENDPOINT"   # set by test_mutations for its subprocesses


@pytest.fixture(scope="session")
def dynamodb_local():
    """One in-memory DynamoDB Local for the whole run (a parent run's, when it names one)."""
    if os.environ.get(SHARED_DYNAMODB):
        yield SimpleNamespace(endpoint=os.environ[SHARED_DYNAMODB])
        return
    server = DynamoDBLocal().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server():
    """One moto server for the run, speaking the AWS APIs without a local stand-in (KMS, CloudFront)."""
    from devstack.moto_standin import MotoStandin
    server = MotoStandin().start()
    yield server.endpoint
    server.stop()


@pytest.fixture
def make_bucket(moto_server, monkeypatch):
    """make_bucket(name, policy=None) → an S3 client on the moto server (where the app's S3 calls go too)
    holding that new bucket; every bucket made is emptied and removed after the test."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    client = boto3.client("s3", region_name="us-east-1")
    made = []

    def make(name, policy=None):
        client.create_bucket(Bucket=name)
        made.append(name)
        if policy is not None:
            client.put_bucket_policy(Bucket=name, Policy=policy)
        return client

    yield make
    for name in made:
        for found in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=found["Key"])
        client.delete_bucket(Bucket=name)


@pytest.fixture
def make_config(dynamodb_local, spotify_sandbox, brainz_standin_server, lastfm_standin_server, tmp_path):
    """Build a TestConfig with a fresh table prefix and the stand-ins; keyword overrides win."""
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    brainz, lastfm = brainz_standin_server.url, lastfm_standin_server.url

    def _make(**overrides):
        settings = dict(TABLE_PREFIX=prefix, DYNAMODB_ENDPOINT=dynamodb_local.endpoint,
                        DATA_DIR=tmp_path / "data", QUIET_REQUEST_LOG=True,
                        SPOTIFY_ACCOUNTS_URL=spotify_sandbox.url, SPOTIFY_API_URL=spotify_sandbox.url,
                        MUSICBRAINZ_URL=brainz, LISTENBRAINZ_API_URL=brainz, COVERART_URL=brainz,
                        LASTFM_API_URL=lastfm, LASTFM_AUTH_URL=f"{lastfm}/api/auth/")
        settings.update(overrides)
        return TestConfig(**settings)
    return _make


@pytest.fixture
def app(make_config):
    """The app on fresh, migrated tables; the tables are dropped afterwards."""
    application = create_app(make_config())
    migrate.run(application.config, echo=lambda _line: None)
    yield application
    drop_tables(application)
    clock.freeze(None)


@pytest.fixture
def make_app(make_config):
    """Factory: an app on fresh, migrated tables with config overrides; all dropped afterwards."""
    made = []

    def _make(**overrides):
        application = create_app(make_config(**overrides))
        migrate.run(application.config, echo=lambda _line: None)
        made.append(application)
        return application
    yield _make
    for application in made:
        drop_tables(application)
    clock.freeze(None)


def drop_tables(application):
    """Delete the tables this test created (keeps DynamoDB Local's memory flat)."""
    client = migrate.dynamodb_client(application.config)
    for name in binding.table_names():
        try:
            client.update_table(TableName=name, DeletionProtectionEnabled=False)   # migration 0006
            client.delete_table(TableName=name)
        except client.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The file that takes minutes goes first: under `-n 2 --dist loadfile` a worker takes whole files in
# collection order, so a long file collected late would run alone at the end of the run.
LONG_FILES = ("tests/test_mutations.py",)


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONG_FILES)     # stable: the rest keep order
