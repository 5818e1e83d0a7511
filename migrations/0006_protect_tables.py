"""Protect both tables: deletion protection everywhere, point-in-time recovery in production.

Deletion protection (UpdateTable `DeletionProtectionEnabled`) makes DeleteTable fail until it is
turned off again, so a mistyped command cannot drop the data; DynamoDB Local honours it too, so
it is on in development and tests as well (their teardown turns it off first). Point-in-time
recovery (UpdateContinuousBackups) keeps 35 days of restorable history; DynamoDB Local has no
such API, so that half runs only when ANCHOR_ENV is production (that is, against AWS).
"""


def apply(ctx):
    done = []
    production = (ctx.config or {}).get("ENV") == "production"
    for name in (ctx.profiles_table, ctx.tokens_table):
        table = ctx.client.describe_table(TableName=name)["Table"]
        if not table.get("DeletionProtectionEnabled"):
            ctx.client.update_table(TableName=name, DeletionProtectionEnabled=True)
            ctx.wait_active(name)
            done.append(f"deletion protection on {name}")
        if production:
            backups = ctx.client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            status = (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
            if status not in ("ENABLED", "ENABLING"):
                ctx.client.update_continuous_backups(
                    TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
                done.append(f"point-in-time recovery on {name}")
    if not done:
        scope = "deletion protection and point-in-time recovery" if production else "deletion protection"
        return f"{scope} already enabled on both tables"
    return "enabled " + ", ".join(done)
