"""Database preparation: the exact statements sent to each side, the secrets written, and no
password anywhere but in the database and the DMS secret (the MySQL side runs against MariaDB in
tests/masking/test_db_prep_mariadb.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dms_automation import db_prep
from dms_automation.db_prep import PreparationError
from dms_automation.log import DecisionLog

PASSWORD = "Abcdefghij0123456789KLMNOPQRST"


class RecordingCursor:
    def __init__(self, exists: bool) -> None:
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.exists = exists

    def execute(self, statement: str, parameters: Any = ()) -> None:
        self.sent.append((statement, tuple(parameters)))

    def fetchone(self) -> tuple[int]:
        return (1 if self.exists else 0,)

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


class RecordingConnection:
    def __init__(self, exists: bool = False) -> None:
        self.cursor_ = RecordingCursor(exists)
        self.closed = False

    def cursor(self) -> RecordingCursor:
        return self.cursor_

    def close(self) -> None:
        self.closed = True


def test_new_passwords_are_30_letters_and_digits_starting_with_a_letter() -> None:
    for _ in range(50):
        password = db_prep.new_password()
        assert len(password) == 30 and password[0].isalpha() and password.isalnum() and password.isascii()
    assert len({db_prep.new_password() for _ in range(20)}) == 20


def test_oracle_statements_create_the_user_grant_and_prepare_cdc() -> None:
    sent = db_prep.oracle_statements("DMS_SOURCE", PASSWORD, exists=False, cdc=True)
    assert sent[0] == (f'CREATE USER DMS_SOURCE IDENTIFIED BY "{PASSWORD}"', ())
    assert [s for s, _ in sent[1:5]] == [
        "GRANT CREATE SESSION TO DMS_SOURCE",
        "GRANT SELECT ANY TRANSACTION TO DMS_SOURCE",
        "GRANT SELECT ANY TABLE TO DMS_SOURCE",
        "GRANT LOGMINING TO DMS_SOURCE",
    ]
    grants = [p for s, p in sent if s == db_prep.GRANT_SYS_OBJECT]
    assert ("V_$ARCHIVED_LOG", "DMS_SOURCE", "SELECT") in grants
    assert ("V_$LOGMNR_CONTENTS", "DMS_SOURCE", "SELECT") in grants
    assert ("DBMS_LOGMNR", "DMS_SOURCE", "EXECUTE") in grants
    assert sent[-3:] == [
        (
            "BEGIN rdsadmin.rdsadmin_util.set_configuration(:1, :2); END;",
            ("archivelog retention hours", "24"),
        ),
        ("BEGIN rdsadmin.rdsadmin_util.alter_supplemental_logging(p_action => :1); END;", ("ADD",)),
        (
            "BEGIN rdsadmin.rdsadmin_util.alter_supplemental_logging(p_action => :1, p_type => :2); END;",
            ("ADD", "PRIMARY KEY"),
        ),
    ]


def test_oracle_full_load_touches_no_logging_and_an_existing_user_gets_a_new_password() -> None:
    sent = db_prep.oracle_statements("DMS_SOURCE", PASSWORD, exists=True, cdc=False)
    assert sent[0][0].startswith("ALTER USER DMS_SOURCE IDENTIFIED BY")
    assert not [s for s, _ in sent if "set_configuration" in s or "supplemental" in s]


@pytest.mark.parametrize(
    ("user", "password"), [("dms_source", PASSWORD), ('X" ; DROP', PASSWORD), ("DMS_SOURCE", 'a"b')]
)
def test_oracle_names_and_passwords_that_could_break_a_statement_are_refused(
    user: str, password: str
) -> None:
    with pytest.raises(PreparationError):
        db_prep.oracle_statements(user, password, exists=False, cdc=False)


def test_mysql_statements_bind_the_password_and_quote_names() -> None:
    sent = db_prep.mysql_statements("dms_target", PASSWORD, ["SALES", "HR", "HR"])
    assert sent == [
        ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", ("dms_target", "%", PASSWORD)),
        ("ALTER USER %s@%s IDENTIFIED BY %s", ("dms_target", "%", PASSWORD)),
        (
            "GRANT ALTER, CREATE, DROP, INDEX, INSERT, UPDATE, DELETE, SELECT ON `HR`.* TO 'dms_target'@'%'",
            (),
        ),
        (
            "GRANT ALTER, CREATE, DROP, INDEX, INSERT, UPDATE, DELETE, SELECT ON `SALES`.* TO 'dms_target'@'%'",
            (),
        ),
        ("GRANT ALL PRIVILEGES ON `awsdms_control`.* TO 'dms_target'@'%'", ()),
    ]
    assert all(PASSWORD not in statement for statement, _ in sent)
    assert "ON *.* TO" in db_prep.mysql_statements("dms_target", PASSWORD, [])[2][0]
    with pytest.raises(PreparationError):
        db_prep.mysql_statements("dms_target", PASSWORD, ["HR`; DROP"])


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def _event(client: Any) -> dict[str, Any]:
    def secret(name: str, value: dict[str, Any] | None) -> str:
        arn: str = client.create_secret(Name=name, **({"SecretString": json.dumps(value)} if value else {}))[
            "ARN"
        ]
        return arn

    return {
        "target": {
            "master_secret_arn": secret("rds!cluster-1", {"username": "dmsadmin", "password": "m1"}),
            "dms_secret_arn": secret("dms-dms-target", None),
            "host": "dms-target.cluster-abc.eu-west-1.rds.amazonaws.com",
            "port": 3306,
            "dbname": "app",
            "username": "dms_target",
            "schemas": ["HR"],
        },
        "source": {
            "master_secret_arn": secret("rds!db-1", {"username": "dmsadmin", "password": "m2"}),
            "dms_secret_arn": secret("dms-dms-source", None),
            "host": "dms-source.abc.eu-west-1.rds.amazonaws.com",
            "port": 1521,
            "dbname": "ORCL",
            "username": "DMS_SOURCE",
            "cdc": True,
        },
    }


def test_handler_prepares_both_sides_and_writes_dms_secrets_with_host_and_port(secretsmanager: Any) -> None:
    event = _event(secretsmanager)
    connections = {"target": RecordingConnection(), "source": RecordingConnection(exists=False)}
    masters: dict[str, Any] = {}

    def connector(name: str) -> Any:
        def connect(side: db_prep.Side, master: Any) -> RecordingConnection:
            masters[name] = dict(master)
            return connections[name]

        return connect

    lines: list[str] = []
    result = db_prep.prepare(
        event,
        secretsmanager,
        DecisionLog("db_prep", "r", writer=lines.append),
        connectors={"target": connector("target"), "source": connector("source")},
        password=lambda: PASSWORD,
    )
    # The master secrets were read at run time, and the connections closed.
    assert masters == {
        "target": {"username": "dmsadmin", "password": "m1"},
        "source": {"username": "dmsadmin", "password": "m2"},
    }
    assert all(c.closed for c in connections.values())
    # The source was asked whether the user exists, then sent the documented statements.
    source_sent = connections["source"].cursor_.sent
    assert source_sent[0] == (db_prep.ORACLE_USER_EXISTS, ("DMS_SOURCE",))
    assert source_sent[1:] == db_prep.oracle_statements("DMS_SOURCE", PASSWORD, exists=False, cdc=True)
    assert connections["target"].cursor_.sent == db_prep.mysql_statements("dms_target", PASSWORD, ["HR"])
    for side, engine in (("target", "mysql"), ("source", "oracle")):
        written = json.loads(
            secretsmanager.get_secret_value(SecretId=event[side]["dms_secret_arn"])["SecretString"]
        )
        assert written == {
            "engine": engine,
            "host": event[side]["host"],
            "port": event[side]["port"],
            "username": event[side]["username"],
            "password": PASSWORD,
            "dbname": event[side]["dbname"],
        }
    # Nothing returned or logged carries a password.
    assert PASSWORD not in json.dumps(result) and not any(PASSWORD in line for line in lines)
    assert not any("m1" in line or "m2" in line for line in lines)
    assert result["prepared"]["source"]["cdc"] is True


def test_a_refused_statement_leaves_the_dms_secret_unwritten(secretsmanager: Any) -> None:
    event = _event(secretsmanager)
    del event["source"]

    class Refusing(RecordingConnection):
        def cursor(self) -> Any:
            raise RuntimeError("Access denied for user 'dmsadmin'")

    with pytest.raises(RuntimeError, match="Access denied"):
        db_prep.prepare(
            event,
            secretsmanager,
            DecisionLog("db_prep", "r", writer=lambda _: None),
            connectors={"target": lambda side, master: Refusing()},
        )
    versions = secretsmanager.list_secret_version_ids(SecretId=event["target"]["dms_secret_arn"])["Versions"]
    assert versions == []


def test_without_the_oracle_driver_the_message_names_the_layer_input() -> None:
    side = db_prep.Side("arn:m", "arn:d", "h", 1521, "ORCL", "DMS_SOURCE")
    with pytest.raises(PreparationError, match="oracle_driver_layer_arn"):
        db_prep.connect_oracle(side, {"username": "u", "password": "p"})


@pytest.mark.parametrize("event", [{}, {"target": {"host": "h"}}, {"target": "x"}])
def test_incomplete_events_are_refused(event: dict[str, Any], secretsmanager: Any) -> None:
    with pytest.raises(PreparationError):
        db_prep.prepare(event, secretsmanager, DecisionLog("db_prep", "r", writer=lambda _: None))


def test_masking_statements_grant_only_what_masking_does() -> None:
    sent = db_prep.masking_statements(
        "dms_masking", PASSWORD, ["HR", "SALES", "HR"], ["HR", "CRM"], "dms_automation"
    )
    account = "'dms_masking'@'%'"
    assert sent == [
        ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", ("dms_masking", "%", PASSWORD)),
        ("ALTER USER %s@%s IDENTIFIED BY %s", ("dms_masking", "%", PASSWORD)),
        (f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}", ()),
        (f"GRANT SELECT, UPDATE ON `HR`.* TO {account}", ()),
        (f"GRANT SELECT, UPDATE ON `SALES`.* TO {account}", ()),
        (f"GRANT REFERENCES ON `CRM`.* TO {account}", ()),
        (f"GRANT CREATE, SELECT, INSERT, UPDATE ON `dms_automation`.* TO {account}", ()),
    ]
    assert all(PASSWORD not in statement and "*.*" not in statement for statement, _ in sent)


@pytest.mark.parametrize(
    ("schemas", "progress", "message"),
    [
        ([], "dms_automation", "needs the schemas of the after-load masking rules"),
        (["HR`; DROP"], "dms_automation", "not plain MySQL identifiers"),
        (["HR"], "p`x", "not plain MySQL identifiers"),
        (["dms_automation"], "dms_automation", "is also a masked schema"),
    ],
)
def test_masking_statements_refuse_what_would_widen_or_break_the_grants(
    schemas: list[str], progress: str, message: str
) -> None:
    with pytest.raises(PreparationError, match=re.escape(message)):
        db_prep.masking_statements("dms_masking", PASSWORD, schemas, (), progress)


def test_a_target_event_with_only_the_masking_user_prepares_only_that_user(secretsmanager: Any) -> None:
    event = _event(secretsmanager)
    del event["source"]
    target = event["target"]
    masking_secret = secretsmanager.create_secret(Name="dms-masking")["ARN"]
    target["masking"] = {"secret_arn": masking_secret, "username": "dms_masking", "schemas": ["HR"]}
    del target["dms_secret_arn"], target["username"]
    connection = RecordingConnection()
    result = db_prep.prepare(
        event,
        secretsmanager,
        DecisionLog("db_prep", "r", writer=lambda _: None),
        connectors={"target": lambda side, master: connection},
        password=lambda: PASSWORD,
    )
    assert connection.cursor_.sent == db_prep.masking_statements("dms_masking", PASSWORD, ["HR"])
    assert set(result["prepared"]) == {"masking"}
    written = json.loads(secretsmanager.get_secret_value(SecretId=masking_secret)["SecretString"])
    assert written == {
        "engine": "mysql",
        "host": target["host"],
        "port": 3306,
        "username": "dms_masking",
        "password": PASSWORD,
        "dbname": "app",
    }
    # Without the masking user, the DMS user's keys stay required.
    del target["masking"]
    with pytest.raises(PreparationError, match="lacks dms_secret_arn, username"):
        db_prep.prepare(event, secretsmanager, DecisionLog("db_prep", "r", writer=lambda _: None))
