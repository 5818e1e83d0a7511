"""Layouts name the owner's picks as `featured` (at most three, each with a note), not `pinned`.

Pins used to reorder every ranked list, so a rank could contradict its count. This release never
reorders: it shows the picks in a Featured block above the lists, and reads a layout without
`featured` as featuring its first three pinned items that are not hidden (profiles/service.py
normal_layout), so the page is the same before and after this step. The step writes that reading
into every such layout, with empty notes. `pinned` stays, holding the featured ids: the release
before, should it serve alongside or be rolled back to, reads only it and still shows the same
picks first. Each write is conditioned on the layout it read, so a second run, or one racing an
owner's edit, changes nothing twice. It leaves `rev` alone: what a page shows stays the same.
"""
import json

from botocore.exceptions import ClientError

FEATURED_MAX = 3


def featured_layout(raw):
    """The layout with `featured` from its first pinned items, or None when it needs no step."""
    try:
        layout = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(layout, dict) or "featured" in layout or not layout.get("pinned"):
        return None
    hidden = [i for i in layout.get("hidden") or [] if isinstance(i, str)]
    picks = [i for i in layout.get("pinned") or [] if isinstance(i, str) and i not in hidden][:FEATURED_MAX]
    return {"hidden": hidden, "featured": [{"id": i, "note": ""} for i in picks], "pinned": picks}


def _feature(ctx, item):
    """Write one profile's featured layout; False when it has one already or the layout moved."""
    raw = (item.get("layout") or {}).get("S")
    layout = featured_layout(raw) if raw else None
    if layout is None:
        return False
    try:
        ctx.client.update_item(TableName=ctx.profiles_table, Key={"pk": item["pk"]},
                               UpdateExpression="SET #layout = :new", ConditionExpression="#layout = :old",
                               ExpressionAttributeNames={"#layout": "layout"},
                               ExpressionAttributeValues={":new": {"S": json.dumps(layout)}, ":old": {"S": raw}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def apply(ctx):
    moved = sum(_feature(ctx, item) for item in list(ctx.scan(ctx.profiles_table, "USER#")))
    if not moved:
        return "layouts already name their featured items"
    return f"gave {moved} layout(s) featured items"
