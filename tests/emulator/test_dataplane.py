"""scripts/emulator/dataplane.py: the emulated full load copies what the task selects, into the
schema its rules name, and fails the task on a rule it cannot apply.

The load is checked through the emulator's API, as the demo drives it (a task on MariaDB
endpoints, StartReplicationTask), and on its own for the table preparation modes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.emulator import Emulator
from scripts.emulator.dataplane import Endpoint, LoadError, Mappings, full_load, table_statistics
from scripts.sample_data import ROWS, TABLE, SampleDatabase

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def database() -> Iterator[SampleDatabase]:
    data = SampleDatabase().start_in_background()
    try:
        yield data.ready()
    finally:
        data.stop()


@pytest.fixture(scope="module")
def dms(database: SampleDatabase) -> Iterator[Any]:
    with Emulator() as running:
        yield running.client("dms", REGION)


def _root(database: SampleDatabase, sql: str) -> None:
    assert database.server is not None
    connection = database.server.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.commit()
    finally:
        connection.close()


def _task(
    dms: Any, database: SampleDatabase, name: str, migration_type: str, mappings: dict[str, Any]
) -> str:
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"{name}-instance", ReplicationInstanceClass="dms.t3.medium"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    source, target = (
        dms.create_endpoint(
            EndpointIdentifier=f"{name}-{kind}", EndpointType=kind, **database.endpoint(kind)
        )["Endpoint"]["EndpointArn"]
        for kind in ("source", "target")
    )
    arn = dms.create_replication_task(
        ReplicationTaskIdentifier=name,
        SourceEndpointArn=source,
        TargetEndpointArn=target,
        ReplicationInstanceArn=instance,
        MigrationType=migration_type,
        TableMappings=json.dumps(mappings),
    )["ReplicationTask"]["ReplicationTaskArn"]
    assert _status(dms, arn)["Status"] == "ready"
    return arn  # type: ignore[no-any-return]


def _status(dms: Any, arn: str) -> dict[str, Any]:
    return dms.describe_replication_tasks(Filters=[{"Name": "replication-task-arn", "Values": [arn]}])[  # type: ignore[no-any-return]
        "ReplicationTasks"
    ][0]


def test_a_started_full_load_copies_the_selected_table_into_the_renamed_schema(
    dms: Any, database: SampleDatabase
) -> None:
    _root(database, f"DROP TABLE IF EXISTS staging.{TABLE}")
    arn = _task(dms, database, "load", "full-load", SampleDatabase.table_mappings())
    assert database.rows() == []
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    assert _status(dms, arn)["Status"] == "running"
    assert [tuple(r.values()) for r in database.rows()] == list(ROWS)
    # A reload replaces what the target holds (DROP_AND_CREATE, the default): no duplicate rows,
    # and a changed target row is production's again.
    _root(database, f"UPDATE staging.{TABLE} SET email = 'changed' WHERE id = 1")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    assert _status(dms, arn)["Status"] == "stopped"  # a stop answers "stopping"; the next look shows it
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    assert [tuple(r.values()) for r in database.rows()] == list(ROWS)


def test_a_cdc_task_and_a_resumed_task_load_nothing(dms: Any, database: SampleDatabase) -> None:
    _root(database, f"DROP TABLE IF EXISTS staging.{TABLE}")
    arn = _task(dms, database, "cdc", "cdc", SampleDatabase.table_mappings())
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    assert database.rows() == []
    dms.stop_replication_task(ReplicationTaskArn=arn)
    assert _status(dms, arn)["Status"] == "stopped"
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    assert database.rows() == []


def test_a_masking_rule_the_load_cannot_apply_fails_the_task_instead_of_copying(
    dms: Any, database: SampleDatabase
) -> None:
    _root(database, f"DROP TABLE IF EXISTS staging.{TABLE}")
    mappings = SampleDatabase.table_mappings()
    mappings["rules"].append(
        {
            "rule-type": "transformation",
            "rule-id": "3",
            "rule-name": "hash-email",
            "rule-target": "column",
            "object-locator": {"schema-name": "production", "table-name": TABLE, "column-name": "email"},
            "rule-action": "data-masking-hash-mask",
        }
    )
    arn = _task(dms, database, "masked", "full-load", mappings)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task = _status(dms, arn)
    assert task["Status"] == "failed"
    assert (
        "hash-email" in task["LastFailureMessage"] and "data-masking-hash-mask" in task["LastFailureMessage"]
    )
    assert database.rows() == []


def test_selection_wildcards_and_exclusions() -> None:
    mappings = Mappings.parse(
        json.dumps(
            {
                "rules": [
                    {
                        "rule-type": "selection",
                        "rule-id": "1",
                        "rule-name": "1",
                        "object-locator": {"schema-name": "prod_", "table-name": "cust%"},
                        "rule-action": "include",
                    },
                    {
                        "rule-type": "selection",
                        "rule-id": "2",
                        "rule-name": "2",
                        "object-locator": {"schema-name": "prod%", "table-name": "%_audit"},
                        "rule-action": "exclude",
                    },
                ]
            }
        )
    )
    assert mappings.selects("prod1", "customers")
    assert not mappings.selects("prod", "customers")  # _ is exactly one character
    assert not mappings.selects("prod1", "orders")
    assert not mappings.selects("prod1", "customers_audit")
    assert mappings.target_schema("prod1") == "prod1"


def _endpoints(database: SampleDatabase) -> Endpoint:
    assert database.server is not None
    return Endpoint("root", "mariadb", database.host, database.port, "root", "")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("TRUNCATE_BEFORE_LOAD", len(ROWS)), ("DO_NOTHING", len(ROWS) + 1), ("DROP_AND_CREATE", len(ROWS))],
)
def test_target_table_preparation_modes(database: SampleDatabase, mode: str, expected: int) -> None:
    _root(database, f"DROP TABLE IF EXISTS staging.{TABLE}")
    _root(database, f"CREATE TABLE staging.{TABLE} LIKE production.{TABLE}")
    _root(database, f"INSERT INTO staging.{TABLE} (id, full_name, email) VALUES (99, 'kept', 'kept')")
    root = _endpoints(database)
    settings = json.dumps({"FullLoadSettings": {"TargetTablePrepMode": mode}})
    report = full_load(root, root, json.dumps(SampleDatabase.table_mappings()), settings)
    assert [(t.source, t.target, t.rows) for t in report.tables] == [
        (f"production.{TABLE}", f"staging.{TABLE}", len(ROWS))
    ]
    assert len(database.rows()) == expected
    assert table_statistics(report) == [
        {
            "SchemaName": "production",
            "TableName": TABLE,
            "FullLoadRows": len(ROWS),
            "TableState": "Table completed",
        }
    ]


def test_an_unknown_preparation_mode_is_refused(database: SampleDatabase) -> None:
    root = _endpoints(database)
    settings = json.dumps({"FullLoadSettings": {"TargetTablePrepMode": "APPEND"}})
    with pytest.raises(LoadError, match="APPEND"):
        full_load(root, root, json.dumps(SampleDatabase.table_mappings()), settings)
