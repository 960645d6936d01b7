"""Every example plans offline, as written, and plans what its README promises."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests import tf

EXAMPLES = [
    "data-refresh-scheduled",
    "one-time-migration-cdc",
    "existing-task",
    "table-subset-sync",
    "multi-environment",
]


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


@functools.cache
def _plans() -> dict[str, Any]:
    # One plan of a configuration calling every example once, as written: no inputs but the
    # required ones (the examples with the baseline need the Oracle driver's layer).
    return tf.plan_calls({name: (f"examples/{name}", _required_inputs(name)) for name in EXAMPLES})


LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:python-oracledb:1"


def _required_inputs(name: str) -> str:
    variables = tf.repo_path("examples", name, "variables.tf")
    if variables.is_file() and 'variable "oracle_driver_layer_arn"' in variables.read_text():
        return f"oracle_driver_layer_arn = {tf.hcl_value(LAYER_ARN)}"
    return ""


def example_plan(name: str) -> Any:
    """The example's plan, as written (no variables)."""
    return _plans()[name]


def by_type(plan: Any, kind: str) -> list[dict[str, Any]]:
    return [r["values"] for r in _resources(plan._raw["planned_values"]["root_module"]) if r["type"] == kind]


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> tuple[str, Any]:
    name: str = request.param
    return name, example_plan(name)


def test_every_example_plans_safe_resources(example: tuple[str, Any]) -> None:
    name, plan = example
    assert by_type(plan, "aws_lambda_function"), f"{name} plans no automation"
    for rule in by_type(plan, "aws_vpc_security_group_ingress_rule"):
        assert rule.get("cidr_ipv4") is None and rule.get("cidr_ipv6") is None
    for db in by_type(plan, "aws_db_instance") + by_type(plan, "aws_rds_cluster"):
        assert db["storage_encrypted"] is True and db["manage_master_user_password"] is True
    for instance in by_type(plan, "aws_dms_replication_instance") + by_type(plan, "aws_db_instance"):
        assert instance["publicly_accessible"] is False


def _task(name: str) -> dict[str, Any]:
    tasks = by_type(example_plan(name), "aws_dms_replication_task")
    assert len(tasks) == 1
    return tasks[0]


def test_data_refresh_scheduled_restores_a_snapshot_and_runs_nightly() -> None:
    plan = example_plan("data-refresh-scheduled")
    assert by_type(plan, "aws_dms_replication_task")[0]["migration_type"] == "full-load"
    assert by_type(plan, "aws_db_instance")[0]["snapshot_identifier"] == "prod-oracle-nightly"
    rules = {r["name"]: r for r in by_type(plan, "aws_cloudwatch_event_rule")}
    assert rules["nightly-refresh-trigger"]["schedule_expression"] == "cron(0 2 * * ? *)"


def test_one_time_migration_cdc_runs_full_load_and_cdc() -> None:
    assert _task("one-time-migration-cdc")["migration_type"] == "full-load-and-cdc"


def test_existing_task_creates_no_dms_resources() -> None:
    plan = example_plan("existing-task")
    assert not by_type(plan, "aws_dms_replication_task")
    assert not by_type(plan, "aws_db_instance")
    subscription = by_type(plan, "aws_dms_event_subscription")[0]
    assert subscription["source_ids"] == ["weekly-reporting-copy"]


def test_table_subset_sync_renders_the_readme_selection() -> None:
    rules = json.loads(_task("table-subset-sync")["table_mappings"])["rules"]
    assert [(r["rule-id"], r["rule-name"], r["rule-action"]) for r in rules] == [
        ("1", "select-1", "include"),
        ("2", "skip-hr-audit", "exclude"),
        ("3", "eu-orders-2024", "include"),
    ]
    assert rules[2]["object-locator"] == {"schema-name": "SALES", "table-name": "ORDERS"}
    assert rules[2]["filters"] == [
        {
            "filter-type": "source",
            "column-name": "REGION",
            "filter-conditions": [{"filter-operator": "eq", "value": "EU"}],
        },
        {
            "filter-type": "source",
            "column-name": "ORDER_DATE",
            "filter-conditions": [
                {"filter-operator": "between", "start-value": "2024-01-01", "end-value": "2024-12-31"}
            ],
        },
    ]


def test_multi_environment_refreshes_three_environments_from_one_source() -> None:
    plan = example_plan("multi-environment")
    tasks = {t["replication_task_id"]: t for t in by_type(plan, "aws_dms_replication_task")}
    assert sorted(tasks) == ["orders-dev-task", "orders-qa-task", "orders-stage-task"]
    # One shared replication instance and source endpoint; no database created.
    assert {(t["replication_instance_arn"], t["source_endpoint_arn"]) for t in tasks.values()} == {
        (
            "arn:aws:dms:eu-west-1:123456789012:rep:ORDERSREPLICATION",
            "arn:aws:dms:eu-west-1:123456789012:endpoint:ORDERSPRODUCTION",
        )
    }
    assert not by_type(plan, "aws_db_instance") and not by_type(plan, "aws_rds_cluster")
    triggers = {
        r["name"]: r["schedule_expression"]
        for r in by_type(plan, "aws_cloudwatch_event_rule")
        if r["name"].endswith("-trigger")
    }
    assert triggers == {
        "orders-dev-trigger": "cron(0 1 * * ? *)",
        "orders-stage-trigger": "cron(0 4 * * ? *)",
        "orders-qa-trigger": "cron(0 6 ? * MON *)",
    }
    # Masking on stage only, by DMS, in stage's task.
    masking = {
        task_id: [
            r["rule-action"]
            for r in json.loads(t["table_mappings"])["rules"]
            if r["rule-type"] != "selection"
        ]
        for task_id, t in tasks.items()
    }
    assert masking == {
        "orders-dev-task": [],
        "orders-stage-task": ["data-masking-digits-randomize", "data-masking-digits-mask"],
        "orders-qa-task": [],
    }
    schemas = {
        task_id: [
            r["object-locator"]["schema-name"]
            for r in json.loads(t["table_mappings"])["rules"]
            if r["rule-type"] == "selection"
        ]
        for task_id, t in tasks.items()
    }
    assert schemas == {
        "orders-dev-task": ["SALES"],
        "orders-stage-task": ["HR", "SALES"],
        "orders-qa-task": ["HR", "SALES"],
    }
