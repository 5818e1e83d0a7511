"""The visitor's item (`PAGE#<handle>`): what a cold view costs in read units, the one transaction
that writes it with the profile change, and migration 0009 that moves pages off profile items."""
import gzip

from anchor import migrate
from anchor.models import ProfileModel
from anchor.models.pages import PageModel
from anchor.profiles import service, writes
from tests.page_fixtures import published, read_units, renders  # noqa: F401  (fixtures)
from tests.web_helpers import claim, post

GZIP = {"Accept-Encoding": "gzip"}


def test_a_cold_view_costs_half_a_read_unit(app, published, read_units):
    assert app.test_client().get("/nadia", headers=GZIP).status_code == 200
    assert read_units == [("PAGE#nadia", False, 0.5)]
    read_units.clear()
    assert app.test_client().get("/nadia", headers=GZIP).status_code == 200   # a page-cache hit
    assert read_units == [("PAGE#nadia", True, 1.0)]
    read_units.clear()
    ProfileModel.get("USER#nadia", consistent_read=False)        # what the view read before
    assert read_units[0][2] > 0.5


def _operations(calls):
    return [operation for service_id, operation in calls if service_id == "DynamoDB"]


def test_a_page_change_is_one_transaction_and_a_private_write_is_not(app, published, dynamodb_calls):
    with app.app_context():
        dynamodb_calls.clear()
        writes.write(service.get("nadia"), {"lastRefreshMessage": "Checked."})
        assert "TransactWriteItems" not in _operations(dynamodb_calls)
        dynamodb_calls.clear()
        profile = writes.write(service.get("nadia"), {"displayName": "Nadia in one transaction"})
        assert _operations(dynamodb_calls) == ["GetItem", "TransactWriteItems"]
    stored = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.rev == stored.rev and profile.displayName == stored.displayName
    assert profile.pageEtag == stored.pageEtag == PageModel.get("PAGE#nadia").pageEtag
    assert b"Nadia in one transaction" in gzip.decompress(PageModel.get("PAGE#nadia").pageGz)


def test_a_page_transaction_that_loses_decides_again_on_the_fresh_state(app, published):
    with app.app_context():
        stale = service.get("nadia")
        writes.write(service.get("nadia"), {"bio": "Written first by another process, and kept."})
        writes.write(stale, {"displayName": "Nadia after a lost round"})
    page = gzip.decompress(PageModel.get("PAGE#nadia", consistent_read=True).pageGz)
    assert b"Nadia after a lost round" in page and b"Written first by another process" in page


def _legacy(app, handle):
    """Put the profile's page back where the previous release kept it, with no visitor's item."""
    client = migrate.dynamodb_client(app.config)
    page = PageModel.get(f"PAGE#{handle}", consistent_read=True)
    client.update_item(TableName=ProfileModel.Meta.table_name, Key={"pk": {"S": f"USER#{handle}"}},
                       UpdateExpression="SET pageGz = :gz", ExpressionAttributeValues={":gz": {"B": page.pageGz}})
    page.delete()
    return client, page


def _has_legacy_bytes(client, handle):
    item = client.get_item(TableName=ProfileModel.Meta.table_name, Key={"pk": {"S": f"USER#{handle}"}},
                           ConsistentRead=True)["Item"]
    return "pageGz" in item


def test_the_migration_moves_pages_and_serves_them_and_a_second_run_changes_nothing(
        app, published, renders):
    client, page = _legacy(app, "nadia")
    other = app.test_client()
    claim(other, "tomas")
    post(other, "/dashboard/publish", {})
    stale = PageModel.get("PAGE#tomas", consistent_read=True)
    post(other, "/dashboard/unpublish", {})
    stale.save()               # the previous release unpublished it during the roll: the item still shows it
    before = {h: ProfileModel.get(f"USER#{h}", consistent_read=True).rev for h in ("nadia", "tomas")}
    first = dict(migrate.run(app.config, echo=lambda _line: None))
    assert first["0009_visitor_pages"] == "moved 1 page(s) into visitor items, emptied 1 unpublished"
    moved = PageModel.get("PAGE#nadia", consistent_read=True)
    assert (moved.pageGz, moved.pageEtag, moved.pageRender) == (page.pageGz, page.pageEtag, page.pageRender)
    assert moved.isPublic and not _has_legacy_bytes(client, "nadia")
    assert PageModel.get("PAGE#tomas", consistent_read=True).pageGz is None
    assert {h: ProfileModel.get(f"USER#{h}", consistent_read=True).rev for h in before} == before
    app.extensions["anchor.page_cache"].forget("nadia")
    renders.clear()
    answer = app.test_client().get("/nadia", headers=GZIP)
    assert answer.status_code == 200 and answer.data == page.pageGz and renders == []
    assert app.test_client().get("/tomas").status_code == 404
    second = dict(migrate.run(app.config, echo=lambda _line: None))
    assert second["0009_visitor_pages"] == "visitor pages already in their own items"
    assert PageModel.get("PAGE#nadia", consistent_read=True).pageGz == page.pageGz


def test_a_page_not_yet_moved_is_served_and_stored_in_its_visitor_item(app, published, renders):
    """Before the migration has run: the first view renders the page and stores it."""
    client, page = _legacy(app, "nadia")
    renders.clear()
    answer = app.test_client().get("/nadia", headers=GZIP)
    assert answer.status_code == 200 and gzip.decompress(answer.data) == gzip.decompress(page.pageGz)
    assert len(renders) == 1
    assert PageModel.get("PAGE#nadia", consistent_read=True).pageEtag == page.pageEtag
    assert not _has_legacy_bytes(client, "nadia")


def test_the_bench_reports_units_per_view_and_per_page_write(app, published):
    """bench/capacity.py's figures, run once here so `make bench`'s section cannot rot."""
    from bench import capacity
    found = capacity.figures(app, ["nadia"])
    assert found["view_read_units"] == 0.5
    assert found["write_units_per_page_write"] > 0 and found["read_units_per_page_write"] == 0
    cost = capacity.cost_per_million_views(found["view_read_units"], found["wire_bytes"])
    assert 0 < cost["dynamodb"] < cost["cloudfront"] and cost["hit_ratio"] == 0.95
