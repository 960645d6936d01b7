"""The DMS model checked against what AWS returns: the recorded answers of AWS's documentation in
tests/aws_examples (each names its page), AWS's documented statuses, and botocore's own waiters
for DMS (AWS's definitions of which statuses a task passes through).

The model is answered in-process (``attach``), through botocore, as the unit tests use it; the
emulator serves the same ``DmsModel.serve`` (tests/emulator/test_emulator.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.emulator.dms_model import DmsModel, attach

EXAMPLES = Path(__file__).resolve().parent.parent / "aws_examples"
SOURCE = "arn:aws:dms:eu-west-1:123456789012:endpoint:SOURCE"
TARGET = "arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET"
INSTANCE = "arn:aws:dms:eu-west-1:123456789012:rep:INSTANCE"
# Left out of the recorded answers ("...output omitted...") or only in some of them.
OMITTED = {"TableMappings", "ReplicationTaskSettings"}


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())  # type: ignore[no-any-return]


class Ticking:
    """A clock one second further at every reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def model() -> DmsModel:
    return DmsModel(endpoint_engine={SOURCE: "oracle", TARGET: "aurora-mysql"}.get, clock=Ticking())


@pytest.fixture
def dms(model: DmsModel) -> Iterator[Any]:
    client = boto3.client(
        "dms",
        region_name="eu-west-1",
        endpoint_url="https://dms.model.invalid",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield attach(client, model)


def raw(model: DmsModel, operation: str, **params: Any) -> dict[str, Any]:
    """The model's answer as it goes on the wire (JSON, timestamps as numbers)."""
    status, body = model.serve(operation, json.dumps(params))
    answer: dict[str, Any] = json.loads(body)
    assert status == 200, answer
    return answer


def create(model: DmsModel, migration_type: str = "full-load") -> str:
    task = raw(
        model,
        "CreateReplicationTask",
        ReplicationTaskIdentifier="moveit2",
        SourceEndpointArn=SOURCE,
        TargetEndpointArn=TARGET,
        ReplicationInstanceArn=INSTANCE,
        MigrationType=migration_type,
        TableMappings=json.dumps({"rules": []}),
    )["ReplicationTask"]
    return str(task["ReplicationTaskArn"])


def describe(model: DmsModel, arn: str) -> dict[str, Any]:
    [task] = raw(
        model, "DescribeReplicationTasks", Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTasks"]
    return task  # type: ignore[no-any-return]


def same_shape(ours: dict[str, Any], recorded: dict[str, Any]) -> None:
    """Every key AWS's answer has, ours has too, with a value of the same JSON type."""
    for key, value in recorded.items():
        assert key in ours, f"{key} is in AWS's answer and not in the model's"
        if isinstance(value, dict):
            same_shape(ours[key], value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            assert isinstance(ours[key], int | float), (key, ours[key])
        else:
            assert type(ours[key]) is type(value), (key, ours[key], value)


def test_a_new_task_is_creating_then_ready(model: DmsModel, dms: Any) -> None:
    recorded = example("create_replication_task.json")["response"]["ReplicationTask"]
    arn = create(model)
    created = model.tasks[arn].to_api()
    same_shape(raw(model, "DescribeReplicationTasks")["ReplicationTasks"][0], {})
    assert created["Status"] == recorded["Status"] == "creating"
    assert re.fullmatch(r"arn:aws:dms:eu-west-1:123456789012:task:[A-Z0-9]{26}", arn)
    dms.get_waiter("replication_task_ready").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
        WaiterConfig={"Delay": 0, "MaxAttempts": 2},
    )


def test_a_start_answers_starting_with_the_last_run_and_runs_at_the_next_look(
    model: DmsModel, dms: Any
) -> None:
    recorded = example("start_replication_task.json")
    arn = create(model)
    describe(model, arn)
    model.put_task(arn, "ready")
    first = raw(
        model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    assert first["ReplicationTask"]["Status"] == "starting"
    assert "ReplicationTaskStartDate" not in first["ReplicationTask"]  # no run before this one
    running = describe(model, arn)
    assert running["Status"] == "running" and running["ReplicationTaskStartDate"]
    model.end_run(arn)
    before = describe(model, arn)
    answer = raw(
        model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="reload-target"
    )
    ours = answer["ReplicationTask"]
    same_shape(ours, {k: v for k, v in recorded["response"]["ReplicationTask"].items() if k not in OMITTED})
    assert ours["Status"] == recorded["response"]["ReplicationTask"]["Status"] == "starting"
    # As in AWS's example, the answer still carries the start of the run before.
    assert ours["ReplicationTaskStartDate"] == before["ReplicationTaskStartDate"]
    after = describe(model, arn)
    assert (
        after["Status"] == "running"
        and after["ReplicationTaskStartDate"] > before["ReplicationTaskStartDate"]
    )


@pytest.mark.parametrize("status", ["starting", "running", "stopping"])
def test_a_second_start_is_refused_while_a_run_is_in_flight(model: DmsModel, dms: Any, status: str) -> None:
    documented = example("start_replication_task.json")["errors"]
    arn = create(model)
    describe(model, arn)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    if status != "starting":
        describe(model, arn)
    if status == "stopping":
        dms.stop_replication_task(ReplicationTaskArn=arn)
    assert model.tasks[arn].status == status
    for start_type in ("reload-target", "resume-processing"):
        with pytest.raises(ClientError) as refused:
            dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType=start_type)
        code = refused.value.response["Error"]["Code"]
        assert code == "InvalidResourceStateFault" and code in documented
    assert model.tasks[arn].start_count == 1


def test_the_first_run_is_start_replication(model: DmsModel, dms: Any) -> None:
    arn = create(model)
    describe(model, arn)
    for later_type in ("reload-target", "resume-processing"):
        with pytest.raises(ClientError, match="has never run: its first run is start-replication"):
            dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType=later_type)
    with pytest.raises(ClientError, match="StartReplicationTaskType 'resume' is not valid"):
        dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    model.end_run(arn)
    describe(model, arn)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    assert model.tasks[arn].start_count == 2


def test_a_stop_answers_stopping_then_stopped_with_reason_normal(model: DmsModel, dms: Any) -> None:
    recorded = example("stop_replication_task.json")["response"]["ReplicationTask"]
    arn = create(model, "cdc")
    describe(model, arn)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    describe(model, arn)
    ours = raw(model, "StopReplicationTask", ReplicationTaskArn=arn)["ReplicationTask"]
    same_shape(ours, {k: v for k, v in recorded.items() if k not in OMITTED})
    assert ours["Status"] == recorded["Status"] == "stopping" and "StopReason" not in recorded
    dms.get_waiter("replication_task_stopped").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
        WaiterConfig={"Delay": 0, "MaxAttempts": 2},
    )
    assert describe(model, arn)["StopReason"] == "Stop Reason NORMAL"


