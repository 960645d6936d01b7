"""What AWS hands the Lambdas, built the way AWS builds it: the notification DMS publishes to an
event subscription's topic, the event SNS delivers it in, and the scheduled event EventBridge
invokes a rule's target with. The demo and the end-to-end tests use them in place of AWS."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

DMS_EVENTS = {
    # outcome: (event id, category, message)
    "stopped": ("DMS-EVENT-0079", "state change", "Replication task has stopped. {stop_reason}."),
    "failed": ("DMS-EVENT-0078", "failure", "Replication task has failed. Reason: {failure}"),
}


def dms_notification(task_id: str, region: str, outcome: str, task: dict[str, Any]) -> str:
    """The JSON text DMS publishes to an event subscription's topic (keys with spaces, trailing spaces)."""
    event_id, _category, template = DMS_EVENTS[outcome]
    now = dt.datetime.now(dt.UTC)
    return json.dumps(
        {
            "Event Source": "replication-task",
            "Event Time": now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}",
            "Identifier Link": (
                f"https://console.aws.amazon.com/dms/v2/home?region={region}#tasks:ids={task_id}\n"
                f"SourceId: {task_id} "
            ),
            "Event ID": f"http://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html#{event_id} ",
            "Event Message": template.format(
                stop_reason=task.get("StopReason", "Stop Reason NORMAL"),
                failure=task.get("LastFailureMessage", ""),
            ),
        }
    )


def sns_lambda_event(topic_arn: str, subscription_arn: str, message_id: str, message: str) -> dict[str, Any]:
    """The event SNS invokes a subscribed Lambda with."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": "DMS Notification Message",
                    "Message": message,
                    "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.example.invalid/cert.pem",
                    "UnsubscribeUrl": "https://sns.example.invalid/unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def scheduled_event(rule_arn: str) -> dict[str, Any]:
    """The event EventBridge invokes a schedule rule's target with."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule_arn.split(":")[4],
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule_arn.split(":")[3],
        "resources": [rule_arn],
        "detail": {},
    }
