"""DMS events through EventBridge (direct, or as an SNS message) are handled like DMS's own SNS
notifications; newer console links (#taskDetails/<name>) name the task too.

The EventBridge samples are the DMS user guide's example event in both of its editions
(``detail.eventName`` and ``detail.eventId``; tests/events/README.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dms_automation import after_load, aws, post_process, starter
from dms_automation.errors import NotSettledError, ReplicationFailedError
from dms_automation.notifications import DmsNotification, parse_event
from tests.unit.harness import TASK_ID, FakeContext, World, sample

# The task of the guide's example: its ARN, and its name in resourceLink.
SAMPLE_TASK_ARN = "arn:aws:dms:us-east-1:012345678901:task:AAAABBBB0CCCCDDDDEEEEE1FFFF2GGG3FFFFFF3"
SAMPLE_TASK_NAME = "taskName"
TICK = sample("eventbridge_scheduled_event.json")


def for_task(name: str, task_arn: str, at: datetime | None = None) -> dict[str, Any]:
    """A sample naming the task by ARN, with the ARN of the task the test created in its place and
    the event's ``time`` the moment of the ending (now by default; the guide's example says 1970)."""
    moment = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def fix(event: dict[str, Any]) -> dict[str, Any]:
        if "time" in event:
            event["time"] = moment
        return json.loads(json.dumps(event).replace(SAMPLE_TASK_ARN, task_arn))  # type: ignore[no-any-return]

    event = sample(name)
    if "Records" in event:
        record = event["Records"][0]["Sns"]
        record["Message"] = json.dumps(fix(json.loads(record["Message"])))
        return event
    return fix(event)


@pytest.mark.parametrize(
    ("name", "event_id", "via"),
    [
        ("eventbridge_dms_task_started.json", "DMS-EVENT-0069", "eventbridge"),
        ("eventbridge_dms_task_started_eventid.json", "DMS-EVENT-0069", "eventbridge"),
        ("eventbridge_dms_task_stopped.json", "DMS-EVENT-0079", "eventbridge"),
        ("eventbridge_dms_task_stopped_eventid.json", "DMS-EVENT-0079", "eventbridge"),
        ("eventbridge_dms_task_failed.json", "DMS-EVENT-0078", "eventbridge"),
        ("sns_eventbridge_dms_task_stopped.json", "DMS-EVENT-0079", "eventbridge-sns"),
    ],
)
def test_eventbridge_task_events_parse_like_the_sns_ones(name: str, event_id: str, via: str) -> None:
    [parsed] = parse_event(sample(name))
    assert isinstance(parsed, DmsNotification)
    assert parsed.is_task_event and parsed.via == via
    assert parsed.task_arn == SAMPLE_TASK_ARN
    assert parsed.source_id == SAMPLE_TASK_NAME  # from the resourceLink, #taskDetails/<name>
    assert parsed.event_id == event_id
    assert parsed.event_message
    assert parsed.concerns(SAMPLE_TASK_ARN, "some-other-name")  # the ARN decides when there is one
    assert not parsed.concerns("arn:aws:dms:eu-west-1:123456789012:task:OTHER", TASK_ID)


def test_the_newer_console_link_names_the_task() -> None:
    [parsed] = parse_event(sample("sns_dms_task_stopped_taskdetails_link.json"))
    assert isinstance(parsed, DmsNotification)
    assert parsed.is_task_event and parsed.source_id == TASK_ID and parsed.event_id == "DMS-EVENT-0079"


def test_an_eventbridge_event_about_the_instance_is_not_a_task_event() -> None:
    [parsed] = parse_event(sample("eventbridge_dms_instance_state_change.json"))
    assert isinstance(parsed, DmsNotification)
    assert not parsed.is_task_event and parsed.task_arn == ""


@pytest.mark.parametrize(
    "name",
    [
        "eventbridge_dms_task_stopped.json",
        "eventbridge_dms_task_stopped_eventid.json",
        "sns_eventbridge_dms_task_stopped.json",
        "sns_dms_task_stopped_taskdetails_link.json",
    ],
)
def test_a_finished_run_is_handled_the_same_whatever_the_shape(
    world: World, context: FakeContext, name: str
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped")
    event = for_task(name, world.task_arn)
    assert post_process.handler(event, context)["action"] == "rearmed"
    assert world.rule_enabled()
    # A duplicate delivery changes nothing, as with SNS.
    assert post_process.handler(event, context)["action"] != "rearmed"


def test_a_failed_run_through_eventbridge_alarms_like_its_sns_twin(
    world: World, context: FakeContext
) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("failed")
    with pytest.raises(ReplicationFailedError):
        post_process.handler(for_task("eventbridge_dms_task_failed.json", world.task_arn), context)
    assert world.rule_enabled()  # schedule mode: re-armed for the next period, and the error alarms


def test_an_eventbridge_event_of_another_task_is_ignored(world: World, context: FakeContext) -> None:
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped")
    # Same name in the link, another task's ARN: the ARN decides.
    result = post_process.handler(sample("eventbridge_dms_task_stopped.json"), context)
    assert result == {"action": "none", "why": "another task"}
    assert not world.rule_enabled()


SNS_STOPPED = "sns_dms_task_stopped_sourceid_key.json"
EVENTBRIDGE_STOPPED = "eventbridge_dms_task_stopped.json"


@pytest.mark.parametrize(
    "order",
    [(SNS_STOPPED, EVENTBRIDGE_STOPPED), (EVENTBRIDGE_STOPPED, SNS_STOPPED)],
    ids=["sns-first", "eventbridge-first"],
)
def test_one_ending_seen_through_sns_and_eventbridge_is_masked_and_rearmed_once(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, order: tuple[str, str]
) -> None:
    """The module sends DMS's events both ways (the subscription's topic and the EventBridge
    rule): the same ending arrives twice, and the second delivery changes nothing."""
    masked: list[str] = []
    monkeypatch.setattr(
        after_load, "run_post_processing", lambda config, task, *a, **k: masked.append(task.run_key) or True
    )
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped")
    first, second = (for_task(name, world.task_arn) for name in order)
    enables_before = world.count("EnableRule")
    assert post_process.handler(first, context)["action"] == "rearmed"
    assert post_process.handler(second, context) == {"action": "none", "why": "duplicate"}
    assert masked == [world.task_run_key()]  # masked once
    assert world.count("EnableRule") - enables_before == 1  # re-armed once
    assert world.rule_enabled() and world.phase() == "idle" and not world.pending()


def test_the_twin_delivered_while_the_first_is_masking_waits_for_it(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The EventBridge twin arrives while the SNS delivery is still masking: it leaves the run
    to the invocation that holds it, and the trigger is re-armed once, after masking."""
    twin_results: list[dict[str, Any]] = []
    masked: list[bool] = []

    def masking(config: Any, task: Any, *args: Any, **kwargs: Any) -> bool:
        masked.append(world.rule_enabled())
        other = FakeContext(aws_request_id="a-second-invocation")
        twin_results.append(post_process.handler(for_task(EVENTBRIDGE_STOPPED, world.task_arn), other))
        return True

    monkeypatch.setattr(after_load, "run_post_processing", masking)
    assert starter.handler(TICK, context)["action"] == "started"
    world.finish_run("stopped")
    enables_before = world.count("EnableRule")
    assert post_process.handler(for_task(SNS_STOPPED, world.task_arn), context)["action"] == "rearmed"
    assert twin_results == [{"action": "none", "why": "in-progress"}]
    assert masked == [False]  # masked once, with the trigger disabled
    assert world.count("EnableRule") - enables_before == 1
    assert world.rule_enabled() and world.phase() == "idle"


