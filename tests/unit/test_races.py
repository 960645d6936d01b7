"""Interleavings: one invocation run inside another's AWS call, lost responses, early deliveries.

Each test is one of the sequences the run state must survive (docs/design.md, "The run state");
each asserts the invariant at the end: no second run, no re-arm before the latest ended run is
post-processed, and never a disabled schedule trigger with nothing in flight, nothing pending
and no alarm.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dms_automation import after_load, aws, post_process, starter
from dms_automation.errors import NotSettledError, ReplicationFailedError
from dms_automation.run import DEFAULT_LEASE, LEASE_MARGIN
from tests.unit.harness import FakeContext, Fault, World, sample

TICK = sample("eventbridge_scheduled_event.json")
WATCHDOG = {"dms_automation": "watchdog"}
STARTED = sample("sns_dms_task_started.json")


def notification(name: str, at: datetime | None = None) -> dict[str, Any]:
    """A sample notification; with ``at``, its Event Time is that moment (DMS's format, UTC)."""
    event = sample(name)
    if at is not None:
        record = event["Records"][0]["Sns"]
        message = json.loads(record["Message"])
        message["Event Time"] = at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        record["Message"] = json.dumps(message)
    return event


def stopped_now() -> dict[str, Any]:
    return notification("sns_dms_task_stopped_link_sourceid.json", datetime.now(UTC))


@pytest.fixture
def post_processed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []

    def hook(config: Any, task: Any, *args: Any, **kwargs: Any) -> bool:
        runs.append(task.run_key)
        return True

    monkeypatch.setattr(after_load, "run_post_processing", hook)
    return runs


def invariant_holds(world: World) -> None:
    """Something is in flight, pending (and so not re-armed), or the trigger is armed."""
    in_flight = world.task.status in ("starting", "running", "stopping")
    if world.pending():
        assert not world.rule_enabled(), "re-armed before the ended run was post-processed"
    assert in_flight or world.pending() or world.rule_enabled(), "disabled with nothing in flight or pending"


# 1 ------------------------------------------------------------------------------------------


def test_watchdog_during_a_throttled_start_leaves_the_start_alone(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.send_faults.append(Fault("StartReplicationTask", calls={1, 2}))  # throttled, then accepted
    inside = world.during("StartReplicationTask", lambda: starter.handler(WATCHDOG, context))
    assert starter.handler(TICK, context)["action"] == "started"
    assert inside.result == {"action": "none", "why": "starting"}  # the claim's lease was honoured
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"
    assert len(world.starts()) == 1
    invariant_holds(world)


def test_a_start_that_never_happened_is_released_when_its_lease_runs_out(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.call_faults.append(Fault("StartReplicationTask", crash=True, calls={1}))
    with pytest.raises(BaseException, match="process died"):
        starter.handler(TICK, context)
    now = datetime.now(UTC)
    within = (DEFAULT_LEASE + LEASE_MARGIN) / 2
    assert starter.handler(WATCHDOG, context, lambda: now + within)["why"] == "starting"
    past = DEFAULT_LEASE + 2 * LEASE_MARGIN
    assert starter.handler(WATCHDOG, context, lambda: now + past)["action"] == "rearmed"
    assert world.rule_enabled() and world.phase() == "idle"


# 2 ------------------------------------------------------------------------------------------


def test_two_starters_at_once_start_one_run_and_the_loser_leaves_the_trigger_alone(
    world: World, context: FakeContext, log_lines: Any
) -> None:
    # The duplicate tick runs after the first read the state and while it describes the task.
    inside = world.during("DescribeReplicationTasks", lambda: starter.handler(TICK, context))
    result = starter.handler(TICK, context)
    assert inside.result["action"] == "started"
    assert result == {"action": "none", "why": "lost-race"}
    assert len(world.starts()) == 1
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"
    assert not any(line["decision"] == "start-refused" for line in log_lines())


def test_a_tick_during_a_start_in_progress_starts_nothing(world: World, context: FakeContext) -> None:
    inside = world.during("StartReplicationTask", lambda: starter.handler(TICK, context))
    assert starter.handler(TICK, context)["action"] == "started"
    assert inside.result == {"action": "none", "why": "starting"}
    assert len(world.starts()) == 1 and not world.rule_enabled()


@pytest.mark.parametrize("ran_before", [False, True], ids=["first-run", "reload"])
def test_a_manual_start_landing_on_a_tick_is_followed_not_rearmed_over(
    world: World, context: FakeContext, ran_before: bool
) -> None:
    # Someone starts the task by hand while the starter's own start is on its way: DMS refuses it.
    if ran_before:
        world.set_task("stopped", started_minutes_ago=60, stopped=True)
    world.during("StartReplicationTask", world.start_outside)
    assert starter.handler(TICK, context)["action"] == "started"
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"
    assert world.task.last_start_type == world.starts()[0]["StartReplicationTaskType"]
    assert world.task.start_count == 1  # DMS refused the starter's start: one run, the manual one
    invariant_holds(world)


# 3 ------------------------------------------------------------------------------------------


def test_a_start_whose_response_is_lost_is_a_started_run(
    world: World, context: FakeContext, log_lines: Any
) -> None:
    # DMS starts the task, the answer is lost (HTTP 500), botocore retries and DMS refuses the retry.
    world.send_faults.append(
        Fault("StartReplicationTask", code="InternalFailure", lost_response=True, calls={1})
    )
    assert starter.handler(TICK, context)["action"] == "started"
    assert [op for op in world.calls if op == "StartReplicationTask"] == ["StartReplicationTask"]
    assert world.task.start_count == 1  # the retry was refused: DMS started one run
    [started] = [line for line in log_lines() if line["decision"] == "run-started"]
    assert started["level"] == "WARNING" and "InvalidResourceStateFault" in started["error"]
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"
    invariant_holds(world)


def test_a_start_whose_response_is_lost_and_whose_run_failed_at_once_is_a_started_run(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    """The start took effect, its answer was lost, and by the time the starter describes the task
    the run has already failed: the task shows a newer run, so DMS accepted the start. The run is
    followed as started (and its ending post-processed), not reported as a refused start."""
    world.send_faults.append(
        Fault("StartReplicationTask", code="InternalFailure", lost_response=True, calls={1})
    )
    world.during("DescribeReplicationTasks", lambda: world.finish_run("failed"), call=2)
    assert starter.handler(TICK, context) == {"action": "started", "start_type": "start-replication"}
    assert world.phase() == "running" and world.task.status == "failed" and not world.rule_enabled()
    with pytest.raises(ReplicationFailedError):
        post_process.handler(stopped_now(), context)
    assert post_processed == [world.task_run_key()] and world.rule_enabled()
    invariant_holds(world)


# 4 ------------------------------------------------------------------------------------------


def test_a_tick_while_rearming_ends_with_a_run_in_flight_and_the_trigger_disabled(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run()
    inside = world.during("EnableRule", lambda: starter.handler(TICK, context))
    post_process.handler(stopped_now(), context)
    assert inside.ran and inside.result["action"] == "started"
    assert world.task.status == "running" and not world.rule_enabled() and world.phase() == "running"
    assert len(post_processed) == 1 and len(world.starts()) == 2


# 5 ------------------------------------------------------------------------------------------


def test_a_run_started_outside_during_post_processing_is_post_processed_before_rearming(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    results: list[dict[str, Any]] = []

    def post_process_with_an_outside_run(config: Any, task: Any, *args: Any, **kwargs: Any) -> bool:
        runs.append(task.run_key)
        if len(runs) == 1:
            # While run A is masked, someone starts run B from the console; it ends quickly.
            world.start_outside()
            results.append(post_process.handler(STARTED, context))
            world.finish_run()
            results.append(post_process.handler(stopped_now(), context))
            assert not world.rule_enabled()
        return True

    monkeypatch.setattr(after_load, "run_post_processing", post_process_with_an_outside_run)
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run()
    run_a = world.task_run_key()
    assert post_process.handler(stopped_now(), context)["action"] == "rearmed"
    run_b = world.task_run_key()
    assert runs == [run_a, run_b] and run_a != run_b
    assert [r["why"] for r in results] == ["in-flight", "queued"]
    assert world.rule_enabled() and not world.pending() and world.phase() == "idle"


# 6 ------------------------------------------------------------------------------------------


def test_a_start_between_a_stop_and_its_post_processing_is_refused(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run()
    assert starter.handler({"dms_automation": "start"}, context)["why"] == "post-processing-pending"
    assert len(world.starts()) == 1 and not world.rule_enabled()
    assert post_process.handler(stopped_now(), context)["action"] == "rearmed"
    assert post_processed == [world.task_run_key()]
    assert starter.handler(TICK, context)["action"] == "started"


def test_a_run_that_ended_outside_the_automation_is_post_processed_before_any_start(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run()
    assert post_process.handler(stopped_now(), context)["action"] == "rearmed"
    world.start_outside()  # a console start; its notifications are lost
    world.finish_run()
    assert starter.handler(TICK, context)["why"] == "post-processing-pending"
    assert len(world.starts()) == 1 and not world.rule_enabled()
    assert post_process.handler({"dms_automation": "reconcile"}, context)["action"] == "rearmed"
    assert len(post_processed) == 2


# 7 ------------------------------------------------------------------------------------------


def test_a_pause_set_mid_run_survives_the_run(
    world: World, context: FakeContext, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    assert starter.handler({"dms_automation": "pause"}, context)["action"] == "paused"
    world.finish_run()
    assert post_process.handler(stopped_now(), context)["action"] == "finished"
    assert post_processed == [world.task_run_key()]
    assert not world.rule_enabled() and world.state()["paused"] is True
    assert starter.handler(WATCHDOG, context)["why"] == "paused"
    assert starter.handler({"dms_automation": "start"}, context)["why"] == "paused"
    assert starter.handler({"dms_automation": "resume"}, context)["action"] == "resumed"
    assert world.rule_enabled()


def test_a_pause_set_during_post_processing_survives_it(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pause_meanwhile(*args: Any, **kwargs: Any) -> bool:
        starter.handler({"dms_automation": "pause"}, context)
        return True

    monkeypatch.setattr(after_load, "run_post_processing", pause_meanwhile)
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run()
    post_process.handler(stopped_now(), context)
    assert not world.rule_enabled() and world.state()["paused"] is True and not world.pending()


def test_automation_enabled_false_pauses_through_the_environment(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    monkeypatch.setenv("AUTOMATION_ENABLED", "false")  # a pull request set automation_enabled = false
    world.finish_run()
    assert post_process.handler(stopped_now(), context)["action"] == "finished"  # masked, not re-armed
    assert not world.rule_enabled() and len(post_processed) == 1
    assert starter.handler(TICK, context)["why"] == "paused"
    monkeypatch.setenv("AUTOMATION_ENABLED", "true")
    assert starter.handler(WATCHDOG, context)["action"] == "rearmed"


# 8 ------------------------------------------------------------------------------------------


def test_a_stop_notification_ahead_of_the_task_waits_until_the_task_shows_it(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, post_processed: list[str]
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    early = stopped_now()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            world.finish_run()  # DMS shows the task stopped on the second look

    monkeypatch.setattr(aws, "sleep", sleep)
    assert post_process.handler(early, context)["action"] == "rearmed"
    assert len(waits) == 2 and post_processed == [world.task_run_key()]


@pytest.mark.parametrize("mode", ["schedule", "one-time"])
def test_a_stop_notification_for_a_task_that_never_settles_raises_for_a_retry(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, post_processed: list[str], mode: str
) -> None:
    monkeypatch.setenv("SCHEDULE_OR_ONE_TIME", mode)
    assert starter.handler(TICK, context)["action"] == "started"
    world.set_task("stopping")
    early = stopped_now()
    with pytest.raises(NotSettledError, match="still shows it stopping"):
        post_process.handler(early, context)
    assert not world.rule_enabled() and post_processed == []
    world.finish_run()
    result = post_process.handler(early, context)  # Lambda's retry
    assert result["action"] == ("rearmed" if mode == "schedule" else "finished")
    assert len(post_processed) == 1


def test_a_late_stop_of_an_earlier_run_does_not_wait(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        aws, "sleep", lambda seconds: pytest.fail("waited for a notification of an older run")
    )
    assert starter.handler(TICK, context)["action"] == "started"
    yesterday = notification("sns_dms_task_stopped_link_sourceid.json")  # its Event Time is years ago
    assert post_process.handler(yesterday, context)["why"] == "in-flight"
