"""AWS clients and retries: the one place the package makes a client, and how often it retries.

Clients are never made at import time, so a test's ``mock_aws`` or a local emulator
(``AWS_ENDPOINT_URL``) intercepts them, and boto3 is imported only when a handler runs. Every
client has the same settings (``boto_config``): botocore's *standard* retry mode and the timeouts
below. The handlers' DMS, EventBridge, Lambda and DynamoDB clients are made per invocation
(``make_clients``); the Secrets Manager and SSM clients of masking and database preparation
(``client``) are made once per execution environment and reused by warm invocations.

How many attempts a throttled call makes, in total: ``ATTEMPTS_PER_ROUND`` (5, botocore's
standard mode: the first try and 4 retries, with botocore's jittered exponential backoff;
``AWS_MAX_ATTEMPTS_PER_CALL`` overrides it for the handlers) in each of ``ROUNDS`` (2) rounds:
``call`` gives a call still throttled after botocore's attempts one more round after a jittered
pause of at most ``BACKOFF_CAP_SECONDS``. So at most ``MAX_ATTEMPTS_PER_THROTTLED_CALL`` = 10
requests, and about 40 s of waiting at worst (botocore waits up to 1, 2, 4 and 8 s between its
attempts: "Retry behavior", AWS SDKs and Tools Reference Guide,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), before the throttling
error is raised. Other errors are not retried by ``call``. README's Lambda settings table says the
same for ``AWS_MAX_ATTEMPTS_PER_CALL``.
"""

from __future__ import annotations

import functools
import os
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

# The retry budget (see the module's docstring): the one source of these numbers.
ATTEMPTS_PER_ROUND = 5  # botocore standard mode, per round; the AWS_MAX_ATTEMPTS_PER_CALL default
ROUNDS = 2  # call(): one more round for throttling that outlasted botocore's attempts
MAX_ATTEMPTS_PER_THROTTLED_CALL = ATTEMPTS_PER_ROUND * ROUNDS
BACKOFF_BASE_SECONDS = 4.0  # the pause between two rounds: jittered, 2 to 4 s
BACKOFF_CAP_SECONDS = 8.0
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL",)
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30

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


def boto_config(region: str | None = None, max_attempts: int = ATTEMPTS_PER_ROUND) -> Any:
    """The settings of every client: standard retries, ``max_attempts`` per round, the timeouts.

    ``total_max_attempts`` counts the first request too, where ``max_attempts`` counts retries
    only (botocore's ``Config`` documentation, ``retries``; a client with ``max_attempts`` 5 was
    measured sending 6 requests): the setting means what it says."""
    from botocore.config import Config as BotoConfig

    return BotoConfig(
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


def client(service: str, region: str | None = None, max_attempts: int = ATTEMPTS_PER_ROUND) -> Any:
    """The client of ``service``, made once per execution environment and reused by warm
    invocations (Lambda best practices, above). A changed region or endpoint (``AWS_ENDPOINT_URL``,
    ``AWS_ENDPOINT_URL_<SERVICE>``: an emulator, a test) gets a client of its own."""
    # The Lambda runtime's and botocore's own variables, read only to tell clients apart.
    region = region or next((os.environ[name] for name in _REGION_VARIABLES if os.environ.get(name)), None)
    endpoints = tuple(
        os.environ.get(name) for name in (*_ENDPOINT_VARIABLES, f"AWS_ENDPOINT_URL_{service.upper()}")
    )
    return _client(service, region, max_attempts, endpoints)


@functools.cache
def _client(service: str, region: str | None, max_attempts: int, _endpoints: tuple[str | None, ...]) -> Any:
    return _session().client(service, config=boto_config(region, max_attempts))


def make_clients(region: str, max_attempts: int = ATTEMPTS_PER_ROUND) -> Clients:
    boto_config_ = boto_config(region, max_attempts)
    session = _session()
    return Clients(
        dms=session.client("dms", config=boto_config_),
        events=session.client("events", config=boto_config_),
        lambda_=session.client("lambda", config=boto_config_),
        dynamodb=session.client("dynamodb", config=boto_config_),
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
    """Call one AWS API method (``ROUNDS`` rounds of botocore's attempts for throttling, with a
    bounded, jittered pause between rounds; any other error at once)."""
    from botocore.exceptions import ClientError

    for round_ in range(ROUNDS):
        try:
            return method(**kwargs)
        except ClientError as error:
            if not is_throttling(error) or round_ == ROUNDS - 1:
                raise
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**round_)
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
