"""The DMS notification parser, against real samples of both shapes DMS has published."""

from __future__ import annotations

import json

import pytest

from dms_automation.notifications import (
    DmsNotification,
    Ignored,
    is_schedule_trigger,
    marker,
    parse_dms_message,
    parse_sns_event,
)
from tests.unit.harness import sample


@pytest.mark.parametrize(
    ("name", "event_id", "message"),
    [
        ("sns_dms_task_stopped_link_sourceid.json", "DMS-EVENT-0079", "Replication task has stopped."),
        ("sns_dms_task_stopped_sourceid_key.json", "DMS-EVENT-0079", "Replication task has stopped."),
        ("sns_dms_task_failed.json", "DMS-EVENT-0078", "Replication task has failed."),
        ("sns_dms_task_started.json", "DMS-EVENT-0069", "Replication task has started."),
    ],
)
def test_task_identifier_and_event_id_come_out_clean(name: str, event_id: str, message: str) -> None:
    [parsed] = parse_sns_event(sample(name))
    assert isinstance(parsed, DmsNotification)
    assert parsed.is_task_event
    assert parsed.source_id == "hello-world"  # no trailing space, no link, no "SourceId:" prefix
    assert parsed.event_id == event_id  # the trailing space of the URL is gone
    assert parsed.event_message == message
    assert parsed.sns_message_id


def test_rds_notification_on_the_same_topic_is_not_a_task_event() -> None:
    [parsed] = parse_sns_event(sample("sns_rds_db_instance_created.json"))
    assert isinstance(parsed, DmsNotification)
    assert parsed.event_source == "db-instance"
    assert not parsed.is_task_event


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("Replication task has stopped.", "not JSON"),
        ("[1, 2]", "not an object"),
        (json.dumps({"AlarmName": "x"}), "no 'Event Source'"),
        (None, "not a string"),
    ],
)
def test_messages_that_are_not_dms_notifications_are_ignored_with_a_reason(raw: object, why: str) -> None:
    parsed = parse_dms_message(raw, "id-1")
    assert isinstance(parsed, Ignored) and why in parsed.why


def test_task_event_without_any_identifier_is_not_acted_on() -> None:
    parsed = parse_dms_message(json.dumps({"Event Source": "replication-task", "Event Message": "x"}))
    assert isinstance(parsed, DmsNotification) and not parsed.is_task_event


@pytest.mark.parametrize(
    "event", [{}, {"Records": []}, {"Records": [{"EventSource": "aws:sqs", "body": "{}"}]}]
)
def test_events_without_sns_records_are_ignored(event: dict[str, object]) -> None:
    assert all(isinstance(p, Ignored) for p in parse_sns_event(event))


def test_invocation_kinds() -> None:
    assert is_schedule_trigger(sample("eventbridge_scheduled_event.json"))
    assert is_schedule_trigger({}) and is_schedule_trigger({"dms_automation": "start"})
    assert not is_schedule_trigger({"dms_automation": "watchdog"})
    assert not is_schedule_trigger(sample("sns_dms_task_stopped_sourceid_key.json"))
    assert marker({"dms_automation": " watchdog "}) == "watchdog"
