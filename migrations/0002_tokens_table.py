"""Create the tokens table (one sealed blob per Spotify account)."""


def apply(ctx):
    name = ctx.tokens_table
    if ctx.table_exists(name):
        return f"table {name} already exists"
    ctx.client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    ctx.wait_active(name)
    return f"created table {name}"
