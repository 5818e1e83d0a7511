"""Let DynamoDB expire old hourly scheduler claims through the expiresAt attribute."""


def apply(ctx):
    name = ctx.profiles_table
    current = ctx.client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if current.get("AttributeName") == "expiresAt" and current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return f"time to live on {name}.expiresAt already enabled"
    ctx.client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
    )
    return f"enabled time to live on {name}.expiresAt"
