"""Typed views of the events the handlers receive.

DMS publishes event-subscription notifications to SNS as a JSON *string* in ``Sns.Message``,
with human-oriented keys and a few quirks, all handled here and nowhere else:

- keys contain spaces: ``"Event Source"``, ``"Event Time"``, ``"Identifier Link"``,
  ``"Event ID"``, ``"Event Message"``;
- the task is named by its *identifier* (never its ARN). Older notifications append it to the
  console link on a second line, ``"https://console...#tasks:ids=my-task\\nSourceId: my-task "``
  (trailing space included); newer ones carry a separate ``"SourceId"`` key;
- ``"Event ID"`` is a documentation URL ending in ``#DMS-EVENT-0079 `` (trailing space).

The samples under ``tests/events/`` are real messages in both shapes. The message says *that*
something happened; what to do is decided from the task as DescribeReplicationTasks shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_EVENT_ID = re.compile(r"DMS-EVENT-\d{4}")
_LINK_IDS = re.compile(r"#tasks:ids=([A-Za-z0-9-]+)")
WATCHDOG = "watchdog"
START = "start"
PAUSE = "pause"
RESUME = "resume"
# DMS events that announce a task's ending: DMS-EVENT-0079 (stopped), DMS-EVENT-0078 (failed)
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html).
ENDING_EVENT_IDS = frozenset({"DMS-EVENT-0078", "DMS-EVENT-0079"})
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

    @property
    def is_task_event(self) -> bool:
        return self.event_source == "replication-task" and bool(self.source_id)


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