def test_a_finished_full_load_is_described_as_aws_describes_it(model: DmsModel) -> None:
    recorded = example("describe_replication_tasks.json")["response"]["ReplicationTasks"][0]
    arn = create(model)
    describe(model, arn)
    raw(model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    describe(model, arn)
    model.end_run(arn)
    ours = describe(model, arn)
    same_shape(ours, {k: v for k, v in recorded.items() if k not in OMITTED})
    assert (ours["Status"], ours["StopReason"]) == (recorded["Status"], recorded["StopReason"])
    assert ours["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100
    stats = ours["ReplicationTaskStats"]
    assert stats["StartDate"] <= stats["StopDate"] and stats["FreshStartDate"] == stats["StartDate"]


@pytest.mark.parametrize(
    ("migration_type", "status", "reason", "expected"),
    [
        ("full-load", "stopped", "", "Stop Reason FULL_LOAD_ONLY_FINISHED"),
        ("full-load", "failed", "", "Stop Reason RECOVERABLE_ERROR"),
        ("full-load-and-cdc", "stopped", "STOPPED_AFTER_FULL_LOAD", "Stop Reason STOPPED_AFTER_FULL_LOAD"),
        ("cdc", "stopped", "STOPPED_DUE_TO_LOW_DISK", "Stop Reason STOPPED_DUE_TO_LOW_DISK"),
    ],
)
def test_stop_reasons_are_written_as_dms_writes_them(
    model: DmsModel, migration_type: str, status: str, reason: str, expected: str
) -> None:
    recorded = example("describe_replication_tasks.json")["response"]["ReplicationTasks"][0]["StopReason"]
    assert re.fullmatch(r"Stop Reason [A-Z_]+", recorded)
    arn = create(model, migration_type)
    describe(model, arn)
    raw(model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    model.end_run(arn, status, reason=reason)
    ended = describe(model, arn)
    assert (ended["Status"], ended["StopReason"]) == (status, expected)
    assert bool(ended.get("LastFailureMessage")) is (status == "failed")


def test_a_cdc_task_does_not_stop_on_its_own(model: DmsModel) -> None:
    arn = create(model, "cdc")
    describe(model, arn)
    raw(model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    with pytest.raises(Exception, match="only a full-load task stops on its own"):
        model.end_run(arn)


def test_every_task_status_the_model_shows_is_one_aws_documents(model: DmsModel, dms: Any) -> None:
    documented = set(example("describe_replication_tasks.json")["task_statuses"]["values"])
    seen = []
    arn = create(model)
    seen.append(model.tasks[arn].status)
    for step in (
        lambda: None,
        lambda: dms.start_replication_task(
            ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
        ),
        lambda: None,
        lambda: dms.stop_replication_task(ReplicationTaskArn=arn),
        lambda: None,
        lambda: dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings="{}"),
        lambda: None,
        lambda: dms.delete_replication_task(ReplicationTaskArn=arn),
    ):
        step()
        seen.append(model.tasks[arn].status)
        describe(model, arn) if model.tasks[arn].status != "deleting" else None
        if arn in model.tasks:
            seen.append(model.tasks[arn].status)
    assert set(seen) <= documented, set(seen) - documented
    assert {
        "creating",
        "ready",
        "starting",
        "running",
        "stopping",
        "stopped",
        "modifying",
        "deleting",
    } <= set(seen)
    dms.get_waiter("replication_task_deleted").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
        WaiterConfig={"Delay": 0, "MaxAttempts": 2},
    )


def test_table_statistics_have_aws_shape_and_pages(model: DmsModel, dms: Any) -> None:
    recorded = example("describe_table_statistics.json")["response"]
    arn = create(model)
    model.set_table_statistics(
        arn, [{"SchemaName": "HR", "TableName": f"T{i}", "FullLoadRows": i} for i in range(25)]
    )
    ours = raw(model, "DescribeTableStatistics", ReplicationTaskArn=arn, MaxRecords=20)
    same_shape(ours["TableStatistics"][0], recorded["TableStatistics"][0])
    assert ours["ReplicationTaskArn"] == arn and len(ours["TableStatistics"]) == 20 and ours["Marker"]
    pages = list(
        dms.get_paginator("describe_table_statistics").paginate(ReplicationTaskArn=arn, MaxRecords=20)
    )
    assert sum(len(p["TableStatistics"]) for p in pages) == 25
    describe(model, arn)
    raw(model, "StartReplicationTask", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    assert (
        raw(model, "DescribeTableStatistics", ReplicationTaskArn=arn)["TableStatistics"] == []
    )  # a new load


def test_a_connection_test_is_testing_then_has_a_result_and_cannot_be_doubled(
    model: DmsModel, dms: Any
) -> None:
    recorded = example("test_connection.json")
    shown = example("describe_connections.json")
    model.script_connection(SOURCE, looks=1)
    ours = raw(model, "TestConnection", ReplicationInstanceArn=INSTANCE, EndpointArn=SOURCE)["Connection"]
    wanted = ("ReplicationInstanceArn", "EndpointArn", "Status")
    same_shape(ours, {k: recorded["response"]["Connection"][k] for k in wanted})
    assert ours["Status"] == recorded["response"]["Connection"]["Status"] == "testing"
    with pytest.raises(ClientError) as refused:
        dms.test_connection(ReplicationInstanceArn=INSTANCE, EndpointArn=SOURCE)
    assert refused.value.response["Error"]["Code"] in recorded["errors"]
    statuses = []
    for _ in range(2):
        [connection] = dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [SOURCE]}])[
            "Connections"
        ]
        statuses.append(connection["Status"])
    assert statuses == ["testing", shown["response"]["Connections"][0]["Status"]]
    assert set(statuses) <= set(shown["connection_statuses"]["values"])
    with pytest.raises(ClientError, match="ResourceNotFoundFault"):
        dms.test_connection(ReplicationInstanceArn=INSTANCE, EndpointArn=SOURCE + "X")


