"""What counts as a finished run, from DMS's stop reason and the task's statistics.

The reasons are DMS's ``ReplicationTask.StopReason`` values
(https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html). Every ending is
post-processed first; one that is no finished run then raises, so that it alarms.
"""

from __future__ import annotations

from typing import Any

import pytest

from dms_automation import after_load, post_process, starter
from dms_automation.errors import ReplicationFailedError
from dms_automation.task import TaskState, outcome
from tests.unit.harness import FakeContext, World, sample

TICK = sample("eventbridge_scheduled_event.json")
STOPPED = sample("sns_dms_task_stopped_link_sourceid.json")

FINISHED = [
    ("full-load", "FULL_LOAD_ONLY_FINISHED"),
    ("full-load-and-cdc", "NORMAL"),
    ("full-load-and-cdc", "STOPPED_AT_SERVER_TIME"),
    ("cdc", "NORMAL"),
    ("cdc", "STOPPED_AT_COMMIT_TIME"),
]
# The pause points a full-load-and-cdc task's settings can set (StopTaskCachedChangesNotApplied,
# StopTaskCachedChangesApplied): neither finished nor failed.
PAUSE_POINTS = ["STOPPED_AFTER_FULL_LOAD", "STOPPED_AFTER_CACHED_EVENTS"]
NOT_FINISHED = [
    (migration_type, reason)
    for migration_type in ("full-load", "full-load-and-cdc", "cdc")
    for reason in ("STOPPED_DUE_TO_LOW_DISK", "STOPPED_DUE_TO_LOW_MEMORY", "RECOVERABLE_ERROR", "FATAL_ERROR")
] + [("full-load", "NORMAL")]  # a full load stopped by hand is cut short


def task(migration_type: str, reason: str, status: str = "stopped", **stats: Any) -> TaskState:
    return TaskState(
        arn="arn",
        identifier="t",
        status=status,
        migration_type=migration_type,
        stop_reason=f"Stop Reason {reason}",
        stats={"FullLoadProgressPercent": 100, "TablesErrored": 0, **stats},
    )


@pytest.mark.parametrize(("migration_type", "reason"), FINISHED)
def test_finished_endings(migration_type: str, reason: str) -> None:
    assert outcome(task(migration_type, reason)).finished


@pytest.mark.parametrize("reason", PAUSE_POINTS)
def test_a_pause_point_of_full_load_and_cdc_is_neither_finished_nor_failed(reason: str) -> None:
    ended = outcome(task("full-load-and-cdc", reason))
    assert ended.paused and not ended.finished and not ended.failed and ended.reason == reason
    # Only full-load-and-cdc has them: for the other types the same reason is a failure.
    assert outcome(task("full-load", reason)).failed and outcome(task("cdc", reason)).failed
    # Errored tables at the pause point are a failure all the same.
    assert outcome(task("full-load-and-cdc", reason, TablesErrored=2)).failed


@pytest.mark.parametrize(("migration_type", "reason"), NOT_FINISHED)
def test_endings_that_are_failures_for_every_type(migration_type: str, reason: str) -> None:
    ended = outcome(task(migration_type, reason))
    assert not ended.finished and reason in ended.reason


def test_a_failed_task_errored_tables_or_a_partial_full_load_are_no_finished_run() -> None:
    assert not outcome(task("full-load", "RECOVERABLE_ERROR", status="failed")).finished
    assert not outcome(task("full-load", "FULL_LOAD_ONLY_FINISHED", TablesErrored=1)).finished
    assert not outcome(task("full-load", "FULL_LOAD_ONLY_FINISHED", FullLoadProgressPercent=66)).finished
    report = {"errored_tables": ["HR.JOBS"]}
    ended = outcome(task("cdc", "NORMAL"), report)
    assert not ended.finished and ended.errored_tables == ("HR.JOBS",)


@pytest.mark.parametrize("mode", ["schedule", "one-time"])
def test_a_run_stopped_for_low_disk_is_masked_then_alarms(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, mode: str, log_lines: Any
) -> None:
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", mode)
    masked: list[str] = []

    def hook(config: Any, ended: TaskState, *args: Any, **kwargs: Any) -> bool:
        masked.append(ended.run_key)
        return True

    monkeypatch.setattr(after_load, "run_post_processing", hook)
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped", reason="STOPPED_DUE_TO_LOW_DISK")
    with pytest.raises(ReplicationFailedError, match="STOPPED_DUE_TO_LOW_DISK"):
        post_process.handler(STOPPED, context)
    assert masked == [world.task_run_key()]  # what was loaded is masked before anything else
    assert world.rule_enabled() is (mode == "schedule")  # re-armed only after masking succeeded
    [failed] = [line for line in log_lines() if line["decision"] == "run-failed"]  # the metric's line
    assert "STOPPED_DUE_TO_LOW_DISK" in failed["reason"]
    # Lambda retries the failed invocation: the run is handled, nothing is masked again.
    assert post_process.handler(STOPPED, context)["why"] == "duplicate" and len(masked) == 1


def test_a_partial_load_whose_masking_fails_keeps_the_trigger_disabled(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("target unreachable")

    monkeypatch.setattr(after_load, "run_post_processing", broken)
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("failed")
    with pytest.raises(Exception, match="target unreachable"):
        post_process.handler(STOPPED, context)
    assert not world.rule_enabled() and world.phase() == "post-processing-failed"


@pytest.mark.parametrize("reason", PAUSE_POINTS)
def test_a_migration_paused_at_its_pause_point_is_masked_reported_and_resumed_by_hand(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, log_lines: Any, reason: str
) -> None:
    """docs/design.md, "What counts as finished": the copy is post-processed first (it holds
    production rows), nothing alarms, the log says the migration is paused and how to resume it;
    the automation restarts nothing itself, and a start by hand resumes the same migration."""
    monkeypatch.setenv("MIGRATION_REFRESH_INDICATOR", "data-migration")
    monkeypatch.setenv("MIGRATION_REFRESH_TYPE", "full-load-and-cdc")
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", "one-time")
    world.task.migration_type = "full-load-and-cdc"
    masked: list[str] = []
    monkeypatch.setattr(
        after_load, "run_post_processing", lambda config, ended, *a, **k: masked.append(ended.run_key) or True
    )
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped", reason=reason)
    result = post_process.handler(STOPPED, context)  # no ReplicationFailedError: nothing alarms
    assert result == {"action": "paused", "run": world.task_run_key(), "reason": reason}
    assert masked == [world.task_run_key()]
    assert world.phase() == "idle" and not world.pending() and not world.rule_enabled()
    lines = log_lines()
    [paused] = [line for line in lines if line["decision"] == "run-paused"]
    assert paused["level"] == "WARNING" and paused["reason"] == reason and "resume" in paused["why"]
    assert not [line for line in lines if line["decision"] in ("run-failed", "run-finished")]
    # The tick of a one-time trigger does not come back; the operator resumes the migration.
    assert starter.handler({"dms_automation": "start"}, context) == {
        "action": "started",
        "start_type": "resume-processing",
    }
