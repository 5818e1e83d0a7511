"""Account ids name their source: `ACCOUNT#abc` → `ACCOUNT#spotify:abc`, tokens re-sealed.

Before sources, an account id was the Spotify user id. This step moves every account item and
token item to `spotify:<id>` (the token blob is opened under the old id and sealed under the new
one, since the vault binds a blob to its account), points each profile's ownerId at the new id
with `links` and `source`, and moves its one range of Spotify data to the normalised
`listening` attribute. Each item is written with a condition, so a second run (or a run racing
the app, which reads both forms meanwhile) changes nothing twice.
"""
import json

from botocore.exceptions import ClientError


def _conditional(call, **kwargs):
    try:
        call(**kwargs)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            return False
        raise


def _move(ctx, table, item, new_key, **changes):
    """Copy `item` to `new_key` (if not there yet) and delete the old item, in one transaction."""
    moved = dict(item, pk={"S": new_key}, **changes)
    return _conditional(ctx.client.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": moved, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": table, "Key": {"pk": item["pk"]},
                    "ConditionExpression": "attribute_exists(pk)"}},
    ])


def _legacy(pk):
    account = pk.removeprefix("ACCOUNT#")
    return None if ":" in account else account


def apply(ctx):
    accounts = tokens = profiles = 0
    for item in list(ctx.scan(ctx.profiles_table, "ACCOUNT#")):
        old = _legacy(item["pk"]["S"])
        if old is not None and _move(ctx, ctx.profiles_table, item, f"ACCOUNT#spotify:{old}"):
            accounts += 1
    vault = None
    for item in list(ctx.scan(ctx.tokens_table, "ACCOUNT#")):
        old = _legacy(item["pk"]["S"])
        if old is None:
            continue
        vault = vault or ctx.vault
        blob = vault.seal(f"spotify:{old}", vault.open(old, item["blob"]["S"]))
        if _move(ctx, ctx.tokens_table, item, f"ACCOUNT#spotify:{old}", blob={"S": blob}):
            tokens += 1
    for item in list(ctx.scan(ctx.profiles_table, "USER#")):
        owner = item.get("ownerId", {}).get("S", "")
        if ":" in owner or not owner:
            continue
        values = {":old": {"S": owner}, ":new": {"S": f"spotify:{owner}"},
                  ":links": {"S": json.dumps({"spotify": owner})}, ":src": {"S": "spotify"}, ":one": {"N": "1"}}
        update = "SET ownerId = :new, links = :links, #source = :src ADD rev :one"
        if "spotify" in item and "listening" not in item:
            data = json.loads(item["spotify"]["S"])
            values[":listening"] = {"S": json.dumps({
                "source": "spotify", "fetchedAt": data.get("fetchedAt"),
                "ranges": {"half_year": {"artists": data.get("artists") or [],
                                         "albums": data.get("albums") or []}}})}
            update = "SET ownerId = :new, links = :links, #source = :src, listening = :listening " \
                     "REMOVE spotify ADD rev :one"
        if _conditional(ctx.client.update_item, TableName=ctx.profiles_table, Key={"pk": item["pk"]},
                        UpdateExpression=update, ConditionExpression="ownerId = :old",
                        ExpressionAttributeNames={"#source": "source"}, ExpressionAttributeValues=values):
            profiles += 1
    if not (accounts or tokens or profiles):
        return "account ids already name their source"
    return f"moved {accounts} account(s), {tokens} token item(s), {profiles} profile(s) to source ids"
