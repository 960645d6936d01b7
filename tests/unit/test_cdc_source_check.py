"""The CDC source check: before the first start of a CDC task brought by the user, the starter has
DMS assess the Oracle source (a premigration assessment run) and starts only a source that passed.

The project's DMS model answers the assessment calls (``world.assessments``; moto has none)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from dms_automation import assessment, starter
from dms_automation.assessment import CDC_SOURCE_ASSESSMENTS, RUN_NAME_PREFIX
from dms_automation.config import ConfigError
from dms_automation.errors import CdcSourceNotReadyError
from tests.unit.harness import ASSESSMENT_OPERATIONS, FakeContext, Fault, World, sample

TICK = sample("eventbridge_scheduled_event.json")
BUCKET = "dms-assessments-123456789012-eu-west-1-0123abcd"
ROLE = "arn:aws:iam::123456789012:role/dms-orders-assessment"
CDC_CHECKS = [
    "oracle-check-archivelog-mode",
    "oracle-check-archivelog-retention-rds",
    "oracle-supplemental-db-level",
    "oracle-validate-supplemental-logging-for-pk",
    "oracle-validate-supplemental-logging-all-columns",
    "oracle-validate-permissions-on-source",
]


def cdc_task(
    world: World, monkeypatch: pytest.MonkeyPatch, refresh_type: str = "cdc", check: bool = True
) -> None:
    """A CDC task the user brought (the module sets the check's bucket and role), never run."""
    world.task.migration_type = refresh_type
    for name, value in {
        "MIGRATION_REFRESH_INDICATOR": "data-migration",
        "MIGRATION_REFRESH_TYPE": refresh_type,
        "SCHEDULE_OR_ONE_TIME": "schedule" if refresh_type == "full-load" else "one-time",
    }.items():
        monkeypatch.setenv(name, value)
    if check:
        monkeypatch.setenv("CDC_SOURCE_ASSESSMENT_BUCKET", BUCKET)
        monkeypatch.setenv("CDC_SOURCE_ASSESSMENT_ROLE_ARN", ROLE)


def assessment_calls(world: World) -> list[str]:
    return [op for op in world.calls if op in ASSESSMENT_OPERATIONS]


def started_runs(world: World) -> list[dict[str, Any]]:
    return [p for op, p in world.call_args if op == "StartReplicationTaskAssessmentRun"]


@pytest.mark.parametrize("refresh_type", ["cdc", "full-load-and-cdc"])
def test_a_prepared_source_is_assessed_then_the_task_starts(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, refresh_type: str
) -> None:
    cdc_task(world, monkeypatch, refresh_type)
    assert starter.handler(TICK, context) == {"action": "started", "start_type": "start-replication"}
    (run,) = started_runs(world)
    # Only the CDC checks DMS lists as applicable, never others; results in the module's bucket.
    assert run["IncludeOnly"] == CDC_CHECKS
    assert (run["ResultLocationBucket"], run["ServiceAccessRoleArn"]) == (BUCKET, ROLE)
    assert run["ResultLocationFolder"] == "hello-world" and run["ReplicationTaskArn"] == world.task_arn
    assert run["AssessmentRunName"].startswith(RUN_NAME_PREFIX)
    assert world.calls.index("StartReplicationTaskAssessmentRun") < world.calls.index("StartReplicationTask")
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"


def test_an_unprepared_source_is_refused_naming_what_to_fix(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    cdc_task(world, monkeypatch)
    world.assessments.outcome = {
        "oracle-check-archivelog-mode": "failed",
        "oracle-supplemental-db-level": "warning",
        "oracle-check-archivelog-retention-rds": "skipped",  # not RDS: does not apply
    }
    with pytest.raises(CdcSourceNotReadyError) as refused:
        starter.handler(TICK, context)
    message = str(refused.value)
    assert "oracle-check-archivelog-mode failed: turn on ARCHIVELOG mode" in message
    assert "oracle-supplemental-db-level warning: turn on minimal supplemental logging" in message
    assert "retention" not in message and "permissions" not in message
    assert f"s3://{BUCKET}/hello-world" in message
    assert "delete-replication-task-assessment-run" in message
    # Nothing started, nothing claimed, the trigger as it was: the next tick looks again.
    assert "StartReplicationTask" not in world.calls
    assert (
        world.task.status == "ready" and world.rule_enabled() and world.state().get("phase") in (None, "idle")
    )
    refusal = [line for line in log_lines() if line.get("decision") == "start-refused"]
    assert refusal and refusal[-1]["failing"] == [
        "oracle-check-archivelog-mode",
        "oracle-supplemental-db-level",
    ]

    # The next tick refuses again from the same run: no new assessment while it stands.
    with pytest.raises(CdcSourceNotReadyError):
        starter.handler(TICK, context)
    assert len(started_runs(world)) == 1 and "StartReplicationTask" not in world.calls

    # The source is fixed and the failed run deleted: the next tick checks again and starts.
    world.assessments.outcome = {}
    world.assessments.delete_runs()
    assert starter.handler(TICK, context)["action"] == "started"
    assert len(started_runs(world)) == 2 and world.task.status == "running"


def test_an_assessment_still_running_starts_nothing_and_the_next_tick_reads_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)
    world.assessments.ends_after = None  # longer than this invocation can wait
    short = FakeContext(remaining_ms=75_000)  # 15 s to spare for the wait: it looks a few times
    assert starter.handler(TICK, short) == {"action": "none", "why": "assessing-cdc-source"}
    assert "StartReplicationTask" not in world.calls
    assert (
        world.task.status == "ready" and world.rule_enabled() and world.state().get("phase") in (None, "idle")
    )
    assert world.count("DescribeReplicationTaskAssessmentRuns") > 2  # it waited, bounded

    # The run ends before the next tick, which starts the task without a second assessment.
    world.assessments.ends_after = 0
    assert starter.handler(TICK, short)["action"] == "started"
    assert len(started_runs(world)) == 1


def test_two_starters_at_once_share_one_assessment_and_start_the_task_once(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)

    class SameSecond(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime(2026, 12, 1, 2, 0, 0, tzinfo=tz)

    monkeypatch.setattr(assessment, "datetime", SameSecond)  # both name their run alike
    inner = world.during("StartReplicationTaskAssessmentRun", lambda: starter.handler(TICK, context))
    outer = starter.handler(TICK, context)
    assert inner.error is None and inner.result == {"action": "started", "start_type": "start-replication"}
    # The outer start was refused (the name is taken) and followed the inner's run instead.
    assert outer["action"] == "none"
    assert len(started_runs(world)) == 2 and len(world.assessments.runs) == 1
    assert world.calls.count("StartReplicationTask") == 1 and world.task.status == "running"


def test_an_assessment_start_whose_answer_was_lost_is_followed_not_repeated(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)
    lost = Fault("StartReplicationTaskAssessmentRun", calls={1}, lost_response=True)
    world.send_faults.append(lost)
    assert starter.handler(TICK, context) == {"action": "started", "start_type": "start-replication"}
    # botocore retried the start under the same name; DMS refused it; the first run is the one.
    assert lost.seen["StartReplicationTaskAssessmentRun"] == 2 and len(world.assessments.runs) == 1


def test_an_assessment_that_ends_while_the_starter_waits_lets_it_start(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)
    world.assessments.ends_after = 3
    assert starter.handler(TICK, context)["action"] == "started"
    assert len(started_runs(world)) == 1


def test_an_assessment_run_that_did_not_run_refuses_the_start(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)
    world.assessments.run_error = "error-provisioning"
    with pytest.raises(CdcSourceNotReadyError, match=r"did not run \(error-provisioning: injected"):
        starter.handler(TICK, context)
    assert "StartReplicationTask" not in world.calls and world.rule_enabled()


def test_a_source_dms_has_no_cdc_assessment_for_is_started_with_a_warning(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    cdc_task(world, monkeypatch)
    world.assessments.applicable = ["mysql-check-binlog-format"]  # not an Oracle source
    assert starter.handler(TICK, context)["action"] == "started"
    assert not started_runs(world)
    assert any(line.get("decision") == "cdc-source-unchecked" for line in log_lines())


def test_full_load_tasks_are_never_assessed(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch, "full-load")  # even with the check's settings present
    assert starter.handler(TICK, context)["action"] == "started"
    assert not assessment_calls(world)


def test_a_baseline_task_is_not_assessed(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """modules/baseline prepares its source for CDC; the module then sets no check."""
    cdc_task(world, monkeypatch, check=False)
    assert starter.handler(TICK, context)["action"] == "started"
    assert not assessment_calls(world)


def test_a_task_that_ran_before_is_not_assessed_again(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdc_task(world, monkeypatch)
    world.set_task("stopped", started_minutes_ago=60, stopped=True)
    world.stop_reason = "Stop Reason NORMAL"
    # A run the automation did not know of is taken as handled on the first record (design).
    result = starter.handler(TICK, context)
    assert result == {"action": "started", "start_type": "resume-processing"}
    assert not assessment_calls(world)


def test_a_modified_task_that_ran_before_is_not_assessed_again(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task is "ready" again after ModifyReplicationTask ("ready - The task is ready to run in
    response to running the CreateReplicationTask or ModifyReplicationTask operation",
    API_ReplicationTask.html) but keeps the start date of its last run: it has run, so its source
    was checked (or prepared) before and is not assessed again."""
    cdc_task(world, monkeypatch)
    world.set_task("ready", started_minutes_ago=60)  # a start date, and no stop reason
    assert starter.handler(TICK, context)["action"] == "started"
    assert not assessment_calls(world)


def test_the_check_names_every_assessment_it_knows_a_fix_for() -> None:
    assert sorted(CDC_SOURCE_ASSESSMENTS) == sorted(CDC_CHECKS)


@pytest.mark.parametrize(
    ("bucket", "role", "wrong"),
    [
        (BUCKET, "", "go together"),
        ("", ROLE, "go together"),
        ("Not_A_Bucket", ROLE, "CDC_SOURCE_ASSESSMENT_BUCKET='Not_A_Bucket' is not an S3 bucket name"),
        (BUCKET, "arn:aws:iam::123:role/x", "is not an IAM role ARN"),
    ],
)
def test_the_check_settings_are_refused_before_any_aws_call(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, bucket: str, role: str, wrong: str
) -> None:
    monkeypatch.setenv("CDC_SOURCE_ASSESSMENT_BUCKET", bucket)
    monkeypatch.setenv("CDC_SOURCE_ASSESSMENT_ROLE_ARN", role)
    with pytest.raises(ConfigError, match=wrong):
        starter.handler(TICK, context)
    assert not world.calls


def test_a_cancelled_assessment_run_refuses_the_start_and_is_not_waited_for(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "cancelling": the run was cancelled (CancelReplicationTaskAssessmentRun,
    API_ReplicationTaskAssessmentRun.html), so the source is unchecked. The starter neither waits
    for it as if it were under way nor starts a new run behind the canceller's back: it refuses,
    like a run that did not run, until the run is deleted."""
    cdc_task(world, monkeypatch)
    world.assessments.run_error = "cancelling"
    with pytest.raises(CdcSourceNotReadyError, match=r"was cancelled .*delete assessment run"):
        starter.handler(TICK, context)
    assert "StartReplicationTask" not in world.calls and world.rule_enabled()
    reads = world.count("DescribeReplicationTaskAssessmentRuns")
    with pytest.raises(CdcSourceNotReadyError):
        starter.handler(TICK, context)  # the next tick: still refused, no second assessment
    assert world.count("DescribeReplicationTaskAssessmentRuns") == reads + 1  # read once, not waited on
    assert len(started_runs(world)) == 1
    world.assessments.run_error = ""
    world.assessments.delete_runs()  # the operator deletes it: the next tick checks again
    assert starter.handler(TICK, context)["action"] == "started"
    assert len(started_runs(world)) == 2
