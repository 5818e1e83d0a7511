"""Fixtures for tests of the stored visitor page: nadia's page published (`published`, or `owner`
for the year pages' tests), a count of template renders, and the read units of every GetItem."""
import flask.templating
import pytest
from botocore.client import BaseClient

from anchor.pages import render
from tests.web_helpers import claim, post


def _publish(app):
    owner = app.test_client()
    claim(owner, "nadia")
    post(owner, "/dashboard/publish", {})
    app.extensions["anchor.page_cache"].forget("nadia")
    return owner


@pytest.fixture
def published(app):
    """nadia's page claimed and published, with the web process's page cache cleared; yields her client."""
    yield _publish(app)
    render.forget_versions()


@pytest.fixture
def owner(app):
    """The same, under the name the year pages' tests give it."""
    yield _publish(app)
    render.forget_versions()


@pytest.fixture
def renders(monkeypatch):
    """Count every template render (stored or fresh)."""
    counted = []
    original = flask.templating._render

    def counting(*args, **kwargs):
        counted.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(flask.templating, "_render", counting)
    return counted


@pytest.fixture
def read_units(monkeypatch):
    """(key, consistent, read units DynamoDB reports) of every GetItem, asking it to report them."""
    reported = []
    original = BaseClient._make_api_call

    def measuring(self, operation_name, api_params):
        if operation_name != "GetItem":
            return original(self, operation_name, api_params)
        answer = original(self, operation_name, {**api_params, "ReturnConsumedCapacity": "TOTAL"})
        reported.append((api_params["Key"]["pk"]["S"], api_params.get("ConsistentRead", False),
                         answer["ConsumedCapacity"]["CapacityUnits"]))
        return answer
    monkeypatch.setattr(BaseClient, "_make_api_call", measuring)
    return reported
