"""Rule parsing (the Lambda's own check of the rendered JSON), the env seam, and the server launcher."""

from __future__ import annotations

import base64
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dms_automation.masking import (
    MaskingRuleError,
    SecretError,
    connection_settings,
    deadline_from_context,
    document,
    mask_after_load,
    parse_rules,
)
from scripts.mariadb_server import MariaDB
from tests.masking.masking_db import Database

OK = {"schema": "hr", "table": "employees", "column": "ssn", "strategy": "hash"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"strategy": "scramble"},
            "'hr.employees.ssn': unknown strategy 'scramble'; use one of: hash, redact",
        ),
        ({"table": " "}, "masking rule #1: 'table' is missing or empty"),
        ({"column": "ssn`; DROP TABLE x"}, "column name 'ssn`; DROP TABLE x' is not allowed"),
        ({"schema": "a" * 65}, "schema name"),
        ({"where": "later"}, "where='later' is not allowed; use one of: dms, after_load"),
        ({"strategy": "redact", "where": "dms"}, "DMS cannot apply strategy redact"),
        ({"options": {"salt": "s"}}, "options.salt is no longer accepted"),
        ({"options": {"salt": "s"}, "where": "dms"}, "keyed by the masking key in Secrets Manager"),
        (
            {"options": {"keep_last": 4}},
            "option(s) keep_last do not apply to strategy hash; allowed: allow_unkeyed_hash",
        ),
        ({"strategy": "redact", "options": {"keep_last": -1}}, "keep_last=-1 must be a whole number"),
        ({"strategy": "redact", "options": {"mask_char": "**"}}, "mask_char='**' must be one printable"),
        ({"strategy": "fixed"}, "strategy fixed needs options.value"),
        ({"strategy": "fake_email", "options": {"domain": "not a domain"}}, "is not a domain name"),
    ],
)
def test_bad_rules_are_refused_with_a_message_naming_the_rule(change: dict[str, Any], message: str) -> None:
    with pytest.raises(MaskingRuleError) as refused:
        parse_rules([{**OK, **change}])
    assert message in str(refused.value)


def test_rules_parse_from_the_rendered_json_with_nulls_for_unset_options() -> None:
    rendered = json.dumps(
        {
            "default_where": "after_load",
            "rules": [
                {**OK, "where": None, "options": {"domain": None, "keep_last": None}},
                {"schema": "hr", "table": "employees", "column": "phone", "strategy": "randomize_digits",
                 "where": "dms", "options": {}},
            ],
        }
    )  # fmt: skip
    rules = parse_rules(rendered)
    assert [(r.column, r.where, dict(r.options)) for r in rules] == [
        ("ssn", "after_load", {}),
        ("phone", "dms", {}),
    ]


def test_one_rule_per_column() -> None:
    with pytest.raises(MaskingRuleError, match=r"'hr\.employees\.SSN' appears more than once"):
        parse_rules([OK, {**OK, "column": "SSN", "strategy": "null"}])


def test_bad_json_is_named() -> None:
    with pytest.raises(MaskingRuleError, match="not valid JSON"):
        parse_rules("[{")


def test_secret_must_be_an_rds_secret() -> None:
    with pytest.raises(SecretError, match="secret x lacks host, password"):
        connection_settings({"username": "u"}, "secret x")
    settings = connection_settings(
        {"username": "u", "password": "p", "host": "h", "port": "3307", "dbname": "d"}
    )
    assert (settings["host"], settings["port"], settings["database"]) == ("h", 3307, "d")


@dataclass
class FakeContext:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_deadline_keeps_a_reserve() -> None:
    assert deadline_from_context(FakeContext(90_000), 30, clock=lambda: 100.0) == 160.0
    assert deadline_from_context(FakeContext(10_000), 30, clock=lambda: 100.0) == 100.0
    assert deadline_from_context(None) is None


@pytest.fixture
def secretsmanager() -> Any:
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update(dict(zip(keys, ("testing", "testing", "eu-west-1"), strict=True)))
    try:
        with mock_aws():
            yield boto3.client("secretsmanager", region_name="eu-west-1")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_mask_after_load_reads_rules_and_secret_from_the_environment(
    db: Database, secretsmanager: Any
) -> None:
    db.execute(f"CREATE TABLE `{db.schema}`.users (id INT PRIMARY KEY, email VARCHAR(60), name VARCHAR(20))")
    db.executemany(
        f"INSERT INTO `{db.schema}`.users VALUES (%s, %s, %s)",
        [(i, f"u{i}@corp.com", f"N{i}") for i in range(1, 6)],
    )
    arn = secretsmanager.create_secret(Name="target", SecretString=json.dumps(db.server.secret(db.schema)))[
        "ARN"
    ]
    env = {
        "MASKING_RULES": json.dumps(
            [{"schema": db.schema, "table": "users", "column": "email", "strategy": "null"}]
        ),
        "MASKING_SECRET_ARN": arn,
        "MASKING_PROGRESS_SCHEMA": db.progress_schema,
    }

    # 20 s left, 30 s reserved: nothing is started, the handler must continue in a fresh invocation.
    late = mask_after_load("run-9", FakeContext(20_000), env, secretsmanager)
    assert not late.done
    assert db.execute(f"SELECT COUNT(*) FROM `{db.schema}`.users WHERE email IS NULL") == [(0,)]

    progress = mask_after_load("run-9", FakeContext(900_000), env, secretsmanager)
    assert progress.done and progress.rows_changed == 5
    assert db.execute(f"SELECT COUNT(*) FROM `{db.schema}`.users WHERE email IS NULL AND name LIKE 'N%'") == [
        (5,)
    ]


