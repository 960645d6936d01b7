"""The coverage check against a real MariaDB: sensitive-looking columns that no rule masks are reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dms_automation.masking import (
    DEFAULT_PATTERNS,
    MaskingError,
    UnmaskedColumnsError,
    coverage,
    mask_after_load,
    parse_rules,
)
from tests.masking.masking_db import Database


@dataclass
class FakeContext:
    remaining_ms: int
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def other(db: Database) -> Iterator[str]:
    """A second schema no rule names: not checked unless listed."""
    schema = f"{db.schema}_other"
    db.execute(f"CREATE DATABASE `{schema}`")
    db.execute(f"CREATE TABLE `{schema}`.leads (id INT PRIMARY KEY, email VARCHAR(80))")
    try:
        yield schema
    finally:
        db.execute(f"DROP DATABASE IF EXISTS `{schema}`")


def load(db: Database) -> list[dict[str, Any]]:
    s = db.schema
    db.execute(
        f"CREATE TABLE `{s}`.customers (id INT PRIMARY KEY, email VARCHAR(80), phone VARCHAR(20), "
        "full_name VARCHAR(60), notes TEXT, created_at DATETIME, product_name VARCHAR(40))"
    )
    db.execute(f"CREATE TABLE `{s}`.orders (id INT PRIMARY KEY, customer_email VARCHAR(80), amount INT)")
    db.execute(f"CREATE VIEW `{s}`.customer_emails AS SELECT id, email FROM `{s}`.customers")
    db.execute(
        f"INSERT INTO `{s}`.customers VALUES (1, 'a@corp.com', '+33 6 12', 'Ann Lee', 'n', NOW(), 'x')"
    )
    return [
        {
            "schema": s,
            "table": "customers",
            "column": "phone",
            "strategy": "fixed",
            "options": {"value": "0"},
        },
        {
            "schema": s,
            "table": "customers",
            "column": "full_name",
            "strategy": "hash",
            "where": "dms",
            "options": {"allow_unkeyed_hash": True},
        },
    ]


def environment(
    db: Database, rules: list[dict[str, Any]], coverage: dict[str, Any] | None = None
) -> dict[str, str]:
    document: dict[str, Any] = {"version": 1, "rules": rules}
    if coverage is not None:
        document["coverage"] = coverage
    return {"MASKING_RULES": json.dumps(document), "MASKING_PROGRESS_SCHEMA": db.progress_schema}


def test_an_uncovered_email_column_is_reported_in_the_run_report_and_a_log_line(
    db: Database, other: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = load(db)

    progress = mask_after_load(
        "run-1", FakeContext(900_000), environment(db, rules), connection_factory=db.factory
    )

    s = db.schema
    # Masked after load (phone) or by DMS (full_name): covered. Views and other schemas: not checked.
    assert progress.done
    assert progress.uncovered == [f"{s}.customers.email", f"{s}.orders.customer_email"]
    summary = progress.summary()
    assert (summary["uncovered_count"], summary["uncovered_columns"]) == (2, progress.uncovered)
    assert db.execute(f"SELECT phone FROM `{s}`.customers") == [("0",)]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (line,) = [record for record in lines if record.get("decision") == "masking-coverage"]
    assert (line["level"], line["uncovered_count"], line["done"]) == ("WARNING", 2, "reported")
    assert line["uncovered_columns"] == progress.uncovered
    assert line["request_id"] == "req-1"


def test_fail_on_unmasked_columns_fails_after_masking_with_a_masking_error(db: Database) -> None:
    rules = load(db)
    env = environment(db, rules, {"fail": True})

    with pytest.raises(
        UnmaskedColumnsError, match=r"2 column\(s\) look sensitive.*customers\.email"
    ) as failed:
        mask_after_load("run-1", FakeContext(900_000), env, connection_factory=db.factory)

    assert isinstance(failed.value, MaskingError)  # the post-process path keeps the trigger disabled
    assert db.execute(f"SELECT phone FROM `{db.schema}`.customers") == [("0",)]  # masked all the same
    # Covering the columns makes the same run pass.
    rules += [
        {"schema": db.schema, "table": "customers", "column": "email", "strategy": "null"},
        {"schema": db.schema, "table": "orders", "column": "customer_email", "strategy": "null"},
    ]
    progress = mask_after_load(
        "run-2", FakeContext(900_000), environment(db, rules, {"fail": True}), connection_factory=db.factory
    )
    assert progress.done and progress.uncovered == []


def test_patterns_and_schemas_are_configurable(db: Database, other: str) -> None:
    rules = parse_rules(load(db))

    assert coverage(db.factory, rules, ["^notes$", "created"]) == [
        f"{db.schema}.customers.notes",
        f"{db.schema}.customers.created_at",
    ]
    assert coverage(db.factory, rules, DEFAULT_PATTERNS, schemas=[other]) == [f"{other}.leads.email"]


@pytest.mark.parametrize(
    ("column", "sensitive"),
    [
        ("email", True), ("E_Mail_Address", True), ("mobile_phone", True), ("ssn", True),
        ("national_id", True), ("date_of_birth", True), ("card_number", True), ("iban", True),
        ("billing_address", True), ("passport_no", True), ("salary", True), ("first_name", True),
        ("name", True), ("postal_code", True), ("tax_id", True),
        ("product_name", False), ("table_name", False), ("created_at", False), ("amount", False),
        ("status", False), ("discard", False),
    ],
)  # fmt: skip
def test_the_default_patterns(column: str, sensitive: bool) -> None:
    import re

    assert any(re.search(p, column, re.IGNORECASE) for p in DEFAULT_PATTERNS) is sensitive


def test_a_checked_schema_the_user_cannot_see_is_reported_not_passed(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # information_schema shows a user only what it holds a privilege on: a missing or ungranted
    # schema would look empty, its columns covered.
    rules = load(db)
    env = environment(db, rules, {"schemas": [db.schema, "no_such_schema"]})
    progress = mask_after_load("run-1", FakeContext(900_000), env, connection_factory=db.factory)
    assert progress.unseen_schemas == ["no_such_schema"]
    assert progress.summary()["unseen_schemas"] == ["no_such_schema"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (line,) = [record for record in lines if record.get("decision") == "masking-coverage"]
    assert line["level"] == "WARNING" and line["unseen_schemas"] == ["no_such_schema"]

    only_unseen = environment(db, rules, {"schemas": ["no_such_schema"], "fail": True})
    with pytest.raises(UnmaskedColumnsError, match="cannot see schema"):
        mask_after_load("run-2", FakeContext(900_000), only_unseen, connection_factory=db.factory)
