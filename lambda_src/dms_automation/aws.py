"""AWS clients and retries.

Clients are created per invocation (``make_clients``), never at import time, so a test's
``mock_aws`` or a local emulator (``AWS_ENDPOINT_URL``) intercepts them, and boto3 is imported
only when a handler runs. Every client uses botocore's *standard* retry mode; on top of that,
``call`` retries throttling that outlasted botocore's attempts with a bounded, jittered backoff.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Error codes that mean "slow down", across DMS, EventBridge, Lambda and DynamoDB.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ConcurrentModificationException",
        "ProvisionedThroughputExceededException",
    }
)
NOT_FOUND_CODES = frozenset({"ResourceNotFoundFault", "ResourceNotFoundException"})

# Our own layer, after botocore's attempts are used up: 4 more tries, at most ~15 s in all.
EXTRA_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 8.0

sleep: Callable[[float], None] = time.sleep  # tests replace it


@dataclass
class Clients:
    dms: Any
    events: Any
    lambda_: Any
    dynamodb: Any


@functools.cache
def _session() -> Any:
    """One boto3 session per execution environment: it loads each service's model once, and warm
    invocations reuse it ("Take advantage of execution environment reuse ... Initialize SDK
    clients ... outside of the function handler", Lambda best practices,
    https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html). A new session per
    invocation would read four service models from disk each time."""
    import boto3

    return boto3.session.Session()


def make_clients(region: str, max_attempts: int = 8) -> Clients:
    from botocore.config import Config as BotoConfig

    boto_config = BotoConfig(
        region_name=region,
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=30,
    )
    session = _session()
    return Clients(
        dms=session.client("dms", config=boto_config),
        events=session.client("events", config=boto_config),
        lambda_=session.client("lambda", config=boto_config),
        dynamodb=session.client("dynamodb", config=boto_config),
    )


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_throttling(error: BaseException) -> bool:
    return error_code(error) in THROTTLING_CODES


def is_not_found(error: BaseException) -> bool:
    return error_code(error) in NOT_FOUND_CODES


def call(method: Callable[..., Any], **kwargs: Any) -> Any:
    """Call one AWS API method; retry throttling with bounded exponential backoff and jitter."""
    from botocore.exceptions import ClientError

    for attempt in range(EXTRA_ATTEMPTS + 1):
        try:
            return method(**kwargs)
        except ClientError as error:
            if not is_throttling(error) or attempt == EXTRA_ATTEMPTS:
                raise
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
            sleep(random.uniform(delay / 2, delay))
    raise AssertionError("unreachable")  # pragma: no cover


def pages(method: Callable[..., Any], key: str, max_pages: int, **kwargs: Any) -> list[Any]:
    """The items under ``key`` of every page of a DMS ``Describe*`` call (``Marker`` paging), at
    most ``max_pages`` pages, each page through ``call``."""
    items: list[Any] = []
    marker: str | None = None
    for _ in range(max_pages):
        response = call(method, **kwargs, **({"Marker": marker} if marker else {}))
        items.extend(response.get(key, []))
        marker = response.get("Marker")
        if not marker:
            break
    return items
