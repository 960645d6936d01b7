"""Fault matrix: one fault at a time, then the final state of the rule and the task.

docs/design.md's invariant: no single fault may leave a schedule trigger disabled with no run in
flight and no alarm (an alarm = the invocation raised), or start a second run while one is in
flight. Every case asserts the rule, the task, and whether an error was raised.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dms_automation import after_load, aws, post_process, starter
from dms_automation.config import ConfigError
from dms_automation.errors import (
    PostProcessingError,
    RearmError,
    ReplicationFailedError,
    StartRefusedError,
    StateTableError,
    TaskNotFoundError,
    TriggerNotFoundError,
    WatchdogAlarm,
)
from dms_automation.run import Clock
from tests.unit.harness import TASK_ID, FakeContext, Fault, ProcessDied, World, sample

TICK = sample("eventbridge_scheduled_event.json")
WATCHDOG = {"dms_automation": "watchdog"}
STOPPED = sample("sns_dms_task_stopped_link_sourceid.json")
STARTED = sample("sns_dms_task_started.json")
FAILED = sample("sns_dms_task_failed.json")
RDS = sample("sns_rds_db_instance_created.json")


def sns_with(message: str) -> dict[str, Any]:
    event = json.loads(json.dumps(STOPPED))
    event["Records"][0]["Sns"]["Message"] = message
    return event


def later(minutes: float) -> Clock:
    """A run's clock that many minutes from now: the handlers given it decide at that time."""
    now = datetime.now(UTC)
    return lambda: now + timedelta(minutes=minutes)


@pytest.fixture
def post_processed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []

    def hook(config: Any, task: Any, *args: Any, **kwargs: Any) -> bool:
        runs.append(task.run_key)
        return True

    monkeypatch.setattr(after_load, "run_post_processing", hook)
    return runs


def a_run_ended(world: World, context: FakeContext, status: str = "stopped") -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run(status)


def armed_and_idle(world: World) -> None:
    assert world.rule_enabled()
    assert world.phase() == "idle"
    assert world.task.status not in ("starting", "running")


# ---------------------------------------------------------------------------------------------
# Throttling and refused calls
# ---------------------------------------------------------------------------------------------


