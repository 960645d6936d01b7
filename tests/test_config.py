"""Configuration is refused before any AWS call, with a message naming the variable."""

from __future__ import annotations

import pytest

from dms_automation.config import VALID_COMBINATIONS, Config, ConfigError
from dms_automation.options import Options

GOOD = {
    "REPLICATION_TASK_ARN": "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "EVENT_RULE_NAME": "dms-automation-trigger",
    "MIGRATION_REFRESH_INDICATOR": "data-refresh",
    "MIGRATION_REFRESH_TYPE": "full-load",
    "SCHEDULE_OR_ONE_TIME": "schedule",
    "STATE_TABLE_NAME": "dms-automation-state",
}


@pytest.mark.parametrize("combination", VALID_COMBINATIONS)
def test_every_valid_combination_is_accepted(combination: tuple[str, str, str]) -> None:
    indicator, refresh_type, mode = combination
    env = {**GOOD, "MIGRATION_REFRESH_INDICATOR": indicator, "MIGRATION_REFRESH_TYPE": refresh_type}
    config = Config.from_env({**env, "SCHEDULE_OR_ONE_TIME": mode})
    assert (config.migration_refresh_type, config.is_schedule) == (refresh_type, mode == "schedule")
    assert config.region == "eu-west-1"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_missing_value_is_named(name: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigError, match=name):
        Config.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REPLICATION_TASK_ARN", "arn:aws:lambda:eu-west-1:123456789012:function:x"),
        ("EVENT_RULE_NAME", "has spaces"),
        ("MIGRATION_REFRESH_INDICATOR", "refresh"),
        ("MIGRATION_REFRESH_TYPE", "incremental"),
        ("SCHEDULE_OR_ONE_TIME", "daily"),
        ("STATE_TABLE_NAME", "no spaces allowed"),
    ],
)
def test_invalid_value_is_named_with_what_is_allowed(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        Config.from_env({**GOOD, name: value})
    assert name in str(error.value) and value in str(error.value)


def test_invalid_combination_lists_the_valid_ones() -> None:
    env = {**GOOD, "MIGRATION_REFRESH_TYPE": "cdc", "SCHEDULE_OR_ONE_TIME": "schedule"}
    with pytest.raises(ConfigError) as error:
        Config.from_env(env)
    message = str(error.value)
    assert "data-refresh/cdc/schedule" in message
    for combination in VALID_COMBINATIONS:
        assert "/".join(combination) in message


@pytest.mark.parametrize("refresh_type", ["full-load-and-cdc", "cdc"])
@pytest.mark.parametrize("variable", ["MASKING_RULES_PARAMETER", "MASKING_RULES"])
def test_after_load_masking_is_refused_with_a_task_that_never_stops(refresh_type: str, variable: str) -> None:
    env = {**GOOD, "MIGRATION_REFRESH_TYPE": refresh_type, variable: "/dms-orders/masking-rules"}
    with pytest.raises(ConfigError, match=rf"MIGRATION_REFRESH_TYPE='{refresh_type}'.*where = \"dms\""):
        Options.from_env(env)


def test_cdc_without_after_load_masking_and_full_load_with_it_are_accepted() -> None:
    assert Options.from_env({**GOOD, "MIGRATION_REFRESH_TYPE": "cdc"}).masking_config == ""
    options = Options.from_env({**GOOD, "MASKING_RULES_PARAMETER": "/dms-orders/masking-rules"})
    assert options.masking_config == "/dms-orders/masking-rules"
