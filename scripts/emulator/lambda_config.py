"""Lambda function configuration moto 5.2.5 drops: ``DeadLetterConfig``.

moto ignores ``DeadLetterConfig`` on CreateFunction and UpdateFunctionConfiguration and never
returns it from GetFunction / GetFunctionConfiguration, so the AWS provider plans to add the
function's dead-letter queue again after every apply. Lambda keeps it, returns it in the
function's configuration, accepts only an SQS queue or SNS topic ARN as its target, and removes
it when updated with an empty ``TargetArn``.
"""

from __future__ import annotations

import re
from typing import Any

from moto.awslambda import models
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaFunction

_TARGET = re.compile(r"^arn:aws[a-z-]*:(sqs|sns):[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$")

_original_init = LambdaFunction.__init__
_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration


def checked_dead_letter_config(value: Any) -> dict[str, str] | None:
    """The stored form of a request's ``DeadLetterConfig``: None when absent or cleared."""
    if not value:
        return None
    target = (value or {}).get("TargetArn") or ""
    if not target:
        return None
    if not _TARGET.match(target):
        raise InvalidParameterValueException(
            f"The provided target arn {target!r} is invalid: a dead-letter queue must be an SQS queue "
            "or an SNS topic ARN"
        )
    return {"TargetArn": target}


def _init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    dead_letter_config = checked_dead_letter_config(spec.get("DeadLetterConfig"))
    _original_init(self, account_id, spec, *args, **kwargs)
    self.dead_letter_config = dead_letter_config


def _get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    config = _original_get_configuration(self, *args, **kwargs)
    dead_letter_config = getattr(self, "dead_letter_config", None)
    if dead_letter_config:
        config["DeadLetterConfig"] = dict(dead_letter_config)
    return config


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "DeadLetterConfig" in config_updates:
        self.dead_letter_config = checked_dead_letter_config(config_updates["DeadLetterConfig"])
    return _original_update_configuration(self, config_updates)


def apply() -> None:
    """Install the Lambda configuration patch (idempotent)."""
    if getattr(models, "_dms_automation_dead_letter_patched", False):
        return
    LambdaFunction.__init__ = _init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = _get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = _update_configuration  # type: ignore[method-assign]
    models._dms_automation_dead_letter_patched = True  # type: ignore[attr-defined]
