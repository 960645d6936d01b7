"""The keyed hash: its key stays in Secrets Manager, is made on first use, and masks alike everywhere."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from dms_automation.masking import MaskingKey, MaskingKeyError, MaskingRuleError, mask_after_load, read_key
from dms_automation.masking.key import FIRST_VERSION_TOKEN
from tests.masking.masking_db import Database


@dataclass
class FakeContext:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
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


def test_the_key_is_hmac_sha256_and_never_shown() -> None:
    secret = "0123456789abcdef" * 4
    key = MaskingKey.from_secret(secret)
    assert secret not in repr(key) and key.inner.hex() not in repr(key)
    assert len(key.inner) == len(key.outer) == 64
    # A key longer than SHA-256's block is hashed first, as RFC 2104 says.
    long = MaskingKey.from_secret("x" * 100)
    assert long.inner == bytes(b ^ 0x36 for b in hashlib.sha256(b"x" * 100).digest().ljust(64, b"\0"))
    with pytest.raises(MaskingKeyError, match="at least 32 characters"):
        MaskingKey.from_secret("short")


def test_a_module_created_secret_gets_a_generated_key_once(secretsmanager: Any) -> None:
    arn = secretsmanager.create_secret(Name="masking-key")["ARN"]
    with pytest.raises(MaskingKeyError, match="has no value; put a random string"):
        read_key(arn, secretsmanager, generate=False)

    first = read_key(arn, secretsmanager, generate=True)
    second = read_key(arn, secretsmanager, generate=True)

    assert first == second
    value = secretsmanager.get_secret_value(SecretId=arn)
    assert value["VersionId"] == FIRST_VERSION_TOKEN and len(value["SecretString"]) == 64
    assert first == MaskingKey.from_secret(value["SecretString"])


class RacingClient:
    """Another invocation stores its key between our read and our write."""

    def __init__(self) -> None:
        self.stored: str | None = None

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        if self.stored is None:
            self.stored = "w" * 64  # the winner's key, stored just after our read
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "GetSecretValue")
        return {"SecretString": self.stored}

    def put_secret_value(self, SecretId: str, ClientRequestToken: str, SecretString: str) -> None:
        assert ClientRequestToken == FIRST_VERSION_TOKEN
        raise ClientError({"Error": {"Code": "ResourceExistsException"}}, "PutSecretValue")


def test_two_first_runs_at_once_share_one_key() -> None:
    assert read_key("masking-key", RacingClient(), generate=True) == MaskingKey.from_secret("w" * 64)


CUSTOMERS = "CREATE TABLE `{schema}`.`{table}` (id INT PRIMARY KEY, {column} VARCHAR({width}) NOT NULL)"


def test_the_same_input_masks_to_the_same_value_in_two_tables_and_two_runs(
    db: Database, secretsmanager: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    values = ["+33 6 12 34 56 78", "123-45-6789", "Zoë Ångström", "x"]
    db.execute(CUSTOMERS.format(schema=db.schema, table="customers", column="national_id", width=64))
    db.execute(CUSTOMERS.format(schema=db.schema, table="orders", column="customer_ref", width=64))
    # A latin1 column: the hash reads the value's UTF-8 bytes, whatever the column's character set.
    db.execute(
        f"CREATE TABLE `{db.schema}`.legacy (id INT PRIMARY KEY, ref VARCHAR(64) CHARACTER SET latin1 NOT NULL)"
    )
    for table in ("customers", "orders", "legacy"):
        db.executemany(f"INSERT INTO `{db.schema}`.`{table}` VALUES (%s, %s)", list(enumerate(values, 1)))
    target = secretsmanager.create_secret(Name="target", SecretString=json.dumps(db.server.secret(db.schema)))
    key_secret = secretsmanager.create_secret(Name="dms-orders-masking-key")["Name"]
    rules = [
        {"schema": db.schema, "table": "customers", "column": "national_id", "strategy": "hash"},
        {"schema": db.schema, "table": "orders", "column": "customer_ref", "strategy": "hash"},
        {"schema": db.schema, "table": "legacy", "column": "ref", "strategy": "hash"},
    ]
    env = {
        "MASKING_RULES": json.dumps(rules),
        "MASKING_SECRET_ARN": target["ARN"],
        "MASKING_KEY_SECRET": key_secret,
        "MASKING_KEY_GENERATE": "true",
        "MASKING_PROGRESS_SCHEMA": db.progress_schema,
    }
    caplog.set_level(logging.INFO)  # botocore's DEBUG would print every response body, the key's too

    assert mask_after_load("load-1", FakeContext(900_000), env, secretsmanager).done

    secret = secretsmanager.get_secret_value(SecretId=key_secret)["SecretString"]
    expected = [
        (i, hmac.new(secret.encode(), v.encode(), "sha256").hexdigest()) for i, v in enumerate(values, 1)
    ]
    for table in ("customers", "orders", "legacy"):
        assert db.rows(table) == expected, table
    # The next refresh loads the same values again: they mask to the same values again.
    for table in ("customers", "orders"):
        db.execute(f"DELETE FROM `{db.schema}`.`{table}`")
        db.executemany(f"INSERT INTO `{db.schema}`.`{table}` VALUES (%s, %s)", list(enumerate(values, 1)))
    assert mask_after_load("load-2", FakeContext(900_000), env, secretsmanager).done
    assert db.rows("customers") == db.rows("orders") == expected
    # The key is never written to a log.
    logged = caplog.text + "".join(capsys.readouterr())
    key = MaskingKey.from_secret(secret)
    for form in (secret, key.inner.hex(), key.outer.hex(), repr(key.inner), repr(key.outer)):
        assert form not in logged


def test_keyed_rules_need_the_key_secret() -> None:
    env = {
        "MASKING_RULES": json.dumps([{"schema": "s", "table": "t", "column": "c", "strategy": "hash"}]),
        "MASKING_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbCdEf",
    }
    with pytest.raises(MaskingRuleError, match="MASKING_KEY_SECRET is missing"):
        mask_after_load("r", FakeContext(900_000), env)
