"""Taking a page down or an owner's edit of a published page invalidates it at the CDN
(CloudFront, here a moto server speaking its REST/XML API); a failed invalidation is logged and
the owner's action still happens."""
import uuid

import boto3
import pytest

from anchor.models import ProfileModel
from tests.factories import items
from tests.web_helpers import claim, post


@pytest.fixture
def cloudfront(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", moto_server)
    client = boto3.client("cloudfront", region_name="us-east-1")
    origin = {"Id": "web", "DomainName": "anchor-web.example.com",
              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}
    made = client.create_distribution(DistributionConfig={
        "CallerReference": uuid.uuid4().hex, "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                  "Cookies": {"Forward": "none"}}}})
    return client, made["Distribution"]["Id"]


@pytest.fixture
def cdn_app(make_app, cloudfront):
    return lambda distribution: make_app(CLOUDFRONT_DISTRIBUTION_ID=distribution)


def _paths(client, distribution):
    found = client.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [client.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]
            ["InvalidationBatch"]["Paths"]["Items"] for i in found]


def test_taking_a_page_down_invalidates_it_and_a_failed_invalidation_changes_nothing(
        cdn_app, cloudfront, caplog):
    client, distribution = cloudfront
    app = cdn_app(distribution)
    browser = app.test_client()
    claim(browser, "nadia")
    post(browser, "/dashboard/copy")
    post(browser, "/dashboard/publish")
    assert _paths(client, distribution) == []                   # publishing needs no invalidation
    answer = post(browser, "/dashboard/unpublish", htmx=True).get_data(as_text=True)
    assert "Visitors stop seeing your page within 80 seconds." in answer
    assert _paths(client, distribution) == [["/nadia*"]]
    post(browser, "/dashboard/publish")
    post(browser, "/dashboard/delete", {"confirm_handle": "nadia"})
    assert _paths(client, distribution) == [["/nadia*"], ["/nadia*"]]

    # CloudFront refuses (here: an unknown distribution): logged, and the page still goes.
    post(browser, "/dashboard/restore")
    post(browser, "/dashboard/publish")
    app.config["CLOUDFRONT_DISTRIBUTION_ID"] = "EDOESNOTEXIST"
    assert post(browser, "/dashboard/unpublish").status_code == 303
    assert not ProfileModel.get("USER#nadia", consistent_read=True).isPublic
    assert browser.get("/nadia").status_code == 404
    failed = [r for r in caplog.records if r.getMessage() == "cdn invalidation failed"]
    assert [r.fields for r in failed] == [{"handle": "nadia", "distribution": "EDOESNOTEXIST",
                                           "error": "NoSuchDistribution"}]
    assert len(_paths(client, distribution)) == 2


def test_an_owner_edit_of_a_published_page_invalidates_it_and_a_private_change_does_not(cdn_app, cloudfront):
    client, distribution = cloudfront
    browser = cdn_app(distribution).test_client()
    claim(browser, "nadia")
    version = ProfileModel.get("USER#nadia", consistent_read=True).version
    post(browser, "/dashboard/name", {"display_name": "Nadia Before", "version": version})
    post(browser, "/dashboard/publish")
    assert _paths(client, distribution) == []                   # nothing public was cached yet
    post(browser, "/dashboard/auto-refresh", {})                # private: the page stays the same
    assert _paths(client, distribution) == []
    artist = items(ProfileModel.get("USER#nadia", consistent_read=True))["artists"][0]
    post(browser, f"/dashboard/items/{artist['id']}/hide")
    assert _paths(client, distribution) == [["/nadia*"]]
    version = ProfileModel.get("USER#nadia", consistent_read=True).version
    post(browser, "/dashboard/name", {"display_name": "Nadia After", "version": version})
    assert _paths(client, distribution) == [["/nadia*"], ["/nadia*"]]


def _publish(app, listener):
    browser = app.test_client()
    claim(browser, listener)
    post(browser, "/dashboard/publish")
    return browser


def test_page_changing_writes_are_invalidated_in_one_batch(cdn_app, cloudfront):
    """Refreshes and copy jobs (the worker's writes, through the same write path) change pages
    too: each is queued, and one call sends them all."""
    from anchor import cdn
    from anchor.pages import render
    from anchor.profiles import service, writes
    client, distribution = cloudfront
    app = cdn_app(distribution)
    for listener in ("nadia", "tomas"):
        _publish(app, listener)
    with app.app_context():
        writes.write(service.get("nadia"), {"lastRefreshMessage": "Checked."})     # private: no page change
        assert cdn.pending() == {}
        for n in range(3):                  # a busy minute: several writes to two pages
            for handle in ("nadia", "tomas"):
                writes.write(service.get(handle), {"displayName": f"{handle} take {n}"})
        assert cdn.pending() == {distribution: ["nadia", "tomas"]} and cdn._timer["armed"] is not None
        assert _paths(client, distribution) == []
        assert cdn.flush() == 1
    assert cdn.pending() == {} and cdn._timer["armed"] is None
    sent, = _paths(client, distribution)
    assert sorted(sent) == sorted(render.page_paths("nadia") + render.page_paths("tomas"))
    assert "/nadia?range=month" in sent and "/tomas" in sent


def test_an_owner_change_sent_at_once_leaves_nothing_queued(cdn_app, cloudfront):
    from anchor import cdn
    client, distribution = cloudfront
    browser = _publish(cdn_app(distribution), "nadia")
    version = ProfileModel.get("USER#nadia", consistent_read=True).version
    post(browser, "/dashboard/name", {"display_name": "Nadia Now", "version": version})
    assert _paths(client, distribution) == [["/nadia*"]] and cdn.pending() == {}
