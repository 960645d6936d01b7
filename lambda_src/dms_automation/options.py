"""Tuning options of the handlers, read from the environment next to ``Config``.

All are optional; a value that is set but invalid is refused with a ``ConfigError`` that names
the variable and what is allowed, before any AWS call.

- ``AUTOMATION_ENABLED``: ``true`` (default) or ``false``; false pauses the automation (the
  module's ``automation_enabled``): nothing starts and the trigger is never re-armed.
- ``TEST_ENDPOINT_CONNECTIONS``: ``true`` (default) or ``false``; test both endpoints before a start.
- ``CONNECTION_TEST_TIMEOUT_SECONDS``: how long to wait for one connection test (default 240).
- ``CONNECTION_TEST_POLL_SECONDS``: pause between two DescribeConnections calls (default 5).
- ``WATCHDOG_GRACE_MINUTES``: how long after a run ended the watchdog waits for post-processing
  to begin before it alarms (default 60).
- ``AWS_MAX_ATTEMPTS_PER_CALL``: botocore attempts per round of a call, standard retry mode (default
  ``aws.ATTEMPTS_PER_ROUND``; ``aws`` says how many a throttled call makes in all).
- ``MASKING_RULES_PARAMETER`` (or ``MASKING_RULES``): after-load masking
  rules; empty means no post-processing (the masking package reads the rules and its other
  settings itself). Refused with a ``full-load-and-cdc`` or ``cdc`` task, which never stops by
  itself: the masking would never run while CDC writes unmasked rows.
- ``MAX_POST_PROCESSING_CONTINUATIONS``: fresh invocations post-processing may chain (default 40).
- ``SETTLE_WAIT_SECONDS``: how long post-process waits for a task a notification says has ended
  to show it, before it raises so that Lambda retries the invocation (default 60).
- ``CDC_SOURCE_ASSESSMENT_BUCKET`` and ``CDC_SOURCE_ASSESSMENT_ROLE_ARN``: both set, the starter
  checks the source of a ``cdc`` or ``full-load-and-cdc`` task with a DMS premigration assessment
  run before the task's first start (``assessment``); both empty (default), no check.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dms_automation import aws
from dms_automation.config import ConfigError

# Migration types whose tasks never stop by themselves: no "after the load" to mask in.
CONTINUOUS_TYPES = ("full-load-and-cdc", "cdc")


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "false"):
        return raw == "true"
    raise ConfigError(f"environment variable {name}={env[name]!r} is not allowed; use true or false")


def env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(
            f"environment variable {name}={raw!r} is not allowed; use a whole number {low}-{high}"
        )
    return value


# S3 bucket names (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
# and IAM role ARNs.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


def cdc_source_assessment(env: Mapping[str, str]) -> tuple[str, str]:
    """The bucket and the service role of the CDC source check, or two empty strings (no check)."""
    bucket = env.get("CDC_SOURCE_ASSESSMENT_BUCKET", "").strip()
    role = env.get("CDC_SOURCE_ASSESSMENT_ROLE_ARN", "").strip()
    if bool(bucket) != bool(role):
        raise ConfigError(
            "environment variables CDC_SOURCE_ASSESSMENT_BUCKET and CDC_SOURCE_ASSESSMENT_ROLE_ARN go "
            "together: set both (the CDC source check) or neither"
        )
    if bucket and not _BUCKET.match(bucket):
        raise ConfigError(
            f"environment variable CDC_SOURCE_ASSESSMENT_BUCKET={bucket!r} is not an S3 bucket name "
            "(3-63 characters: lower-case letters, digits, '.', '-')"
        )
    if role and not _ROLE_ARN.match(role):
        raise ConfigError(
            f"environment variable CDC_SOURCE_ASSESSMENT_ROLE_ARN={role!r} is not an IAM role ARN "
            "(arn:<partition>:iam::<12-digit account>:role/<name>)"
        )
    return bucket, role


# Where the masking package finds its rules (an SSM parameter name, or the rules' JSON).
MASKING_VARIABLES = ("MASKING_RULES_PARAMETER", "MASKING_RULES")


@dataclass(frozen=True)
class Options:
    automation_enabled: bool = True
    test_endpoint_connections: bool = True
    connection_test_timeout_seconds: int = 240
    connection_test_poll_seconds: int = 5
    watchdog_grace_minutes: int = 60
    max_attempts_per_call: int = aws.ATTEMPTS_PER_ROUND
    masking_config: str = ""
    max_post_processing_continuations: int = 40
    settle_wait_seconds: int = 60
    cdc_source_assessment_bucket: str = ""
    cdc_source_assessment_role_arn: str = ""

    @property
    def check_cdc_source(self) -> bool:
        return bool(self.cdc_source_assessment_bucket and self.cdc_source_assessment_role_arn)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Options:
        env = os.environ if environ is None else environ
        masking = next((env[k].strip() for k in MASKING_VARIABLES if env.get(k, "").strip()), "")
        refresh_type = env.get("MIGRATION_REFRESH_TYPE", "").strip()
        if masking and refresh_type in CONTINUOUS_TYPES:
            raise ConfigError(
                f"after-load masking is configured but MIGRATION_REFRESH_TYPE={refresh_type!r}: such a task "
                "never stops by itself, so the masking would never run while CDC writes unmasked rows; use "
                'DMS-native masking rules (where = "dms"), which DMS applies to ongoing changes too'
            )
        bucket, role = cdc_source_assessment(env)
        return cls(
            automation_enabled=env_bool(env, "AUTOMATION_ENABLED", True),
            test_endpoint_connections=env_bool(env, "TEST_ENDPOINT_CONNECTIONS", True),
            connection_test_timeout_seconds=env_int(env, "CONNECTION_TEST_TIMEOUT_SECONDS", 240, 0, 840),
            connection_test_poll_seconds=env_int(env, "CONNECTION_TEST_POLL_SECONDS", 5, 0, 60),
            watchdog_grace_minutes=env_int(env, "WATCHDOG_GRACE_MINUTES", 60, 1, 10080),
            max_attempts_per_call=env_int(env, "AWS_MAX_ATTEMPTS_PER_CALL", aws.ATTEMPTS_PER_ROUND, 1, 20),
            masking_config=masking,
            max_post_processing_continuations=env_int(env, "MAX_POST_PROCESSING_CONTINUATIONS", 40, 0, 1000),
            settle_wait_seconds=env_int(env, "SETTLE_WAIT_SECONDS", 60, 0, 600),
            cdc_source_assessment_bucket=bucket,
            cdc_source_assessment_role_arn=role,
        )
