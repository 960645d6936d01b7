"""A load that ends short is masked before anything else, against the real MariaDB.

The handlers run as the Lambda runs them (moto for DMS, EventBridge, DynamoDB and Secrets
Manager), the masking engine connects to a real MariaDB: DMS loaded two of three tables, then the
task failed. The two loaded tables must hold no production value afterwards, and the failure
must alarm (the invocation raises, the run-failed line is logged).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.masking.masking_db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
from harness import FakeContext, World, sample

from dms_automation import aws, post_process, starter
from dms_automation.errors import ReplicationFailedError

PRODUCTION = {
    "customers": [(1, "ada@example.com"), (2, "grace@example.org")],
    "cards": [(1, "4111111111111111"), (2, "5500000000000004")],
}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(aws, "sleep", lambda seconds: None)
    with mock_aws():
        yield World(monkeypatch)


def stopped_now() -> dict[str, Any]:
    event = sample("sns_dms_task_failed.json")
    record = event["Records"][0]["Sns"]
    message = json.loads(record["Message"])
    message["Event Time"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    record["Message"] = json.dumps(message)
    return event


def test_a_run_that_fails_after_two_of_three_tables_masks_those_two_and_alarms(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = db.schema
    db.execute(f"CREATE TABLE `{schema}`.customers (id INT PRIMARY KEY, email VARCHAR(64))")
    db.execute(f"CREATE TABLE `{schema}`.cards (id INT PRIMARY KEY, card VARCHAR(19))")
    db.execute(f"CREATE TABLE `{schema}`.accounts (id INT PRIMARY KEY, iban VARCHAR(34))")  # never loaded
    context = FakeContext()
    assert starter.handler(sample("eventbridge_scheduled_event.json"), context)["action"] == "started"
    # DMS reloads the target: the two tables it reached hold production rows again.
    db.executemany(f"INSERT INTO `{schema}`.customers VALUES (%s, %s)", PRODUCTION["customers"])
    db.executemany(f"INSERT INTO `{schema}`.cards VALUES (%s, %s)", PRODUCTION["cards"])
    world.finish_run("failed", reason="FATAL_ERROR")
    world.table_statistics(
        [
            {
                "SchemaName": schema,
                "TableName": "customers",
                "FullLoadRows": 2,
                "TableState": "Table completed",
            },
            {"SchemaName": schema, "TableName": "cards", "FullLoadRows": 2, "TableState": "Table completed"},
            {"SchemaName": schema, "TableName": "accounts", "FullLoadRows": 0, "TableState": "Table error"},
        ]
    )
    secret = boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="target", SecretString=json.dumps(db.server.secret(schema))
    )["ARN"]
    rules = [
        {"schema": schema, "table": "customers", "column": "email", "strategy": "fixed",
         "where": "after_load", "options": {"value": "masked@example.invalid"}},
        {"schema": schema, "table": "cards", "column": "card", "strategy": "redact",
         "where": "after_load", "options": {"keep_last": 4}},
        {"schema": schema, "table": "accounts", "column": "iban", "strategy": "null", "where": "after_load"},
    ]  # fmt: skip
    monkeypatch.setenv("MASKING_RULES", json.dumps(rules))
    monkeypatch.setenv("MASKING_SECRET_ARN", secret)
    monkeypatch.setenv("MASKING_PROGRESS_SCHEMA", db.progress_schema)

    with pytest.raises(ReplicationFailedError, match=rf"FATAL_ERROR.*{schema}\.accounts"):
        post_process.handler(stopped_now(), context)

    assert db.rows("customers") == [(1, "masked@example.invalid"), (2, "masked@example.invalid")]
    assert [card[-4:] for _, card in db.rows("cards")] == ["1111", "0004"]
    assert not {card for _, card in db.rows("cards")} & {card for _, card in PRODUCTION["cards"]}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [failed] = [line for line in lines if line["decision"] == "run-failed"]  # what the alarm counts
    assert failed["errored_tables"] == [f"{schema}.accounts"]
    assert world.rule_enabled()  # schedule: re-armed only because masking succeeded; the next tick retries
