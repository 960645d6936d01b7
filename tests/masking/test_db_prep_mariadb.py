"""The target side of database preparation against a real MariaDB server: the DMS user exists
with the documented grants, can log in with the password written to its secret, and a second
run resets the password (the old one stops working)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import boto3
import pymysql
import pytest
from moto import mock_aws

from dms_automation import db_prep
from dms_automation.log import DecisionLog
from dms_automation.masking import mask_after_load
from scripts.mariadb_server import MariaDB
from tests.masking.masking_db import Database

# ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR,
# ER_COLUMNACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR
ACCESS_DENIED = {1044, 1045, 1142, 1143, 1227}


def _hash(password: str) -> str:
    """MariaDB's mysql_native_password hash, as SHOW GRANTS prints it."""
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


def _side(server: MariaDB, schemas: tuple[str, ...]) -> db_prep.Side:
    return db_prep.Side(
        "arn:master", "arn:dms", "127.0.0.1", server.port, "", "dms_target_t", schemas=schemas
    )


def _login(server: MariaDB, password: str) -> Any:
    return pymysql.connect(host="127.0.0.1", port=server.port, user="dms_target_t", password=password)


def test_the_dms_user_gets_the_documented_grants_and_its_password_is_reset_on_each_run(
    mariadb: MariaDB,
) -> None:
    master = mariadb.secret()
    side = _side(mariadb, ("HR",))
    first = db_prep.new_password()
    try:
        db_prep.prepare_target(side, master, first, db_prep.connect_mysql)
        with _login(mariadb, first) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW GRANTS")
            grants = " ".join(row[0] for row in cursor.fetchall())
        assert "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `HR`.*" in grants
        assert "GRANT ALL PRIVILEGES ON `awsdms_control`.*" in grants
        assert "*.*" not in grants.replace("GRANT USAGE ON *.*", "")

        second = db_prep.new_password()
        db_prep.prepare_target(side, master, second, db_prep.connect_mysql)  # safe to run again
        with _login(mariadb, second):
            pass
        with pytest.raises(pymysql.err.OperationalError):
            _login(mariadb, first)
    finally:
        with mariadb.connect(autocommit=True) as admin, admin.cursor() as cursor:
            cursor.execute("DROP USER IF EXISTS 'dms_target_t'@'%'")


MASKING_USER = "dms_masking_t"


def _masking_event(client: Any, server: MariaDB, db: Database, other: str) -> dict[str, Any]:
    master = client.create_secret(Name="rds!cluster-t", SecretString=json.dumps(server.secret()))["ARN"]
    secret = client.create_secret(Name="dms-masking")["ARN"]
    return {
        "target": {
            "master_secret_arn": master,
            "host": server.host,
            "port": server.port,
            "dbname": db.schema,
            "masking": {
                "secret_arn": secret,
                "username": MASKING_USER,
                "schemas": [db.schema],
                "coverage_schemas": [db.schema, other],
                "progress_schema": db.progress_schema,
            },
        }
    }


