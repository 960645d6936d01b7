"""The EventBridge trigger rule and the automation's durable markers.

The markers are tags on the trigger rule itself: scoped to this automation, durable, free, and
read in the same place as the rule's state. They are what lets the watchdog tell "a run or its
post-processing is under way" from "a fault left the trigger disabled":

``dms-automation:phase``
    ``running``                 the starter disabled the rule to start a run;
    ``post-processing``         post-processing of a finished run is under way;
    ``post-processing-failed``  post-processing failed: the rule stays disabled, an alarm fired;
    ``paused``                  set by an operator: the watchdog leaves the rule alone.
``dms-automation:requested-at``
    when the starter asked DMS to start (ISO 8601, UTC); a task start after this is that run.
``dms-automation:processed-run``
    the start time of the last run post-process finished with, so a duplicate or late
    notification of that run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dms_automation import aws
from dms_automation.errors import TriggerNotFoundError

PHASE = "dms-automation:phase"
REQUESTED_AT = "dms-automation:requested-at"
PROCESSED_RUN = "dms-automation:processed-run"

RUNNING = "running"
POST_PROCESSING = "post-processing"
POST_PROCESSING_FAILED = "post-processing-failed"
PAUSED = "paused"


@dataclass(frozen=True)
class RuleState:
    name: str
    arn: str
    enabled: bool
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def phase(self) -> str:
        return self.tags.get(PHASE, "")

    def summary(self) -> dict[str, Any]:
        return {"rule": self.name, "enabled": self.enabled, "phase": self.phase or None}


def _not_found(name: str, error: BaseException) -> TriggerNotFoundError:
    return TriggerNotFoundError(
        f"EventBridge rule {name!r} (EVENT_RULE_NAME) does not exist: {error}; "
        "re-apply the Terraform module to recreate it"
    )


def describe_rule(events: Any, name: str) -> RuleState:
    from botocore.exceptions import ClientError

    try:
        rule = aws.call(events.describe_rule, Name=name)
        listed = aws.call(events.list_tags_for_resource, ResourceARN=rule["Arn"])
    except ClientError as error:
        if aws.is_not_found(error):
            raise _not_found(name, error) from error
        raise
    tags = {tag["Key"]: tag["Value"] for tag in listed.get("Tags", [])}
    return RuleState(name=name, arn=rule["Arn"], enabled=rule.get("State") == "ENABLED", tags=tags)


def _rule_call(method: Any, name: str, **kwargs: Any) -> None:
    from botocore.exceptions import ClientError

    try:
        aws.call(method, **kwargs)
    except ClientError as error:
        if aws.is_not_found(error):
            raise _not_found(name, error) from error
        raise


def enable(events: Any, rule: RuleState) -> None:
    _rule_call(events.enable_rule, rule.name, Name=rule.name)


def disable(events: Any, rule: RuleState) -> None:
    _rule_call(events.disable_rule, rule.name, Name=rule.name)


def set_tags(events: Any, rule: RuleState, tags: dict[str, str]) -> None:
    _rule_call(
        events.tag_resource,
        rule.name,
        ResourceARN=rule.arn,
        Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
    )


def clear_tags(events: Any, rule: RuleState, keys: list[str]) -> None:
    _rule_call(events.untag_resource, rule.name, ResourceARN=rule.arn, TagKeys=keys)
