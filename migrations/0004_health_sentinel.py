"""Write the sentinel item that /healthz reads."""
from datetime import datetime, timezone


def apply(ctx):
    name = ctx.profiles_table
    key = {"pk": {"S": "HEALTH#sentinel"}}
    if "Item" in ctx.client.get_item(TableName=name, Key=key):
        return "health sentinel already present"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    ctx.client.put_item(TableName=name, Item={**key, "createdAt": {"S": now}})
    return "wrote health sentinel"
