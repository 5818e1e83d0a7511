"""Read and write units per view and per page write, as DynamoDB reports them, and what a
million views cost behind CloudFront (issue 32).

Every GetItem and TransactWriteItems the app makes while measuring is sent with
`ReturnConsumedCapacity=TOTAL`; DynamoDB (Local too) answers with the units it billed. A view is
measured through the WSGI app with the page cache off (uncached: the visitor's item alone); a
page write is a display-name change through the one write path.
"""
from contextlib import contextmanager

from botocore.client import BaseClient

# us-east-1 list prices (2025): CloudFront per 10,000 HTTPS requests and per GB to the internet
# (first 10 TB), DynamoDB on-demand per million read / write request units. Change them here.
CLOUDFRONT_PER_10K_REQUESTS = 0.0100
CLOUDFRONT_PER_GB = 0.085
DYNAMODB_PER_MILLION_READS = 0.125
DYNAMODB_PER_MILLION_WRITES = 0.625
HIT_RATIO = 0.95
HEADER_BYTES = 400           # response headers on the wire, besides the gzip body


@contextmanager
def units():
    """{"read": units, "write": units, "calls": [operation]} billed while the block runs."""
    billed = {"read": 0.0, "write": 0.0, "calls": []}
    original = BaseClient._make_api_call

    def measuring(self, operation_name, api_params):
        if operation_name not in ("GetItem", "TransactWriteItems", "UpdateItem", "PutItem", "Query"):
            return original(self, operation_name, api_params)
        answer = original(self, operation_name, {**api_params, "ReturnConsumedCapacity": "TOTAL"})
        consumed = answer.get("ConsumedCapacity")
        consumed = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        kind = "read" if operation_name in ("GetItem", "Query") else "write"
        billed[kind] += sum(c.get("CapacityUnits", 0.0) for c in consumed)
        billed["calls"].append(operation_name)
        return answer
    BaseClient._make_api_call = measuring
    try:
        yield billed
    finally:
        BaseClient._make_api_call = original


def figures(app, handles):
    """Units per uncached view and per page write, averaged over `handles` (page cache off)."""
    from werkzeug.test import EnvironBuilder

    from anchor.profiles import service, writes

    views, reads, writes_units, write_reads = [], [], [], []
    cache = app.extensions["anchor.page_cache"]
    for handle in handles:
        view = EnvironBuilder(path=f"/{handle}", headers={"Accept-Encoding": "gzip"})
        b"".join(app(view.get_environ(), lambda *args: None))     # stored in this render version
        cache.forget(handle)                                       # uncached: the visitor's item alone
        with units() as billed:
            body = b"".join(app(view.get_environ(), lambda *args: None))
        views.append(billed["read"])
        reads.append(len(body))
        with app.app_context():
            profile = service.get(handle)
            with units() as billed:
                writes.write(profile, {"displayName": f"{profile.displayName or handle}."})
        writes_units.append(billed["write"])
        write_reads.append(billed["read"])
    count = len(handles)
    return {"view_read_units": sum(views) / count, "write_units_per_page_write": sum(writes_units) / count,
            "read_units_per_page_write": sum(write_reads) / count, "wire_bytes": sum(reads) / count}


def cost_per_million_views(view_read_units, wire_bytes, hit_ratio=HIT_RATIO):
    """Dollars per million views: CloudFront requests and transfer, DynamoDB reads of the misses."""
    cloudfront = 1e6 / 1e4 * CLOUDFRONT_PER_10K_REQUESTS + 1e6 * (wire_bytes + HEADER_BYTES) / 1e9 * CLOUDFRONT_PER_GB
    dynamodb = 1e6 * (1 - hit_ratio) * view_read_units * DYNAMODB_PER_MILLION_READS / 1e6
    return {"cloudfront": round(cloudfront, 4), "dynamodb": round(dynamodb, 4),
            "total": round(cloudfront + dynamodb, 4), "hit_ratio": hit_ratio}