@pytest.mark.parametrize(
    "name", ["eventbridge_dms_task_stopped.json", "eventbridge_dms_task_stopped_eventid.json"]
)
def test_the_guides_stop_event_ahead_of_the_task_is_an_ending_retried_not_dropped(
    world: World, context: FakeContext, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """DMS's stop event, in either edition of the guide's shape, arrives while
    DescribeReplicationTasks still shows the task stopping: it announces an ending, so the
    invocation waits, then raises for Lambda's retry; the retry post-processes the run."""
    masked: list[str] = []
    monkeypatch.setattr(
        after_load, "run_post_processing", lambda config, task, *a, **k: masked.append(task.run_key) or True
    )
    waits: list[float] = []
    monkeypatch.setattr(aws, "sleep", waits.append)
    assert starter.handler(TICK, context)["action"] == "started"
    world.set_task("stopping")
    event = for_task(name, world.task_arn)
    with pytest.raises(NotSettledError, match="still shows it stopping"):
        post_process.handler(event, context)
    assert waits, "the task was not looked at again"
    assert masked == [] and not world.rule_enabled()
    world.finish_run("stopped")
    assert post_process.handler(event, context)["action"] == "rearmed"  # Lambda's retry
    assert masked == [world.task_run_key()] and world.rule_enabled()
