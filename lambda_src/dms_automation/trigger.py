"""The EventBridge trigger rule: its enabled/disabled state, which follows the run state.

The rule carries no state of its own: what the automation is doing lives in the run state
(``state``), and the rule is enabled or disabled to match it (``run.Run.sync_rule``). The
only attribute of the rule the Lambdas change is listed in ``WRITTEN``; the module lists the
same in the rule's ``ignore_changes`` so that ``terraform apply`` never undoes it (a test ties
the two lists together).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dms_automation import aws
from dms_automation.errors import TriggerNotFoundError

# Attributes of aws_cloudwatch_event_rule that the Lambdas change after creation.
WRITTEN = ("state",)


@dataclass(frozen=True)
class RuleState:
    name: str
    arn: str
    enabled: bool

    def summary(self) -> dict[str, Any]:
        return {"rule": self.name, "enabled": self.enabled}


def _not_found(name: str, error: BaseException) -> TriggerNotFoundError:
    return TriggerNotFoundError(
        f"EventBridge rule {name!r} (EVENT_RULE_NAME) does not exist: {error}; "
        "re-apply the Terraform module to recreate it"
    )


def _rule_call(method: Any, name: str, **kwargs: Any) -> Any:
    from botocore.exceptions import ClientError

    try:
        return aws.call(method, **kwargs)
    except ClientError as error:
        if aws.is_not_found(error):
            raise _not_found(name, error) from error
        raise


def describe_rule(events: Any, name: str) -> RuleState:
    rule = _rule_call(events.describe_rule, name, Name=name)
    return RuleState(name=name, arn=rule["Arn"], enabled=rule.get("State") == "ENABLED")


def enable(events: Any, rule: RuleState) -> None:
    _rule_call(events.enable_rule, rule.name, Name=rule.name)


def disable(events: Any, rule: RuleState) -> None:
    _rule_call(events.disable_rule, rule.name, Name=rule.name)