def _start_run(dms: Any, arn: str, name: str = "cdc-source-1") -> dict[str, Any]:
    return dms.start_replication_task_assessment_run(  # type: ignore[no-any-return]
        ReplicationTaskArn=arn,
        ServiceAccessRoleArn="arn:aws:iam::123456789012:role/assessment",
        ResultLocationBucket="results",
        AssessmentRunName=name,
        IncludeOnly=["oracle-check-archivelog-mode", "oracle-supplemental-db-level"],
    )["ReplicationTaskAssessmentRun"]


def _runs(dms: Any, arn: str) -> list[dict[str, Any]]:
    return dms.describe_replication_task_assessment_runs(  # type: ignore[no-any-return]
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTaskAssessmentRuns"]


def _individual(dms: Any, run_arn: str) -> list[str]:
    items = dms.describe_replication_task_individual_assessments(
        Filters=[{"Name": "replication-task-assessment-run-arn", "Values": [run_arn]}]
    )["ReplicationTaskIndividualAssessments"]
    return sorted(i["Status"] for i in items)


def test_an_assessment_run_takes_time_then_ends_in_a_documented_status(model: DmsModel, dms: Any) -> None:
    documented = example("assessment_runs.json")
    arn = create(model, "cdc")
    assert (
        "oracle-check-archivelog-mode"
        in dms.describe_applicable_individual_assessments(ReplicationTaskArn=arn)["IndividualAssessmentNames"]
    )
    model.assessments.ends_after = 2
    model.assessments.outcome = {"oracle-supplemental-db-level": "warning"}
    started = _start_run(dms, arn)
    statuses = [started["Status"]] + [_runs(dms, arn)[0]["Status"] for _ in range(3)]
    assert statuses == ["starting", "running", "running", "warning"]
    assert set(statuses) <= set(documented["run_statuses"])
    [run] = model.assessments.runs.values()
    assert set(_individual(dms, run.arn)) <= set(documented["individual_statuses"])
    wire = raw(model, "DescribeReplicationTaskAssessmentRuns", Filters=[])["ReplicationTaskAssessmentRuns"][0]
    assert set(wire) <= set(documented["run_keys"])
    assert set(wire["AssessmentProgress"]) == set(documented["progress_keys"])
    assert set(wire["ResultStatistic"]) == set(documented["statistic_keys"])
    with pytest.raises(ClientError, match="ResourceAlreadyExistsFault"):
        _start_run(dms, arn)  # AssessmentRunName is unique


def test_all_skipped_is_a_warning_not_a_pass(model: DmsModel, dms: Any) -> None:
    arn = create(model, "cdc")
    model.assessments.outcome = dict.fromkeys(
        ["oracle-check-archivelog-mode", "oracle-supplemental-db-level"], "skipped"
    )
    _start_run(dms, arn)
    assert _runs(dms, arn)[0]["Status"] == "warning"


def test_an_assessment_run_under_way_can_be_cancelled_and_stays_cancelling(model: DmsModel, dms: Any) -> None:
    documented = example("assessment_runs.json")
    arn = create(model, "cdc")
    model.assessments.ends_after = None
    run_arn = _start_run(dms, arn)["ReplicationTaskAssessmentRunArn"]
    assert _runs(dms, arn)[0]["Status"] == "running"
    cancelled = dms.cancel_replication_task_assessment_run(ReplicationTaskAssessmentRunArn=run_arn)
    assert cancelled["ReplicationTaskAssessmentRun"]["Status"] == "cancelling"
    assert [_runs(dms, arn)[0]["Status"] for _ in range(2)] == ["cancelling", "cancelling"]
    assert "cancelled" not in documented["run_statuses"] and "cancelling" in documented["run_statuses"]
    assert _individual(dms, run_arn) == ["cancelled", "cancelled"]
    with pytest.raises(ClientError, match="InvalidResourceStateFault"):
        dms.cancel_replication_task_assessment_run(ReplicationTaskAssessmentRunArn=run_arn)
    deleted = dms.delete_replication_task_assessment_run(ReplicationTaskAssessmentRunArn=run_arn)
    assert deleted["ReplicationTaskAssessmentRun"]["Status"] == "deleting" and _runs(dms, arn) == []


def test_the_wire_carries_epoch_seconds(model: DmsModel) -> None:
    arn = create(model)
    created = describe(model, arn)["ReplicationTaskCreationDate"]
    assert isinstance(created, float)
    assert datetime.fromtimestamp(created, UTC) == model.tasks[arn].created
