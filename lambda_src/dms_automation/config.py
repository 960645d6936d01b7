"""The handlers' configuration, read from the environment and checked before any AWS call.

``VALID_COMBINATIONS`` is the Python copy of the combination table; the HCL copy lives in
``modules/automation/locals.tf`` and a test keeps the two identical.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

VALID_COMBINATIONS: tuple[tuple[str, str, str], ...] = (
    ("data-refresh", "full-load", "schedule"),
    ("data-refresh", "full-load", "one-time"),
    ("data-migration", "full-load", "schedule"),
    ("data-migration", "full-load", "one-time"),
    ("data-migration", "full-load-and-cdc", "one-time"),
    ("data-migration", "cdc", "one-time"),
)

INDICATORS = ("data-refresh", "data-migration")
REFRESH_TYPES = ("full-load", "full-load-and-cdc", "cdc")
SCHEDULE_MODES = ("schedule", "one-time")

_TASK_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):dms:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12}):task:(?P<resource>[A-Za-z0-9-]+)$"
)
_RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
# DynamoDB table names: 3-255 characters of letters, digits, '_', '-' and '.'.
_TABLE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{3,255}$")


class ConfigError(ValueError):
    """A missing or invalid configuration value; the message names it and what is allowed."""


def describe_valid_combinations() -> str:
    return "; ".join("/".join(c) for c in VALID_COMBINATIONS)


@dataclass(frozen=True)
class Config:
    replication_task_arn: str
    event_rule_name: str
    migration_refresh_indicator: str
    migration_refresh_type: str
    schedule_or_one_time: str
    state_table_name: str

    @property
    def is_schedule(self) -> bool:
        return self.schedule_or_one_time == "schedule"

    @property
    def region(self) -> str:
        match = _TASK_ARN.match(self.replication_task_arn)
        assert match is not None  # checked in from_env
        return match.group("region")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(f"environment variable {name} is missing or empty")
            return value

        def one_of(name: str, allowed: tuple[str, ...]) -> str:
            value = required(name)
            if value not in allowed:
                raise ConfigError(
                    f"environment variable {name}={value!r} is not allowed; use one of: {', '.join(allowed)}"
                )
            return value

        arn = required("REPLICATION_TASK_ARN")
        if not _TASK_ARN.match(arn):
            raise ConfigError(
                f"environment variable REPLICATION_TASK_ARN={arn!r} is not a DMS task ARN "
                "(arn:<partition>:dms:<region>:<12-digit account>:task:<resource id>)"
            )
        rule = required("EVENT_RULE_NAME")
        if not _RULE_NAME.match(rule):
            raise ConfigError(
                f"environment variable EVENT_RULE_NAME={rule!r} is not an EventBridge rule name "
                "(1-64 characters: letters, digits, '.', '-', '_')"
            )
        indicator = one_of("MIGRATION_REFRESH_INDICATOR", INDICATORS)
        refresh_type = one_of("MIGRATION_REFRESH_TYPE", REFRESH_TYPES)
        mode = one_of("SCHEDULE_OR_ONE_TIME", SCHEDULE_MODES)
        if (indicator, refresh_type, mode) not in VALID_COMBINATIONS:
            raise ConfigError(
                "MIGRATION_REFRESH_INDICATOR/MIGRATION_REFRESH_TYPE/SCHEDULE_OR_ONE_TIME = "
                f"{indicator}/{refresh_type}/{mode} is not a valid combination; valid: "
                + describe_valid_combinations()
            )
        table = required("STATE_TABLE_NAME")
        if not _TABLE_NAME.match(table):
            raise ConfigError(
                f"environment variable STATE_TABLE_NAME={table!r} is not a DynamoDB table name "
                "(3-255 characters: letters, digits, '.', '-', '_')"
            )
        return cls(arn, rule, indicator, refresh_type, mode, table)
