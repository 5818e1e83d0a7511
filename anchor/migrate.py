"""Apply the ordered, idempotent schema steps in migrations/."""
import importlib.util
from dataclasses import dataclass

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from anchor import models
from anchor.config import ROOT
from anchor.models import binding

MIGRATIONS_DIR = ROOT / "migrations"


@dataclass
class MigrationContext:
    """What a step gets: a low-level DynamoDB client and the physical names."""

    client: object
    profiles_table: str
    tokens_table: str
    due_index: str = models.DUE_INDEX
    config: dict | None = None

    @property
    def vault(self):
        """The token vault of the configuration (steps that re-seal tokens use it)."""
        from anchor.vault import make_vault
        return make_vault(self.config)

    def scan(self, table, prefix):
        """Every item of `table` whose pk starts with `prefix` (operator step, paginated)."""
        pages = self.client.get_paginator("scan").paginate(
            TableName=table, ConsistentRead=True, FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": prefix}})
        for page in pages:
            yield from page.get("Items", [])

    def update_each(self, table, prefix, change):
        """Scan `table` under `prefix` and make `change(item)` (update_item's expression arguments, or None
        for no write) on each item, conditioned; how many writes held. A write whose condition fails
        (done already, or the item moved since the scan) counts as none, so a rerun changes nothing twice."""
        written = 0
        for item in list(self.scan(table, prefix)):
            update = change(item)
            if update is None:
                continue
            try:
                self.client.update_item(TableName=table, Key={"pk": item["pk"]}, **update)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            written += 1
        return written

    def table_exists(self, name):
        try:
            self.client.describe_table(TableName=name)
            return True
        except self.client.exceptions.ResourceNotFoundException:
            return False

    def wait_active(self, name):
        self.client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def steps():
    """(name, module) for each migration file, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"anchor_migration_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append((path.stem, module))
    return found


def dynamodb_client(config):
    """A boto3 client for the configured endpoint (DynamoDB Local or AWS)."""
    return boto3.client(
        "dynamodb", region_name=config["AWS_REGION"], endpoint_url=config["DYNAMODB_ENDPOINT"],
        config=BotoConfig(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3}))


def run(config, echo=print):
    """Apply every step; each says what it did or that it was already done."""
    profiles, tokens = binding.table_names()
    ctx = MigrationContext(dynamodb_client(config), profiles, tokens, config=config)
    results = []
    for name, module in steps():
        message = module.apply(ctx)
        results.append((name, message))
        echo(f"{name}: {message}")
    return results