def test_throttling_on_every_call_is_retried_by_botocore(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    fault = Fault("*", every_other=True)
    world.send_faults.append(fault)
    a_run_ended(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    assert starter.handler(WATCHDOG, context)["why"] == "armed"
    assert {
        "DescribeReplicationTasks",
        "DescribeRule",
        "GetItem",
        "UpdateItem",
        "DisableRule",
        "EnableRule",
    } <= set(fault.seen)
    assert fault.seen["StartReplicationTask"] == 2  # throttled once, then accepted
    assert len(world.starts()) == 1 and len(post_processed) == 1
    armed_and_idle(world)


def test_throttling_beyond_botocore_retries_is_retried_by_our_backoff(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, post_processed: list[str]
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS_PER_CALL", "1")  # botocore does not retry at all
    fault = Fault("*", every_other=True)
    world.call_faults.append(fault)
    a_run_ended(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    assert fault.seen["StartReplicationTask"] == 2 and world.task.status == "stopped"
    assert len(post_processed) == 1
    armed_and_idle(world)


def test_paged_reads_follow_the_marker_retry_a_throttled_page_and_stop_at_their_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setattr(aws, "sleep", lambda _seconds: None)
    book = {
        None: ({"Items": [1, 2], "Marker": "p2"}),
        "p2": {"Items": [3], "Marker": "p3"},
        "p3": {"Items": [4]},
    }
    asked: list[tuple[str | None, str]] = []
    throttled = {"p2"}

    def describe(**kwargs: Any) -> dict[str, Any]:
        marker = kwargs.get("Marker")
        asked.append((marker, kwargs["TaskArn"]))
        if marker in throttled:
            throttled.discard(marker)
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "Describe")
        return book[marker]

    assert aws.pages(describe, "Items", 10, TaskArn="t") == [1, 2, 3, 4]
    assert asked == [(None, "t"), ("p2", "t"), ("p2", "t"), ("p3", "t")]
    assert aws.pages(describe, "Items", 2, TaskArn="t") == [1, 2, 3]  # the bound holds


def test_endless_throttling_of_the_start_rearms_and_raises(world: World, context: FakeContext) -> None:
    world.call_faults.append(Fault("StartReplicationTask"))
    with pytest.raises(StartRefusedError, match="schedule stays armed"):
        starter.handler(TICK, context)
    assert world.task.status == "ready"
    armed_and_idle(world)


def test_start_refused_after_the_rule_was_disabled_rearms_and_raises(
    world: World, context: FakeContext
) -> None:
    world.call_faults.append(Fault("StartReplicationTask", code="InvalidResourceStateFault"))
    with pytest.raises(StartRefusedError, match="InvalidResourceStateFault"):
        starter.handler(TICK, context)
    assert world.calls.index("DisableRule") < world.calls.index("StartReplicationTask")
    assert world.task.status == "ready"
    armed_and_idle(world)


def test_start_refused_in_one_time_mode_leaves_the_trigger_disabled_and_raises(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", "one-time")
    world.call_faults.append(Fault("StartReplicationTask", code="AccessDeniedFault"))
    with pytest.raises(StartRefusedError, match="one-time"):
        starter.handler(TICK, context)
    assert not world.rule_enabled() and world.task.status == "ready"


def test_start_refused_and_rearm_failing_raises_and_the_watchdog_recovers(
    world: World, context: FakeContext
) -> None:
    world.call_faults.append(Fault("StartReplicationTask", code="InvalidResourceStateFault"))
    world.call_faults.append(Fault("EnableRule", code="InternalException", calls={1}))
    with pytest.raises(RearmError, match="watchdog"):
        starter.handler(TICK, context)
    assert not world.rule_enabled()  # the alarm fired; the watchdog repairs it
    assert starter.handler(WATCHDOG, context)["action"] == "rearmed"
    armed_and_idle(world)


# ---------------------------------------------------------------------------------------------
# Crashes between two calls
# ---------------------------------------------------------------------------------------------


def test_process_dying_between_disable_and_start_is_recovered_by_the_watchdog(
    world: World, context: FakeContext, log_lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.set_task("stopped", started_minutes_ago=1440, stopped=True)
    world.call_faults.append(Fault("StartReplicationTask", crash=True, calls={1}))
    with pytest.raises(ProcessDied):
        starter.handler(TICK, context)
    assert not world.rule_enabled() and world.task.status == "stopped"
    assert starter.handler(WATCHDOG, context)["why"] == "starting"  # within the dead starter's lease
    clock = later(17)  # the lease (Lambda's 15 minutes and a margin) ran out: the start died
    assert starter.handler(WATCHDOG, context, clock)["action"] == "rearmed"
    armed_and_idle(world)
    assert any(line["decision"] == "watchdog-repair" and line["level"] == "WARNING" for line in log_lines())
    assert starter.handler(TICK, context, clock)["action"] == "started"  # the next tick runs normally
    assert len(world.starts()) == 2 and world.task.status == "running"


def test_process_dying_after_a_start_whose_run_already_ended_is_followed_as_started(
    world: World, context: FakeContext, log_lines: Any, post_processed: list[str]
) -> None:
    """The starter dies after DMS accepted the start, before recording it; the run ends before
    the watchdog looks. The task shows a newer run than the claim's: the start took effect, and
    the ended run is left pending for its post-processing (never re-armed over)."""
    world.call_faults.append(Fault("UpdateItem", crash=True, calls={1}))  # recording "running"
    with pytest.raises(ProcessDied):
        starter.handler(TICK, context)
    assert len(world.starts()) == 1 and world.phase() == "starting"
    world.finish_run("stopped")
    assert starter.handler(WATCHDOG, context, later(17)) == {"action": "repaired"}
    assert world.phase() == "running" and not world.rule_enabled()
    [repair] = [line for line in log_lines() if line["decision"] == "watchdog-repair"]
    assert repair["why"] == "the crashed start took effect"
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    assert post_processed == [world.task_run_key()]
    armed_and_idle(world)


def test_process_dying_between_claim_and_disable_is_released_when_its_lease_ends(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.call_faults.append(Fault("DisableRule", crash=True, calls={1}))
    with pytest.raises(ProcessDied):
        starter.handler(TICK, context)
    assert world.rule_enabled() and world.starts() == [] and world.phase() == "starting"
    assert starter.handler(TICK, context)["why"] == "starting"  # a tick inside the lease starts nothing
    clock = later(17)
    assert starter.handler(WATCHDOG, context, clock)["action"] == "rearmed"
    assert starter.handler(TICK, context, clock)["action"] == "started"


def test_watchdog_leaves_a_run_in_flight_alone(world: World, context: FakeContext) -> None:
    starter.handler(TICK, context)
    assert starter.handler(WATCHDOG, context)["why"] == "in-flight"
    assert not world.rule_enabled() and world.task.status == "running"


def test_watchdog_waits_for_a_late_notification_then_alarms(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_run_ended(world, context)
    assert starter.handler(WATCHDOG, context)["why"] == "awaiting-post-process"
    assert not world.rule_enabled()  # not re-armed before post-processing
    clock = later(61)
    with pytest.raises(WatchdogAlarm, match="never began"):
        starter.handler(WATCHDOG, context, clock)
    assert not world.rule_enabled()


def test_watchdog_is_idle_in_one_time_mode(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", "one-time")
    world.set_rule(False)
    assert starter.handler(WATCHDOG, context)["why"] == "one-time"
    assert not world.rule_enabled() and world.calls == []


def test_watchdog_respects_an_operator_pause(world: World, context: FakeContext) -> None:
    assert starter.handler({"dms_automation": "pause"}, context)["action"] == "paused"
    assert not world.rule_enabled()
    assert starter.handler(WATCHDOG, context)["why"] == "paused"
    assert starter.handler(TICK, context)["why"] == "paused"
    assert not world.rule_enabled() and world.starts() == []
    assert starter.handler({"dms_automation": "resume"}, context)["action"] == "resumed"
    assert world.rule_enabled()


# ---------------------------------------------------------------------------------------------
# Post-process faults
# ---------------------------------------------------------------------------------------------


def test_enable_rule_failing_in_post_process_raises_and_the_retry_rearms(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    world.call_faults.append(Fault("EnableRule", code="InternalException", calls={1}))
    with pytest.raises(RearmError, match="could not re-enable"):
        post_process.handler(STOPPED, context)
    assert not world.rule_enabled()
    assert not world.pending()  # recorded before re-arming: the retry does not post-process again
    assert post_process.handler(STOPPED, context)["why"] == "duplicate"  # Lambda's retry re-arms
    assert len(post_processed) == 1
    armed_and_idle(world)


def test_enable_rule_failing_after_post_processing_is_repaired_by_the_watchdog(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    world.call_faults.append(Fault("EnableRule", code="AccessDeniedException", calls={1}))
    with pytest.raises(RearmError):
        post_process.handler(STOPPED, context)
    assert starter.handler(WATCHDOG, context)["action"] == "rearmed"  # post-processing was done
    assert len(post_processed) == 1
    armed_and_idle(world)


def test_post_processing_failure_blocks_rearming_and_raises(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bool:
        raise ValueError("masking rule for HR.EMPLOYEES.SSN: column does not exist")

    monkeypatch.setattr(after_load, "run_post_processing", broken)
    a_run_ended(world, context)
    with pytest.raises(PostProcessingError, match="SSN"):
        post_process.handler(STOPPED, context)
    assert not world.rule_enabled() and world.phase() == "post-processing-failed"
    assert starter.handler(WATCHDOG, context)["why"] == "post-processing-failed"
    assert not world.rule_enabled()


def test_post_processing_timing_out_blocks_the_watchdog_then_alarms_and_a_retry_takes_over(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def times_out(*args: Any, **kwargs: Any) -> bool:
        raise ProcessDied("Task timed out after 900.00 seconds")

    monkeypatch.setattr(after_load, "run_post_processing", times_out)
    a_run_ended(world, context)
    with pytest.raises(ProcessDied):
        post_process.handler(STOPPED, context)
    assert not world.rule_enabled() and world.phase() == "post-processing"
    assert starter.handler(WATCHDOG, context)["why"] == "post-processing"
    assert not world.rule_enabled()
    clock = later(20)
    with pytest.raises(WatchdogAlarm, match="no progress"):
        starter.handler(WATCHDOG, context, clock)
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: True)
    assert post_process.handler(STOPPED, context, clock)["action"] == "rearmed"
    armed_and_idle(world)


def test_a_failed_run_rearms_and_raises(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context, "failed")
    with pytest.raises(ReplicationFailedError):
        post_process.handler(FAILED, context)
    assert post_processed == [world.task_run_key()]  # what was loaded is masked first
    armed_and_idle(world)


def test_continuations_that_never_finish_stop_and_raise(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_POST_PROCESSING_CONTINUATIONS", "1")
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: False)
    a_run_ended(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "continuing"
    with pytest.raises(PostProcessingError, match="continuations"):
        post_process.handler(world.invocations[-1]["Payload"], context)
    assert not world.rule_enabled() and world.phase() == "post-processing-failed"


# ---------------------------------------------------------------------------------------------
# The task or the rule disappears or changes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "event"), [(starter, TICK), (starter, WATCHDOG), (post_process, STOPPED)]
)
def test_deleted_task_raises_and_leaves_the_rule_as_it_was(
    world: World, context: FakeContext, handler: Any, event: dict[str, Any]
) -> None:
    world.delete_task()
    with pytest.raises(TaskNotFoundError, match="REPLICATION_TASK_ARN"):
        handler.handler(event, context)
    assert world.rule_enabled() and world.starts() == []


def test_renamed_task_is_still_followed_by_arn(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    world.task.identifier = "hello-world-v2"
    assert post_process.handler(STOPPED, context)["why"] == "another task"  # old name: not ours now
    assert not world.rule_enabled()
    renamed = sns_with(STOPPED["Records"][0]["Sns"]["Message"].replace("hello-world", "hello-world-v2"))
    assert post_process.handler(renamed, context)["action"] == "rearmed"
    armed_and_idle(world)


@pytest.mark.parametrize(
    ("handler", "event"), [(starter, TICK), (starter, WATCHDOG), (post_process, STOPPED)]
)
def test_deleted_rule_raises_and_starts_nothing(
    world: World, context: FakeContext, handler: Any, event: dict[str, Any]
) -> None:
    world.set_task("stopped", started_minutes_ago=60, stopped=True)
    world.events.delete_rule(Name=world.events.list_rules()["Rules"][0]["Name"])
    with pytest.raises(TriggerNotFoundError, match="EVENT_RULE_NAME"):
        handler.handler(event, context)
    assert world.starts() == [] and world.task.status == "stopped"


# ---------------------------------------------------------------------------------------------
# Duplicate, late, out-of-order and foreign deliveries
# ---------------------------------------------------------------------------------------------


def test_duplicate_delivery_post_processes_once(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    assert post_process.handler(STOPPED, context)["action"] == "rearmed"
    enables = world.count("EnableRule")
    assert post_process.handler(STOPPED, context)["why"] == "duplicate"
    assert len(post_processed) == 1 and world.count("EnableRule") == enables
    armed_and_idle(world)


def test_duplicate_tick_starts_one_run(world: World, context: FakeContext) -> None:
    starter.handler(TICK, context)
    assert starter.handler(TICK, context)["why"] == "in-flight"
    assert len(world.starts()) == 1 and not world.rule_enabled()


def test_late_stop_of_an_old_run_after_a_new_run_started_changes_nothing(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    post_process.handler(STOPPED, context)
    starter.handler(TICK, context)  # the next run is in flight
    assert post_process.handler(STOPPED, context)["why"] == "in-flight"  # yesterday's notification, late
    assert not world.rule_enabled() and world.task.status == "running"
    assert len(post_processed) == 1


def test_stop_delivered_before_start_changes_nothing(world: World, context: FakeContext) -> None:
    starter.handler(TICK, context)
    assert post_process.handler(STOPPED, context)["why"] == "in-flight"
    assert not world.rule_enabled() and world.task.status == "running"


def test_start_delivered_after_the_run_ended_is_decided_from_the_task(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    assert post_process.handler(STARTED, context)["action"] == "rearmed"  # the task says: stopped
    assert post_process.handler(STOPPED, context)["why"] == "duplicate"
    assert len(post_processed) == 1
    armed_and_idle(world)


@pytest.mark.parametrize(
    "event",
    [
        sns_with("Replication task has stopped."),
        sns_with(json.dumps({"Event Message": "Replication task has stopped."})),
        sns_with(json.dumps({"Event Source": "replication-task", "Event Message": "no identifier"})),
        RDS,
        {"Records": [{"EventSource": "aws:sqs", "body": "{}"}]},
        {"detail-type": "Scheduled Event", "source": "aws.events"},
    ],
    ids=["not-json", "no-event-source", "no-source-id", "rds-event", "not-sns", "scheduled-event"],
)
def test_notifications_that_are_not_task_events_change_nothing(
    world: World, context: FakeContext, post_processed: list[str], event: dict[str, Any], log_lines: Any
) -> None:
    a_run_ended(world, context)
    calls_before = len(world.calls)
    assert post_process.handler(event, context)["action"] == "none"
    assert len(world.calls) == calls_before  # not even a describe
    assert post_processed == [] and not world.rule_enabled()
    assert any(line["decision"] == "notification-ignored" for line in log_lines())


def test_notification_of_another_task_changes_nothing(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    a_run_ended(world, context)
    other = sns_with(STOPPED["Records"][0]["Sns"]["Message"].replace(TASK_ID, "payroll-refresh"))
    assert post_process.handler(other, context)["why"] == "another task"
    assert post_processed == [] and not world.rule_enabled()


def test_tick_while_post_processing_runs_starts_nothing(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(after_load, "run_post_processing", lambda *a, **k: False)
    a_run_ended(world, context)
    post_process.handler(STOPPED, context)
    world.set_rule(True)  # an operator re-enables the rule by hand
    assert starter.handler(TICK, context)["why"] == "post-processing"
    assert len(world.starts()) == 1 and not world.rule_enabled()


def test_invalid_configuration_raises_before_any_call(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRATION_REFRESH_TYPE", "cdc")  # cdc on a schedule is not a valid combination
    for handler, event in ((starter, TICK), (starter, WATCHDOG), (post_process, STOPPED)):
        with pytest.raises(ConfigError, match="not a valid combination"):
            handler.handler(event, context)
    assert world.calls == [] and world.rule_enabled()


@pytest.mark.parametrize(
    ("handler", "event"), [(starter, TICK), (starter, WATCHDOG), (post_process, STOPPED)]
)
def test_a_missing_state_table_raises_before_anything_is_touched(
    world: World, context: FakeContext, handler: Any, event: dict[str, Any]
) -> None:
    world.dynamodb.delete_table(TableName="dms-automation-state")
    with pytest.raises(StateTableError, match="STATE_TABLE_NAME"):
        handler.handler(event, context)
    assert set(world.calls) <= {"GetItem", "DescribeReplicationTasks"}  # nothing was changed
    assert world.rule_enabled() and world.task.status == "ready"
