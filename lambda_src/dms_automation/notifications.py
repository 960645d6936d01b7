"""Typed views of the events the handlers receive.

DMS publishes event-subscription notifications to SNS as a JSON *string* in ``Sns.Message``,
with human-oriented keys and a few quirks, all handled here and nowhere else:

- keys contain spaces: ``"Event Source"``, ``"Event Time"``, ``"Identifier Link"``,
  ``"Event ID"``, ``"Event Message"``;
- the task is named by its *identifier* (never its ARN). Older notifications append it to the
  console link on a second line, ``"https://console...#tasks:ids=my-task\\nSourceId: my-task "``
  (trailing space included); newer ones carry a separate ``"SourceId"`` key;
- ``"Event ID"`` is a documentation URL ending in ``#DMS-EVENT-0079 `` (trailing space);
- newer console links name the task as ``#taskDetails/my-task``.

DMS events can also come through Amazon EventBridge (DMS 3.4.5 and later; AWS recommends it, and
an account-wide switch moves DMS event subscriptions there), either straight to the Lambda or
through an SNS topic that an EventBridge rule targets (``Sns.Message`` is then the EventBridge
event as JSON). Such an event has ``source`` ``aws.dms``, ``detail-type`` ``DMS Replication Task
State Change``, the task's *ARN* in ``resources``, the event's ID and ``detail.detailMessage``
(DMS user guide, "Working with Amazon EventBridge events and notifications in AWS Database
Migration Service", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_EventBridge.html, and
the EventBridge events reference,
https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-dms.html). The guide's example
event has named the ID two ways: ``detail.eventName`` (with ``detail.type`` ``ReplicationTask``)
and, in later editions, ``detail.eventId`` (with ``REPLICATION_TASK``); both are read,
``eventName`` first (``EVENT_ID_KEYS``), so a stop announced either way is an ending. Both
shapes become the same ``DmsNotification``.

The samples under ``tests/events/`` are real messages in every shape. The message says *that*
something happened; what to do is decided from the task as DescribeReplicationTasks shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_EVENT_ID = re.compile(r"DMS-EVENT-\d{4}")
_LINK_IDS = re.compile(r"#(?:tasks:ids=|taskDetails/)([A-Za-z0-9-]+)")
_TASK_ARN = re.compile(r"^arn:[a-z-]+:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$")
EVENTBRIDGE_SOURCE = "aws.dms"
# detail-type of task events, and the event source an SNS notification gives the same events.
EVENTBRIDGE_TASK_DETAIL_TYPE = "DMS Replication Task State Change"
TASK_EVENT_SOURCE = "replication-task"
WATCHDOG = "watchdog"
START = "start"
PAUSE = "pause"
RESUME = "resume"
# DMS events that announce a task's ending: DMS-EVENT-0079 (stopped), DMS-EVENT-0078 (failed)
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html).
ENDING_EVENT_IDS = frozenset({"DMS-EVENT-0078", "DMS-EVENT-0079"})
# Where an EventBridge DMS event carries its event ID, in the order they are read (see above).
EVENT_ID_KEYS = ("eventName", "eventId")
# detail.type of a task event in the guide's examples (the detail-type is checked first).
EVENTBRIDGE_TASK_TYPES = frozenset({"ReplicationTask", "REPLICATION_TASK"})
CONTINUE_POST_PROCESSING = "continue-post-processing"
MARKER_KEY = "dms_automation"


@dataclass(frozen=True)
class DmsNotification:
    """One DMS event notification, as SNS delivered it."""

    sns_message_id: str
    event_source: str
    source_id: str
    event_id: str
    event_message: str
    event_time: str
    task_arn: str = ""  # EventBridge names the task by ARN, SNS notifications by identifier
    via: str = "sns"  # "sns", "eventbridge" or "eventbridge-sns"

    @property
    def is_task_event(self) -> bool:
        return self.event_source == TASK_EVENT_SOURCE and bool(self.source_id or self.task_arn)

    def concerns(self, task_arn: str, task_identifier: str) -> bool:
        """Whether this notification is about that task (by ARN when it has one, else by identifier)."""
        if self.task_arn:
            return self.task_arn == task_arn
        return bool(self.source_id) and self.source_id == task_identifier


@dataclass(frozen=True)
class Ignored:
    """A record that is not a DMS notification; ``why`` says what was wrong with it."""

    sns_message_id: str
    why: str


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _source_id(message: dict[str, Any]) -> str:
    for key in ("SourceId", "Source ID", "SourceIdentifier"):
        if _text(message.get(key)):
            return _text(message.get(key))
    link = message.get("Identifier Link")
    if isinstance(link, str):
        for line in link.splitlines():
            name, sep, value = line.strip().partition(":")
            if sep and name.strip() == "SourceId" and value.strip():
                return value.strip()
        match = _LINK_IDS.search(link)
        if match:
            return match.group(1)
    return ""


def is_eventbridge_dms_event(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and event.get("source") == EVENTBRIDGE_SOURCE
        and isinstance(event.get("detail-type"), str)
    )


def parse_eventbridge_event(
    event: dict[str, Any], sns_message_id: str = "", via: str = "eventbridge"
) -> DmsNotification:
    """A DMS event as EventBridge delivers it (directly, or as the message of an SNS record)."""
    raw_detail = event.get("detail")
    detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}
    detail_type = _text(event.get("detail-type"))
    detail_kind = _text(detail.get("type"))
    is_task = detail_type == EVENTBRIDGE_TASK_DETAIL_TYPE or detail_kind in EVENTBRIDGE_TASK_TYPES
    raw_resources = event.get("resources")
    resources: list[Any] = raw_resources if isinstance(raw_resources, list) else []
    task_arn = next((r.strip() for r in resources if isinstance(r, str) and _TASK_ARN.match(r.strip())), "")
    link = _text(detail.get("resourceLink"))
    match = _LINK_IDS.search(link)
    event_id_match = next(
        (m for m in (_EVENT_ID.search(_text(detail.get(key))) for key in EVENT_ID_KEYS) if m), None
    )
    return DmsNotification(
        sns_message_id=sns_message_id or _text(event.get("id")),
        event_source=TASK_EVENT_SOURCE if is_task else detail_type,
        source_id=match.group(1) if match else "",
        event_id=event_id_match.group(0) if event_id_match else "",
        event_message=_text(detail.get("detailMessage")),
        event_time=_text(event.get("time")),
        task_arn=task_arn if is_task else "",
        via=via,
    )


def parse_dms_message(raw: Any, sns_message_id: str = "") -> DmsNotification | Ignored:
    """Parse ``Sns.Message``; anything that is not a DMS notification becomes ``Ignored``."""
    if not isinstance(raw, str):
        return Ignored(sns_message_id, "SNS message is not a string")
    try:
        message = json.loads(raw)
    except ValueError:
        return Ignored(sns_message_id, "SNS message is not JSON")
    if not isinstance(message, dict):
        return Ignored(sns_message_id, "SNS message is JSON but not an object")
    if is_eventbridge_dms_event(message):
        return parse_eventbridge_event(message, sns_message_id, via="eventbridge-sns")
    source = _text(message.get("Event Source"))
    if not source:
        return Ignored(sns_message_id, "SNS message has no 'Event Source': not a DMS notification")
    event_id_match = _EVENT_ID.search(_text(message.get("Event ID")))
    return DmsNotification(
        sns_message_id=sns_message_id,
        event_source=source,
        source_id=_source_id(message),
        event_id=event_id_match.group(0) if event_id_match else "",
        event_message=_text(message.get("Event Message")),
        event_time=_text(message.get("Event Time")),
    )


def parse_event(event: Any) -> list[DmsNotification | Ignored]:
    """What the post-process Lambda receives: SNS records (DMS's own notifications or EventBridge
    events published to the topic), or an EventBridge event delivered directly."""
    if is_eventbridge_dms_event(event):
        return [parse_eventbridge_event(event)]
    return parse_sns_event(event)


def parse_sns_event(event: Any) -> list[DmsNotification | Ignored]:
    """The records of a Lambda SNS event, each parsed; a non-SNS event gives one ``Ignored``."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        return [Ignored("", "event has no SNS Records")]
    parsed: list[DmsNotification | Ignored] = []
    for record in records:
        sns = record.get("Sns") if isinstance(record, dict) else None
        if not isinstance(sns, dict) or record.get("EventSource") != "aws:sns":
            parsed.append(Ignored("", "record is not an SNS record"))
            continue
        parsed.append(parse_dms_message(sns.get("Message"), _text(sns.get("MessageId"))))
    return parsed


def event_time(notification: DmsNotification) -> datetime | None:
    """``"Event Time"`` (``2019-02-12 15:45:24.091``, UTC) as a datetime, or None."""
    try:
        parsed = datetime.fromisoformat(notification.event_time.replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def marker(event: Any) -> str:
    """The ``dms_automation`` marker of a direct invocation (``watchdog``, ``start``, ...), or ''."""
    if isinstance(event, dict) and isinstance(event.get(MARKER_KEY), str):
        return str(event[MARKER_KEY]).strip()
    return ""


def is_schedule_trigger(event: Any) -> bool:
    """An EventBridge scheduled event, an explicit ``{"dms_automation": "start"}`` or ``{}``."""
    if not isinstance(event, dict):
        return False
    if not event:
        return True
    if marker(event) == START:
        return True
    return event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event"