def test_a_master_user_secret_without_host_is_completed_by_the_module_settings(
    db: Database, secretsmanager: Any
) -> None:
    """RDS-managed master secrets hold only username and password; MASKING_DB_* fill in the rest."""
    db.execute(f"CREATE TABLE `{db.schema}`.people (id INT PRIMARY KEY, ssn VARCHAR(16))")
    db.executemany(
        f"INSERT INTO `{db.schema}`.people VALUES (%s, %s)", [(1, "123-45-6789"), (2, "987-65-4321")]
    )
    full = db.server.secret(db.schema)
    managed = {"username": full["username"], "password": full["password"]}
    arn = secretsmanager.create_secret(Name="managed", SecretString=json.dumps(managed))["ARN"]
    env = {
        "MASKING_RULES": json.dumps(
            [
                {
                    "schema": db.schema,
                    "table": "people",
                    "column": "ssn",
                    "strategy": "fixed",
                    "options": {"value": "x"},
                }
            ]
        ),
        "MASKING_SECRET_ARN": arn,
        "MASKING_PROGRESS_SCHEMA": db.progress_schema,
    }
    with pytest.raises(SecretError, match="host"):
        mask_after_load("run-1", FakeContext(900_000), env, secretsmanager)

    env |= {"MASKING_DB_HOST": str(full["host"]), "MASKING_DB_PORT": str(full["port"])}
    assert mask_after_load("run-1", FakeContext(900_000), env, secretsmanager).done
    assert db.execute(f"SELECT DISTINCT ssn FROM `{db.schema}`.people") == [("x",)]


def test_mask_after_load_without_rules_is_done_and_with_rules_needs_a_secret() -> None:
    assert mask_after_load("r", FakeContext(1000), {}).done
    dms_only = json.dumps([{**OK, "where": "dms", "options": {"allow_unkeyed_hash": True}}])
    assert mask_after_load("r", FakeContext(1000), {"MASKING_RULES": dms_only}).done
    with pytest.raises(MaskingRuleError, match="MASKING_SECRET_ARN is missing"):
        mask_after_load("r", FakeContext(1000), {"MASKING_RULES": json.dumps([OK])})


def test_the_server_launcher_leaves_no_process_or_data_behind() -> None:
    server = MariaDB.start(durable=False)
    pid, datadir = server.process.pid, server.datadir
    with server.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT @@port, @@bind_address")
        assert cursor.fetchone() == (server.port, "127.0.0.1")
    server.stop()
    assert server.process.poll() is not None
    assert not datadir.exists()
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split()[2] == "Z"  # gone (or a reaped-soon zombie)


def test_mask_after_load_reads_compressed_rules_from_the_ssm_parameter(
    db: Database, secretsmanager: Any
) -> None:
    """What modules/automation writes: base64(gzip(json)) of every rule, in a SecureString parameter."""
    db.execute(f"CREATE TABLE `{db.schema}`.users (id INT PRIMARY KEY, email VARCHAR(60), city VARCHAR(20))")
    db.executemany(
        f"INSERT INTO `{db.schema}`.users VALUES (%s, %s, %s)",
        [(i, f"u{i}@corp.com", "Lyon") for i in (1, 2)],
    )
    rules = [
        {"schema": db.schema, "table": "users", "column": "email", "strategy": "null", "where": "after_load"},
        {"schema": db.schema, "table": "users", "column": "city", "strategy": "mask_digits", "where": "dms"},
    ]
    ssm = boto3.client("ssm", region_name="eu-west-1")
    value = base64.b64encode(gzip.compress(json.dumps({"version": 1, "rules": rules}).encode())).decode()
    ssm.put_parameter(Name="/dms-orders/masking-rules", Value=value, Type="SecureString")
    target = secretsmanager.create_secret(Name="target", SecretString=json.dumps(db.server.secret(db.schema)))
    env = {
        "MASKING_RULES_PARAMETER": "/dms-orders/masking-rules",
        "MASKING_SECRET_ARN": target["ARN"],
        "MASKING_PROGRESS_SCHEMA": db.progress_schema,
    }

    progress = mask_after_load("run-1", FakeContext(900_000), env, secretsmanager, ssm=ssm)

    assert progress.done and progress.rows_changed == 2
    assert db.rows("users") == [(1, None, "Lyon"), (2, None, "Lyon")]  # the DMS rule is left to DMS


def test_a_parameter_that_is_not_the_rules_document_is_named() -> None:
    with pytest.raises(MaskingRuleError, match="SSM parameter p is neither JSON nor base64"):
        document.decode("not base64 !", "SSM parameter p")
