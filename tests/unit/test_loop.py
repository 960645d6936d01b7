"""The automation loop as docs/design.md's decision lists describe it, through the two handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dms_automation import after_load, post_process, starter
from dms_automation.config import ConfigError
from dms_automation.errors import EndpointConnectionError, PostProcessingError, ReplicationFailedError
from dms_automation.options import Options
from tests.unit.harness import TASK_ID, FakeContext, Fault, World, sample

TICK = sample("eventbridge_scheduled_event.json")
STOPPED = sample("sns_dms_task_stopped_link_sourceid.json")
STOPPED_NEW_SHAPE = sample("sns_dms_task_stopped_sourceid_key.json")
FAILED = sample("sns_dms_task_failed.json")


def one_time(world: World, monkeypatch: pytest.MonkeyPatch, migration_type: str = "full-load") -> None:
    indicator = "data-refresh" if migration_type == "full-load" else "data-migration"
    monkeypatch.setenv("MIGRATION_REFRESH_INDICATOR", indicator)
    monkeypatch.setenv("MIGRATION_REFRESH_TYPE", migration_type)
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", "one-time")
    world.task.migration_type = migration_type


def full_cycle_start(world: World, context: FakeContext) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped")


# ---------------------------------------------------------------------------------------------
# Starter: start type from the task's status
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ran_before", "migration_type", "expected"),
    [
        ("ready", False, "full-load", "start-replication"),
        ("stopped", True, "full-load", "reload-target"),
        ("failed", True, "full-load", "reload-target"),
        ("stopped", True, "cdc", "resume-processing"),
        ("stopped", True, "full-load-and-cdc", "resume-processing"),
        ("failed", True, "full-load-and-cdc", "resume-processing"),
        # A task modified after a run is "ready" again; its next run is not a first run.
        ("ready", True, "full-load", "reload-target"),
        ("ready", True, "cdc", "resume-processing"),
    ],
)
def test_start_type_follows_the_task_status(
    world: World,
    context: FakeContext,
    monkeypatch: pytest.MonkeyPatch,
    status: str,
    ran_before: bool,
    migration_type: str,
    expected: str,
) -> None:
    if migration_type != "full-load":
        one_time(world, monkeypatch, migration_type)
    world.set_task(status, started_minutes_ago=600 if ran_before else None)
    result = starter.handler(TICK, context)
    assert result == {"action": "started", "start_type": expected}
    [call] = world.starts()
    assert call == {"ReplicationTaskArn": world.task_arn, "StartReplicationTaskType": expected}
    assert world.task.status == "running"
    assert not world.rule_enabled()  # no second run from the next tick
    assert world.phase() == "running"


@pytest.mark.parametrize("status", ["starting", "running", "stopping"])
def test_nothing_starts_while_a_run_is_in_flight_and_the_trigger_is_disabled(
    world: World, context: FakeContext, status: str
) -> None:
    world.set_task(status, started_minutes_ago=5)
    assert starter.handler(TICK, context)["why"] == "in-flight"
    assert world.starts() == []
    assert not world.rule_enabled()


@pytest.mark.parametrize("status", ["creating", "modifying", "deleting", "testing"])
def test_a_task_that_cannot_start_is_left_alone_and_the_trigger_stays_armed(
    world: World, context: FakeContext, status: str
) -> None:
    world.set_task(status)
    assert starter.handler(TICK, context)["action"] == "none"
    assert world.starts() == []
    assert world.rule_enabled()


def test_every_decision_is_one_json_line_with_request_id_and_task(
    world: World, context: FakeContext, log_lines: Any
) -> None:
    starter.handler(TICK, context)
    lines = log_lines()
    assert lines, "the starter logged nothing"
    for line in lines:
        assert line["request_id"] == context.aws_request_id
        assert line["task_arn"] == world.task_arn
        assert {"decision", "level", "time"} <= set(line)
    [started] = [line for line in lines if line["decision"] == "run-started"]
    assert started["task_id"] == TASK_ID and started["start_type"] == "start-replication"
    assert started["seen"]["status"] == "ready" and started["why"]


def test_unrelated_invocation_of_the_starter_starts_nothing(world: World, context: FakeContext) -> None:
    assert starter.handler(STOPPED, context)["why"] == "unrecognised event"
    assert world.starts() == [] and world.rule_enabled()


# ---------------------------------------------------------------------------------------------
# Post-process: re-arming
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", [STOPPED, STOPPED_NEW_SHAPE], ids=["link-sourceid", "sourceid-key"])
def test_a_finished_run_is_post_processed_then_the_schedule_is_rearmed(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, event: dict[str, Any]
) -> None:
    rule_state_during: list[bool] = []

    def hook(config: Any, task: Any, ctx: Any, *args: Any, **kwargs: Any) -> bool:
        rule_state_during.append(world.rule_enabled())
        assert task.identifier == TASK_ID and task.status == "stopped"
        return True

    monkeypatch.setattr(after_load, "run_post_processing", hook)
    full_cycle_start(world, context)
    assert post_process.handler(event, context)["action"] == "rearmed"
    assert rule_state_during == [False]  # post-processing ran while the trigger was disabled
    assert world.rule_enabled()
    assert world.phase() == "idle" and not world.pending()


def test_one_time_mode_never_rearms(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_time(world, monkeypatch)
    full_cycle_start(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "finished"
    assert not world.rule_enabled()
    assert world.phase() == "idle" and not world.pending()


@pytest.mark.parametrize("mode", ["schedule", "one-time"])
def test_a_failed_run_rearms_a_schedule_and_raises(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    if mode == "one-time":
        one_time(world, monkeypatch)
    called: list[bool] = []
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: called.append(True) or True)
    starter.handler(TICK, context)
    world.finish_run("failed")
    with pytest.raises(ReplicationFailedError, match=TASK_ID):
        post_process.handler(FAILED, context)
    assert world.rule_enabled() is (mode == "schedule")
    assert called == [True]  # what was loaded is post-processed before anything else
    # Lambda retries the failed invocation: the run is recorded, so it neither raises nor acts again.
    assert post_process.handler(FAILED, context)["why"] == "duplicate"


def test_failed_post_processing_keeps_the_trigger_disabled_and_a_retry_recovers(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("target database unreachable")

    monkeypatch.setattr(after_load, "run_post_processing", broken)
    full_cycle_start(world, context)
    with pytest.raises(PostProcessingError, match="target database unreachable"):
        post_process.handler(STOPPED, context)
    assert not world.rule_enabled()
    assert world.phase() == "post-processing-failed"
    assert any(line["decision"] == "post-processing-failed" for line in log_lines())
    # The watchdog must not re-arm over unmasked data.
    assert starter.handler({"dms_automation": "watchdog"}, context)["why"] == "post-processing-failed"
    assert not world.rule_enabled()
    # The retried delivery succeeds once the cause is fixed.
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: True)
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    assert world.rule_enabled()


def test_unfinished_post_processing_continues_in_a_fresh_invocation(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = iter([False, False, True])
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: next(results))
    full_cycle_start(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "continuing"
    assert not world.rule_enabled() and world.phase() == "post-processing"
    # A duplicate notification meanwhile does not start a second post-processing.
    assert post_process.handler(STOPPED, context)["why"] == "in-progress"
    for _ in range(2):
        invocation = world.invocations[-1]
        assert invocation["FunctionName"] == context.invoked_function_arn
        assert invocation["InvocationType"] == "Event"
        result = post_process.handler(invocation["Payload"], context)
    assert result["action"] == "rearmed" and world.rule_enabled()
    assert [i["Payload"]["continuation"] for i in world.invocations] == [1, 2]


def test_post_processing_is_a_no_op_without_masking(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from dms_automation.config import Config
    from dms_automation.task import TaskState

    task = TaskState(arn=world.task_arn, identifier=TASK_ID, status="stopped", migration_type="full-load")
    assert after_load.run_post_processing(Config.from_env(), task, FakeContext(), Options()) is True


def test_run_report_is_logged_from_table_statistics(
    world: World, context: FakeContext, log_lines: Any
) -> None:
    full_cycle_start(world, context)
    world.table_statistics(
        [
            {
                "SchemaName": "HR",
                "TableName": "EMPLOYEES",
                "FullLoadRows": 1200,
                "TableState": "Table completed",
            },
            {"SchemaName": "HR", "TableName": "JOBS", "FullLoadRows": 19, "TableState": "Table error"},
        ]
    )
    with pytest.raises(ReplicationFailedError, match=r"HR\.JOBS"):  # an errored table: no finished run
        post_process.handler(STOPPED, context)
    [report] = [line["report"] for line in log_lines() if line["decision"] == "run-report"]
    assert report["tables"] == 2 and report["rows_loaded"] == 1219
    assert report["errored_tables"] == ["HR.JOBS"] and report["duration_seconds"] is not None


def test_missing_table_statistics_do_not_block_rearming(
    world: World, context: FakeContext, log_lines: Any
) -> None:
    world.call_faults.append(Fault("DescribeTableStatistics", code="AccessDeniedFault"))
    full_cycle_start(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    assert any(line["decision"] == "run-report-unavailable" for line in log_lines())


# ---------------------------------------------------------------------------------------------
# Endpoint connection tests before a start
# ---------------------------------------------------------------------------------------------


def test_both_endpoints_are_tested_before_a_start(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ENDPOINT_CONNECTIONS", "true")
    assert starter.handler(TICK, context)["action"] == "started"
    tested = [p["EndpointArn"] for op, p in world.call_args if op == "TestConnection"]
    assert tested == [world.source_arn, world.target_arn]
    assert world.calls.index("DescribeConnections") < world.calls.index("StartReplicationTask")


@pytest.mark.parametrize("status", ["failed", "testing"])
def test_a_failed_or_endless_connection_test_refuses_the_start_and_keeps_the_schedule(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    monkeypatch.setenv("TEST_ENDPOINT_CONNECTIONS", "true")
    monkeypatch.setenv("CONNECTION_TEST_TIMEOUT_SECONDS", "0")
    if status == "failed":
        world.model.script_connection(
            world.source_arn, result="failed", message="Cannot connect to ODBC provider"
        )
    else:
        world.model.script_connection(world.source_arn, looks=10**6)  # the test never ends
    with pytest.raises(EndpointConnectionError, match=world.source_arn):
        starter.handler(TICK, context)
    assert world.starts() == []
    assert world.rule_enabled()


# ---------------------------------------------------------------------------------------------
# Configuration and packaging
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("handler", [starter.handler, post_process.handler])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REPLICATION_TASK_ARN", ""),
        ("SCHEDULE_OR_ONE_TIME", "weekly"),
        ("TEST_ENDPOINT_CONNECTIONS", "yes"),
        ("WATCHDOG_GRACE_MINUTES", "soon"),
    ],
)
def test_invalid_configuration_is_refused_before_any_aws_call(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, handler: Any, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        handler(TICK if handler is starter.handler else STOPPED, context)
    assert world.calls == []
    assert world.rule_enabled() and world.task.status == "ready"


def test_handlers_import_without_boto3() -> None:
    """boto3 is imported when a handler runs, not when Lambda loads it (the cold-start cost is
    measured by ``make bench-import``, a benchmark figure in the README, not asserted here)."""
    source = Path(__file__).resolve().parents[2] / "lambda_src"
    code = "import sys, dms_automation.starter, dms_automation.post_process; print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"], "a handler imports boto3 at import time"


def test_a_task_of_another_migration_type_is_refused_by_name(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dms_automation.errors import TaskMismatchError

    one_time(world, monkeypatch, "cdc")
    world.task.migration_type = "full-load"  # the task is not what migration_refresh_type says
    with pytest.raises(TaskMismatchError, match=r"'full-load'.*MIGRATION_REFRESH_TYPE='cdc'"):
        starter.handler(TICK, context)
    assert world.starts() == [] and world.rule_enabled()
