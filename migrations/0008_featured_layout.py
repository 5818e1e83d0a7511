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


def _feature(item):
    """The write of one profile's featured layout, conditioned on the layout read; None when it needs none."""
    raw = (item.get("layout") or {}).get("S")
    layout = featured_layout(raw) if raw else None
    if layout is None:
        return None
    return {"UpdateExpression": "SET #layout = :new", "ConditionExpression": "#layout = :old",
            "ExpressionAttributeNames": {"#layout": "layout"},
            "ExpressionAttributeValues": {":new": {"S": json.dumps(layout)}, ":old": {"S": raw}}}


def apply(ctx):
    moved = ctx.update_each(ctx.profiles_table, "USER#", _feature)
    if not moved:
        return "layouts already name their featured items"
    return f"gave {moved} layout(s) featured items"
