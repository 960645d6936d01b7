"""scripts/emulator/lambda_config.py: a function keeps its dead-letter queue, as Lambda does."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import Emulator

REGION = "eu-west-1"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:failed-invocations"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:failed-invocations"


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[Any, Any]]:
    with Emulator() as running:
        yield running.client("lambda", REGION), running.client("iam", REGION)


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _function(clients: tuple[Any, Any], name: str, **extra: Any) -> dict[str, Any]:
    functions, iam = clients
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    return functions.create_function(  # type: ignore[no-any-return]
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _package()},
        **extra,
    )


def test_the_dead_letter_queue_is_kept_and_returned(clients: tuple[Any, Any]) -> None:
    functions, _ = clients
    created = _function(clients, "with-dlq", DeadLetterConfig={"TargetArn": QUEUE})
    assert created["DeadLetterConfig"] == {"TargetArn": QUEUE}
    assert functions.get_function(FunctionName="with-dlq")["Configuration"]["DeadLetterConfig"] == {
        "TargetArn": QUEUE
    }
    assert functions.get_function_configuration(FunctionName="with-dlq")["DeadLetterConfig"] == {
        "TargetArn": QUEUE
    }


def test_an_update_changes_or_clears_the_dead_letter_target(clients: tuple[Any, Any]) -> None:
    functions, _ = clients
    _function(clients, "updated-dlq")
    assert "DeadLetterConfig" not in functions.get_function_configuration(FunctionName="updated-dlq")

    functions.update_function_configuration(FunctionName="updated-dlq", DeadLetterConfig={"TargetArn": TOPIC})
    assert functions.get_function_configuration(FunctionName="updated-dlq")["DeadLetterConfig"] == {
        "TargetArn": TOPIC
    }
    functions.update_function_configuration(FunctionName="updated-dlq", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in functions.get_function_configuration(FunctionName="updated-dlq")


def test_a_target_that_is_not_a_queue_or_topic_is_refused(clients: tuple[Any, Any]) -> None:
    with pytest.raises(ClientError) as refused:
        _function(clients, "bad-dlq", DeadLetterConfig={"TargetArn": "arn:aws:s3:::not-a-queue"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