def test_the_masking_user_masks_and_checks_coverage_and_can_do_nothing_else(db: Database) -> None:
    server, s = db.server, db.schema
    other = f"{s}_elsewhere"  # checked by the coverage check only
    secret_schema = f"{s}_secret"  # named by nothing
    db.execute(f"CREATE TABLE `{s}`.people (id INT PRIMARY KEY, email VARCHAR(80), phone VARCHAR(20))")
    db.execute(f"INSERT INTO `{s}`.people VALUES (1, 'a@corp.example', '+1 555 0100'), (2, 'b@x.io', NULL)")
    for schema in (other, secret_schema):
        db.execute(f"CREATE DATABASE `{schema}`")
        db.execute(f"CREATE TABLE `{schema}`.leads (id INT PRIMARY KEY, email VARCHAR(80))")
        db.execute(f"INSERT INTO `{schema}`.leads VALUES (1, 'lead@corp.example')")
    try:
        with mock_aws():
            client = boto3.client("secretsmanager", region_name="eu-west-1")
            event = _masking_event(client, server, db, other)
            lines: list[str] = []
            result = db_prep.prepare(event, client, DecisionLog("db_prep", "r", writer=lines.append))
            written = json.loads(
                client.get_secret_value(SecretId=event["target"]["masking"]["secret_arn"])["SecretString"]
            )
            assert set(written) == {"engine", "host", "port", "username", "password", "dbname"}
            assert (written["username"], written["host"], written["port"]) == (
                MASKING_USER,
                server.host,
                server.port,
            )
            assert written["password"] not in json.dumps(result) + "".join(lines)
            assert (
                result["prepared"]["masking"]["user"] == MASKING_USER and "target" not in result["prepared"]
            )

            # A full after-load pass as that user, reading the secret the preparation wrote.
            rules = [
                {"schema": s, "table": "people", "column": "email", "strategy": "fake_email"},
                {"schema": s, "table": "people", "column": "phone", "strategy": "mask_digits"},
            ]
            key = client.create_secret(Name="masking-key", SecretString="k" * 64)["ARN"]
            env = {
                "MASKING_RULES": json.dumps(
                    {"version": 1, "rules": rules, "coverage": {"schemas": [s, other, secret_schema]}}
                ),
                "MASKING_SECRET_ARN": event["target"]["masking"]["secret_arn"],
                "MASKING_KEY_SECRET": key,
                "MASKING_PROGRESS_SCHEMA": db.progress_schema,
            }
            progress = mask_after_load("run-1", None, env, secretsmanager=client)
            assert progress.done and progress.rows_changed == 2
            # The other schema's columns are visible to the coverage check, though not its rows.
            assert progress.uncovered == [f"{other}.leads.email"]
            # A schema the user was not granted is reported as unseen, not passed as covered.
            assert progress.unseen_schemas == [secret_schema]
            again = mask_after_load("run-1", None, env, secretsmanager=client)  # a duplicate delivery
            assert again.done and again.tables[0].skipped
        masked = db.execute(f"SELECT email, phone FROM `{s}`.people ORDER BY id")
        assert masked[0][0].endswith("@example.invalid") and masked[0][1] == "+* *** ****"

        with (
            pymysql.connect(
                host=server.host, port=server.port, user=MASKING_USER, password=written["password"]
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SHOW GRANTS")
            grants = sorted(row[0] for row in cursor.fetchall())
            refused = [
                f"DROP TABLE `{s}`.people",
                f"DELETE FROM `{s}`.people",
                f"INSERT INTO `{s}`.people VALUES (3, 'c@x.io', NULL)",
                f"ALTER TABLE `{s}`.people ADD COLUMN x INT",
                f"CREATE TABLE `{s}`.extra (id INT PRIMARY KEY)",
                f"SELECT email FROM `{other}`.leads",
                f"UPDATE `{other}`.leads SET email = 'x'",
                f"SELECT email FROM `{secret_schema}`.leads",
                f"DROP TABLE `{db.progress_schema}`.dms_automation_masking_progress",
                f"DELETE FROM `{db.progress_schema}`.dms_automation_masking_progress",
                f"DROP DATABASE `{db.progress_schema}`",
                "CREATE DATABASE elsewhere",
                "SELECT user FROM mysql.user",
                "CREATE USER 'x'@'%' IDENTIFIED BY 'Password123456'",
            ]
            for statement in refused:
                with pytest.raises(pymysql.err.MySQLError) as error:
                    cursor.execute(statement)
                assert error.value.args[0] in ACCESS_DENIED, (statement, error.value)
        assert grants == sorted(
            [
                f"GRANT USAGE ON *.* TO `{MASKING_USER}`@`%` IDENTIFIED BY PASSWORD '{_hash(written['password'])}'",
                f"GRANT SELECT, UPDATE ON `{s}`.* TO `{MASKING_USER}`@`%`",
                f"GRANT REFERENCES ON `{other}`.* TO `{MASKING_USER}`@`%`",
                f"GRANT SELECT, INSERT, UPDATE, CREATE ON `{db.progress_schema}`.* TO `{MASKING_USER}`@`%`",
            ]
        )
    finally:
        for schema in (other, secret_schema):
            db.execute(f"DROP DATABASE IF EXISTS `{schema}`")
        db.execute(f"DROP USER IF EXISTS '{MASKING_USER}'@'%'")


def test_a_schema_dropped_from_the_rules_loses_its_grant(db: Database) -> None:
    side = db_prep.Side(
        "arn:m", "", db.server.host, db.server.port, "", "",
        masking=db_prep.MaskingUser("arn:s", MASKING_USER, (db.schema, "gone"), ("gone_too",), db.progress_schema),
    )  # fmt: skip
    master = db.server.secret()
    try:
        db_prep.prepare_masking_user(side, master, db_prep.new_password(), db_prep.connect_mysql)
        narrower = db_prep.MaskingUser("arn:s", MASKING_USER, (db.schema,), (), db.progress_schema)
        db_prep.prepare_masking_user(
            dataclasses.replace(side, masking=narrower), master, db_prep.new_password(), db_prep.connect_mysql
        )
        grants = " ".join(row[0] for row in db.execute(f"SHOW GRANTS FOR '{MASKING_USER}'@'%'"))
        assert f"`{db.schema}`.*" in grants and "`gone`" not in grants and "`gone_too`" not in grants
    finally:
        db.execute(f"DROP USER IF EXISTS '{MASKING_USER}'@'%'")
