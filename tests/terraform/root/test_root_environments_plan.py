"""Plan checks of the root module's environments: one shared source, a target, a task and an
automation per environment, and the refusals of what would not work."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from tests import tf
from tests.terraform.root.test_root_plan import FIXTURE, addresses, outputs_of, root_plan_error

ROOT = "module.dms_automation."
INSTANCE_ARN = "arn:aws:dms:eu-west-1:123456789012:rep:SHAREDINSTANCE"
SOURCE_ARN = "arn:aws:dms:eu-west-1:123456789012:endpoint:PRODSOURCE"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:{}-AbCdEf"
SSN_MASK = {"schema": "HR", "table": "EMPLOYEES", "column": "SSN", "strategy": "mask_digits", "where": "dms"}

THREE = {
    "dev": {"schedule_expression": "cron(0 1 * * ? *)", "table_selection": [{"schema": "SALES"}]},
    "stage": {"schedule_expression": "cron(0 3 * * ? *)", "masking_rules": [SSN_MASK]},
    "qa": {
        "schedule_expression": "cron(0 5 ? * MON *)",
        "migration_refresh_indicator": "data-migration",
        "schedule_or_one_time": "one-time",
    },
}

VARIANTS: dict[str, dict[str, Any]] = {
    "baseline-three": {
        "create_baseline": True,
        "name_prefix": "orders",
        "table_selection": [{"schema": "HR"}, {"schema": "SALES"}],
        "environments": THREE,
    },
    "shared-source-brought-targets": {
        "shared_source": {"replication_instance_arn": INSTANCE_ARN, "source_endpoint_arn": SOURCE_ARN},
        "name_prefix": "orders",
        "environments": {
            key: {"target": {"create": False, "secret_arn": SECRET.format(key), "engine_name": "mysql"}}
            for key in ("dev", "qa")
        },
    },
    "single-task": {"create_baseline": True, "name_prefix": "orders"},
}


@functools.cache
def _variants() -> dict[str, Any]:
    return tf.plan_cases(FIXTURE, {name: tf.hcl_assignments(v) for name, v in VARIANTS.items()})


def _after(plan: Any, address: str) -> dict[str, Any]:
    after: dict[str, Any] = plan.resource_changes[ROOT + address]["change"]["after"]
    return after


def test_baseline_environments_share_one_source_and_instance() -> None:
    plan = _variants()["baseline-three"]
    created = addresses(plan)
    baseline = [a for a in created if a.startswith(ROOT + "module.baseline[0].")]
    # The shared baseline: the source, the instance and the network, no target and no task of its own.
    assert ROOT + "module.baseline[0].aws_db_instance.source" in created
    assert ROOT + "module.baseline[0].aws_dms_replication_instance.this" in created
    assert not [a for a in baseline if "aws_rds_cluster" in a or "aws_dms_replication_task" in a]
    assert not [a for a in created if a.startswith(ROOT + "module.automation[")]
    # Stage masks with DMS: the shared instance runs engine 3.5.4 (DMS masking's minimum).
    assert _after(plan, "module.baseline[0].aws_dms_replication_instance.this")["engine_version"] == "3.5.4"
    for key in ("dev", "stage", "qa"):
        env = f'module.environment["{key}"].'
        task = _after(plan, env + "aws_dms_replication_task.this")
        assert task["replication_task_id"] == f"orders-{key}-task"
        assert task["start_replication_task"] is False
        cluster = _after(plan, env + "aws_rds_cluster.target[0]")
        assert cluster["cluster_identifier"] == f"orders-{key}-target"
        assert cluster["storage_encrypted"] is True and cluster["manage_master_user_password"] is True
        # Re-creatable under the same name: the final snapshot's name is drawn per creation (not
        # a fixed "orders-<key>-target-final", which a second destroy would find taken), and the
        # DMS secret goes without a recovery window (the baseline's default).
        change = plan.resource_changes[ROOT + env + "aws_rds_cluster.target[0]"]["change"]
        assert "final_snapshot_identifier" not in cluster, cluster.get("final_snapshot_identifier")
        assert change["after_unknown"]["final_snapshot_identifier"] is True
        suffix = _after(plan, env + "terraform_data.final_snapshot_suffix[0]")
        assert suffix["triggers_replace"] == [f"orders-{key}"]
        assert _after(plan, env + "aws_secretsmanager_secret.dms_target[0]")["recovery_window_in_days"] == 0
        endpoint = _after(plan, env + "aws_dms_endpoint.target")
        assert (endpoint["endpoint_id"], endpoint["engine_name"]) == (f"orders-{key}-target", "aurora")
        # The shared preparation function prepares each created target.
        assert ROOT + env + "aws_lambda_invocation.prepare_target[0]" in created
        automation = f'module.environment_automation["{key}"].'
        assert _after(plan, automation + "aws_dynamodb_table.state")["name"] == f"orders-{key}-run-state"


def test_each_environment_has_its_schedule_mode_selection_and_masking() -> None:
    plan = _variants()["baseline-three"]
    rules = {
        key: _after(plan, f'module.environment_automation["{key}"].aws_cloudwatch_event_rule.this')
        for key in ("dev", "stage", "qa")
    }
    assert {key: (r["name"], r["schedule_expression"]) for key, r in rules.items()} == {
        "dev": ("orders-dev-trigger", "cron(0 1 * * ? *)"),
        "stage": ("orders-stage-trigger", "cron(0 3 * * ? *)"),
        "qa": ("orders-qa-trigger", "cron(0 5 ? * MON *)"),
    }
    environments = outputs_of(plan)["environments"]
    mappings = {
        key: json.loads(environments[key]["table_mappings"])["rules"] for key in ("dev", "stage", "qa")
    }
    # dev its own selection; stage and qa the root's.
    assert [r["object-locator"]["schema-name"] for r in mappings["dev"]] == ["SALES"]
    assert [r["object-locator"]["schema-name"] for r in mappings["qa"]] == ["HR", "SALES"]
    # Masking on stage only.
    masked = {
        key: [r["rule-action"] for r in rs if r["rule-type"] == "transformation"]
        for key, rs in mappings.items()
    }
    assert masked == {"dev": [], "stage": ["data-masking-digits-mask"], "qa": []}
    task = _after(plan, 'module.environment["stage"].aws_dms_replication_task.this')
    assert json.loads(task["table_mappings"])["rules"] == mappings["stage"]
    # The mode inputs: the root's unless the environment gives its own (qa runs once: no watchdog).
    watchdogs = {
        key
        for key in ("dev", "stage", "qa")
        if ROOT + f'module.environment_automation["{key}"].aws_cloudwatch_event_rule.watchdog[0]'
        in addresses(plan)
    }
    assert watchdogs == {"dev", "stage"}


def test_root_outputs_of_the_one_task_are_null_with_environments() -> None:
    outputs = outputs_of(_variants()["baseline-three"])
    assert outputs["replication_task_id"] is None and outputs["event_rule_name"] is None
    assert sorted(outputs["environments"]) == ["dev", "qa", "stage"]
    assert outputs["environments"]["dev"]["event_rule_name"] == "orders-dev-trigger"


def test_shared_source_with_brought_targets_creates_no_database() -> None:
    plan = _variants()["shared-source-brought-targets"]
    created = addresses(plan)
    assert not [a for a in created if ".module.baseline" in a]
    assert not [a for a in created if "aws_rds_cluster" in a or "aws_db_instance" in a]
    for key in ("dev", "qa"):
        env = f'module.environment["{key}"].'
        task = _after(plan, env + "aws_dms_replication_task.this")
        assert (task["replication_instance_arn"], task["source_endpoint_arn"]) == (INSTANCE_ARN, SOURCE_ARN)
        endpoint = _after(plan, env + "aws_dms_endpoint.target")
        assert (endpoint["engine_name"], endpoint["secrets_manager_arn"]) == ("mysql", SECRET.format(key))
        # The endpoint's role reads that secret and nothing else.
        policy = json.loads(_after(plan, env + "aws_iam_role_policy.secrets_access")["policy"])
        assert [s["Resource"] for s in policy["Statement"]] == [SECRET.format(key)]


def test_each_environments_starter_may_test_only_its_own_tasks_connections() -> None:
    """The shared instance and source endpoint, and the environment's own target endpoint (known
    after apply: the applied policies are checked by tests/e2e/test_multi_environment_apply.py)."""
    for name in ("baseline-three", "shared-source-brought-targets"):
        configuration = _variants()[name]._raw["configuration"]["root_module"]
        calls = configuration["module_calls"]["dms_automation"]["module"]["module_calls"]
        expressions = calls["environment_automation"]["expressions"]["task_resource_arns"]
        assert expressions is not None, name
        references = set(expressions["references"])
        # (Terraform lists module.environment[each.key] as "module.environment" and "each.key".)
        assert {
            "local.shared_source.replication_instance_arn",
            "local.shared_source.source_endpoint_arn",
            "module.environment",
            "each.key",
        } <= references, references


def test_without_environments_the_root_runs_its_one_task() -> None:
    created = addresses(_variants()["single-task"])
    assert not [a for a in created if ".module.environment" in a]
    assert ROOT + "module.baseline[0].aws_dms_replication_task.this[0]" in created
    assert ROOT + "module.automation[0].aws_lambda_function.starter" in created


REFUSALS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "after-load-masking": (
        {
            "create_baseline": True,
            "environments": {"stage": {"masking_rules": [{**SSN_MASK, "where": "after_load"}]}},
        },
        ["environments mask with DMS only", "stage: HR.EMPLOYEES.SSN"],
    ),
    "no-source": (
        {"environments": {"dev": {}}},
        ["With environments, the shared source is create_baseline = true or shared_source"],
    ),
    "two-sources": (
        {
            "create_baseline": True,
            "shared_source": {"replication_instance_arn": INSTANCE_ARN, "source_endpoint_arn": SOURCE_ARN},
            "environments": {"dev": {}},
        },
        ["give exactly one of create_baseline = true", "Got create_baseline = true, shared_source set"],
    ),
    "bad-key": (
        {
            "create_baseline": True,
            "name_prefix": "orders",
            "environments": {"Dev_1": {}, "qa-": {}, "dev": {}},
        },
        ['check "Dev_1", "qa-".'],
    ),
    "key-too-long": (
        {"create_baseline": True, "name_prefix": "team-a-orders", "environments": {"d" * 32: {}}},
        [
            'name_prefix = "team-a-orders" with environments',
            f'shorten name_prefix or the key of "{"d" * 32}" ("team-a-orders-{"d" * 32}", 46 characters).',
        ],
    ),
    # Two teams' "dev" environments would both be "dms-dev" (or whatever one default gives).
    "environments-without-name-prefix": (
        {
            "shared_source": {"replication_instance_arn": INSTANCE_ARN, "source_endpoint_arn": SOURCE_ARN},
            "environments": {"dev": {"target": {"create": False, "secret_arn": SECRET.format("dev")}}},
        },
        ["name_prefix is required with create_baseline = true and with environments"],
    ),
    # The rule of the baseline's table_selection, on each environment's own (modules/table-mappings).
    "environment-table-selection-empty-name": (
        {
            "create_baseline": True,
            "name_prefix": "orders",
            "environments": {"dev": {"table_selection": [{"schema": "HR", "table": " "}]}},
        },
        [
            'table_selection needs a schema and a table name (or a % pattern) in every rule; empty in: [0] schema = "HR", table = " "'
        ],
    ),
    "brought-target-without-secret": (
        {"create_baseline": True, "environments": {"qa": {"target": {"create": False}}}},
        ["target.create = false need target.secret_arn", "missing for: qa"],
    ),
    "shared-source-alone": (
        {
            "shared_source": {"replication_instance_arn": INSTANCE_ARN, "source_endpoint_arn": SOURCE_ARN},
        },
        ["shared_source is the source of environments"],
    ),
    "task-and-environments": (
        {"create_baseline": True, "replication_task_id": "orders-task", "environments": {"dev": {}}},
        ["neither replication_task_arn nor replication_task_id is given"],
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusals_name_the_value_and_the_fix(name: str) -> None:
    tf_vars, expected = REFUSALS[name]
    message = root_plan_error(tf_vars)
    for text in expected:
        assert text in message, message
