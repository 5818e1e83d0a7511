"""Move each stored public page off its profile item into the profile's visitor's item (`PAGE#`).

The release that adds this step reads a visitor's view from `PAGE#<handle>` alone (half a read
unit) and writes that item in the same transaction as the profile change that alters it; the
profile item keeps only the page's ETag and render version. A profile with no visitor's item yet
is still served: the first view renders it from the profile and stores it (web/stored_page.py).

Rolling-deploy order: deploy the release, then run `flask migrate` once every instance runs it
(and again whenever in doubt: it is idempotent). While the deploy rolls, the previous release
keeps serving: it reads `pageGz` from the profile item and, where this step removed it, renders
the page on view and writes it back there. Its writes during the roll land on the profile item
only; this step, run after, moves them too. Each profile is handled in one transaction
conditioned on the revision and ETag it read, so a run racing the app moves nothing stale, and a
second run finds nothing to do. It leaves `rev` alone: what a page shows stays the same.

- a public profile carrying `pageGz`: its visitor's item gets the page, the profile drops `pageGz`;
- an unpublished or deleted profile whose visitor's item still shows a page: the item is emptied
  (the previous release unpublished it during the roll);
- a public profile without `pageGz`: nothing (its visitor's item is written by this release).
"""
from botocore.exceptions import ClientError

PAGE_FIELDS = ("pageGz", "pageEtag", "pageRender")


def _revision_condition(item):
    """The profile still has the revision and page ETag this step read."""
    values, parts = {}, []
    if "rev" in item:
        parts.append("rev = :rev")
        values[":rev"] = item["rev"]
    else:
        parts.append("attribute_not_exists(rev)")
    if "pageEtag" in item:
        parts.append("pageEtag = :etag")
        values[":etag"] = item["pageEtag"]
    else:
        parts.append("attribute_not_exists(pageEtag)")
    return " AND ".join(parts), values


def _is_public(item):
    return item.get("isPublic", {}).get("BOOL", False) and "deletedAt" not in item


def _page_item(ctx, item):
    key = {"pk": {"S": "PAGE#" + item["handle"]["S"]}}
    return ctx.client.get_item(TableName=ctx.profiles_table, Key=key, ConsistentRead=True).get("Item")


def _transact(ctx, item, page):
    """Write the visitor's item and drop `pageGz` from the profile as one; False when it moved."""
    condition, values = _revision_condition(item)
    update = {"TableName": ctx.profiles_table, "Key": {"pk": item["pk"]}, "ConditionExpression": condition,
              "ExpressionAttributeValues": values}
    if "pageGz" in item:
        update["UpdateExpression"] = "REMOVE pageGz"
        first = {"Update": update}
    else:
        first = {"ConditionCheck": update}
    try:
        ctx.client.transact_write_items(TransactItems=[
            first, {"Put": {"TableName": ctx.profiles_table, "Item": page}}])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True


def _move(ctx, item):
    """Bring one profile's visitor's item in line with it; 'moved', 'hidden' or None."""
    if "handle" not in item or "ownerId" not in item:
        return None
    base = {"pk": {"S": "PAGE#" + item["handle"]["S"]}, "handle": item["handle"], "ownerId": item["ownerId"]}
    if _is_public(item):
        if "pageGz" not in item:
            return None
        page = {**base, "isPublic": {"BOOL": True}, **{name: item[name] for name in PAGE_FIELDS if name in item}}
        return "moved" if _transact(ctx, item, page) else None
    current = _page_item(ctx, item)
    if "pageGz" not in item and (current is None or not current.get("isPublic", {}).get("BOOL", False)):
        return None
    return "hidden" if _transact(ctx, item, {**base, "isPublic": {"BOOL": False}}) else None


def apply(ctx):
    outcomes = [_move(ctx, item) for item in list(ctx.scan(ctx.profiles_table, "USER#"))]
    moved, hidden = outcomes.count("moved"), outcomes.count("hidden")
    if not moved and not hidden:
        return "visitor pages already in their own items"
    return f"moved {moved} page(s) into visitor items, emptied {hidden} unpublished"
