"""Plan checks of the root module: the baseline path, the existing-task path, and the refusals."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests import tf
from tests.terraform import references
from tests.terraform.inventory import Case, assert_case, collect

FIXTURE = "tests/terraform/root/fixture"
CASES = collect(Path(__file__).parent)
TASK_ARN = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _literals(tf_vars: dict[str, Any]) -> dict[str, str]:
    """Strings as given (typed inputs), everything else as an HCL (JSON) literal (untyped inputs)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in tf_vars.items()}


@functools.cache
def _variants() -> dict[str, Any]:
    """Every input set a test plans (VARIANTS), planned together in one plan (tests.tf.plan_cases)."""
    return tf.plan_cases(FIXTURE, {name: tf.hcl_assignments(v) for name, v in VARIANTS.items()})


def root_plan(name: str) -> Any:
    return _variants()[name]


def root_plan_error(tf_vars: dict[str, Any]) -> str:
    message = tf.plan_error(FIXTURE, _literals(tf_vars))
    return " ".join(message.replace("\\n", " ").split())


def outputs_of(plan: Any) -> dict[str, Any]:
    """The root module's outputs as planned (values unknown until apply are absent)."""
    after: dict[str, Any] = plan._raw["output_changes"]["all"]["after"]
    return after


def addresses(plan: Any) -> set[str]:
    return set(plan.resource_changes)


def test_baseline_path_creates_the_task_and_automates_it() -> None:
    plan = root_plan("baseline")
    created = addresses(plan)
    task = plan.resource_changes["module.dms_automation.module.baseline[0].aws_dms_replication_task.this[0]"]
    assert task["change"]["after"]["migration_type"] == "full-load"
    assert any(
        a.startswith("module.dms_automation.module.automation[0].aws_lambda_function.") for a in created
    )
    outputs = outputs_of(plan)
    assert outputs["replication_task_id"] == "dms-task"
    assert outputs["event_rule_name"] == "dms-trigger"
    rules = json.loads(outputs["table_mappings"])["rules"]
    assert [r["object-locator"]["schema-name"] for r in rules] == ["HR"]
    # The task's ARN is only known after apply: the automation takes it from the baseline.
    assert plan.resource_changes["module.dms_automation.module.automation[0].aws_lambda_function.starter"][
        "change"
    ]["after_unknown"].get("environment")


def test_existing_task_path_creates_no_baseline() -> None:
    plan = root_plan("existing-task")
    assert not [a for a in addresses(plan) if ".module.baseline" in a]
    outputs = outputs_of(plan)
    assert outputs["replication_task_arn"] == TASK_ARN
    assert outputs["replication_task_id"] == "orders-task"
    assert outputs["table_mappings"] is None
    starter = plan.resource_changes["module.dms_automation.module.automation[0].aws_lambda_function.starter"]
    variables = starter["change"]["after"]["environment"][0]["variables"]
    assert variables["REPLICATION_TASK_ARN"] == TASK_ARN
    assert variables["MIGRATION_REFRESH_TYPE"] == "full-load-and-cdc"
    # A CDC task brought by the user: its source is assessed before the first start.
    assert "module.dms_automation.module.automation[0].aws_s3_bucket.assessments[0]" in addresses(plan)
    assert variables["CDC_SOURCE_ASSESSMENT_ROLE_ARN"].endswith(":role/dms-orders-task-assessment")


def test_a_cdc_task_of_the_baseline_is_not_assessed_its_source_is_prepared() -> None:
    plan = root_plan("baseline-cdc")
    created = addresses(plan)
    assert "module.dms_automation.module.baseline[0].aws_dms_replication_task.this[0]" in created
    assert not [a for a in created if "assessment" in a and ".data." not in a]


def test_a_cdc_source_the_baseline_does_not_prepare_is_assessed() -> None:
    # Your own DMS user on the source: the baseline prepares only the target, so the source is
    # checked before the first start like a task you bring.
    created = addresses(root_plan("baseline-cdc-own-source-user"))
    assert "module.dms_automation.module.automation[0].aws_s3_bucket.assessments[0]" in created
    assert "module.dms_automation.module.baseline[0].aws_secretsmanager_secret.dms_source[0]" not in created


def test_baseline_path_with_masking_wires_rules_network_and_secret() -> None:
    plan = root_plan("baseline-masking")
    changes = plan.resource_changes
    # DMS masking: in the created task's table mappings, after the selection rule.
    rules = json.loads(outputs_of(plan)["table_mappings"])["rules"]
    assert [r["rule-type"] for r in rules] == ["selection", "transformation", "transformation"]
    # DMS's unkeyed hash (opted in) is 64 characters: the column is widened first.
    assert [r["rule-action"] for r in rules[1:]] == ["change-data-type", "data-masking-hash-mask"]
    assert rules[1]["data-type"] == {"type": "string", "length": 64}
    locator = {"schema-name": "HR", "table-name": "EMPLOYEES", "column-name": "SSN"}
    assert rules[1]["object-locator"] == rules[2]["object-locator"] == locator
    task = changes["module.dms_automation.module.baseline[0].aws_dms_replication_task.this[0]"]
    assert json.loads(task["change"]["after"]["table_mappings"])["rules"] == rules
    # DMS applies data-masking rules from replication engine 3.5.4 on.
    instance = changes["module.dms_automation.module.baseline[0].aws_dms_replication_instance.this"]
    assert instance["change"]["after"]["engine_version"] == "3.5.4"
    # After-load masking: the Lambda runs in the baseline's VPC, in a group the target admits.
    post = changes["module.dms_automation.module.automation[0].aws_lambda_function.post_process"]["change"]
    assert len(post["after"]["vpc_config"]) == 1
    assert post["after_unknown"]["vpc_config"][0]["security_group_ids"]  # the group created here
    assert "module.dms_automation.aws_security_group.masking[0]" in changes
    assert 'module.dms_automation.aws_vpc_security_group_egress_rule.masking["target"]' in changes
    admitted = (
        "module.dms_automation.module.baseline[0].aws_vpc_security_group_ingress_rule.target_from_allowed[0]"
    )
    assert changes[admitted]["change"]["after"]["from_port"] == 3306
    endpoints = {a for a in changes if a.startswith("module.dms_automation.aws_vpc_endpoint.masking[")}
    assert endpoints == {
        f'module.dms_automation.aws_vpc_endpoint.masking["{service}"]'
        for service in ("dms", "events", "lambda", "ssm")
    }
    # Secrets Manager's endpoint is the baseline's, shared with the replication instance: one
    # endpoint per service (two with private DNS would clash), admitting the masking Lambda too.
    baseline = "module.dms_automation.module.baseline[0]."
    service = changes[baseline + "aws_vpc_endpoint.secretsmanager[0]"]["change"]["after"]
    assert service["service_name"] == "com.amazonaws.eu-west-1.secretsmanager"
    assert service["private_dns_enabled"] is True
    assert baseline + "aws_vpc_security_group_ingress_rule.vpc_endpoints_from_clients[0]" in changes
    assert 'module.dms_automation.aws_vpc_security_group_egress_rule.masking["secrets_manager"]' in changes
    # The Lambda masks as a user the preparation creates with the after-load rules' schemas only
    # (EMAIL, after load; SSN is masked by DMS), never as the cluster's master user.
    masking_secret = changes[baseline + "aws_secretsmanager_secret.masking[0]"]["change"]
    assert masking_secret["after"]["name"] == "dms-masking"
    invocation = changes[baseline + "aws_lambda_invocation.prepare_databases[0]"]["change"]["after"]
    user = json.loads(invocation["triggers"]["masking_user"])
    assert (user["schemas"], user["coverage_schemas"]) == (["HR"], ["HR"])
    config = plan._raw["configuration"]["root_module"]["module_calls"]["dms_automation"]["module"]
    secret_refs = config["module_calls"]["automation"]["expressions"]["masking_secret_arn"]["references"]
    assert "module.baseline[0].masking_secret_arn" in secret_refs
    assert not [r for r in secret_refs if "master" in r]


@pytest.mark.parametrize(
    "tf_vars",
    [
        {},
        {"create_baseline": True, "replication_task_arn": TASK_ARN, "replication_task_id": "orders-task"},
        {"replication_task_arn": TASK_ARN},
        {"create_baseline": True, "replication_task_id": "orders-task"},
    ],
    ids=["neither", "both", "arn-only", "baseline-and-id"],
)
def test_exactly_one_task_source_is_required(tf_vars: dict[str, Any]) -> None:
    message = root_plan_error(tf_vars)
    assert "Give exactly one of: create_baseline = true" in message
    assert "replication_task_arn and replication_task_id" in message


def test_invalid_combination_is_refused_on_the_baseline_path() -> None:
    message = root_plan_error(
        {"create_baseline": True, "migration_refresh_type": "cdc", "schedule_or_one_time": "schedule"}
    )
    assert "cdc" in message and "schedule" in message


def test_baseline_with_only_the_required_inputs_is_ready_for_a_real_account() -> None:
    # Endpoint secrets that are not the RDS-managed master secrets, a Secrets Manager endpoint the
    # replication instance reaches on 443, and no secret value anywhere in the plan.
    plan = root_plan("baseline-required-only")
    changes = plan.resource_changes
    baseline = "module.dms_automation.module.baseline[0]."
    for side in ("source", "target"):
        assert baseline + f"aws_secretsmanager_secret.dms_{side}[0]" in changes
    assert baseline + "aws_lambda_invocation.prepare_databases[0]" in changes
    # Each endpoint reads the secret of its own side's DMS user: the one given, or the one the
    # baseline creates (and its preparation function fills); never an RDS-managed master secret.
    config = plan._raw["configuration"]["root_module"]["module_calls"]["dms_automation"]["module"]
    resources = config["module_calls"]["baseline"]["module"]["resources"]
    endpoints = {r["name"]: r for r in resources if r["type"] == "aws_dms_endpoint"}
    assert set(endpoints) == {"source", "target"}
    for side, endpoint in endpoints.items():
        # var.create_target decides whether the target's secret exists; it names no secret.
        found = references.attribute_sources(endpoint, "secrets_manager_arn", "baseline") - {
            "var.create_target"
        }
        assert found == {f"var.{side}_dms_secret_arn", f"aws_secretsmanager_secret.dms_{side}[0].arn"}, (
            f"the {side} endpoint's secrets_manager_arn comes from {sorted(found)}"
        )
    endpoint = changes[baseline + "aws_vpc_endpoint.secretsmanager[0]"]["change"]["after"]
    assert endpoint["service_name"] == "com.amazonaws.eu-west-1.secretsmanager"
    egress = changes[baseline + 'aws_vpc_security_group_egress_rule.replication_instance["secrets_manager"]']
    assert (egress["change"]["after"]["from_port"], egress["change"]["after"]["to_port"]) == (443, 443)
    assert not [a for a in changes if a.endswith("aws_secretsmanager_secret_version")]
    text = json.dumps(plan._raw)
    for marker in ('"secret_string": "', '"password": "', '"master_password": "'):
        assert marker not in text


# Every input set a test plans, by name.
VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {"create_baseline": True, "name_prefix": "dms", "table_selection": [{"schema": "HR"}]},
    "existing-task": {
        "replication_task_arn": TASK_ARN,
        "replication_task_id": "orders-task",
        "migration_refresh_indicator": "data-migration",
        "migration_refresh_type": "full-load-and-cdc",
        "schedule_or_one_time": "one-time",
    },
    "baseline-cdc": {
        "create_baseline": True,
        "name_prefix": "dms",
        "migration_refresh_indicator": "data-migration",
        "migration_refresh_type": "cdc",
        "schedule_or_one_time": "one-time",
    },
    "baseline-cdc-own-source-user": {
        "create_baseline": True,
        "name_prefix": "dms",
        "migration_refresh_indicator": "data-migration",
        "migration_refresh_type": "cdc",
        "schedule_or_one_time": "one-time",
        "baseline": {
            "source_dms_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms/source-AbCdEf"
        },
    },
    "baseline-masking": {
        "create_baseline": True,
        "name_prefix": "dms",
        "table_selection": [{"schema": "HR"}],
        "masking_rules": [
            {
                "schema": "HR",
                "table": "EMPLOYEES",
                "column": "SSN",
                "strategy": "hash",
                "where": "dms",
                "options": {"allow_unkeyed_hash": True},
            },
            {"schema": "HR", "table": "EMPLOYEES", "column": "EMAIL", "strategy": "fake_email"},
        ],
    },
    "baseline-required-only": {"create_baseline": True, "name_prefix": "dms"},
}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert_case(case)


def _blocks(path: str, kind: str) -> dict[str, dict[str, Any]]:
    with tf.repo_path(path).open() as handle:
        parsed = hcl2.load(handle)
    return {name.strip('"'): body for block in parsed.get(kind, []) for name, body in block.items()}


# Baseline inputs the root module sets from its own inputs or computes, not from var.baseline.
ROOT_SET = {
    "name_prefix": "${var.name_prefix}",
    "tags": "${var.tags}",
    "kms_key_arn": "${var.kms_key_arn}",
    "migration_refresh_type": "${var.migration_refresh_type}",
    "table_selection": "${var.table_selection}",
    "iam_role_path": "${var.iam_role_path}",
    "iam_role_permissions_boundary": "${var.iam_role_permissions_boundary}",
}
COMPUTED = {
    "create_target",
    "create_task",
    "extra_table_mapping_rules",
    "masking_user",
    "target_allowed_security_group_ids",
    "vpc_endpoint_client_security_group_ids",
}


def test_every_baseline_input_is_wired_once_from_the_root_baseline_object() -> None:
    # The baseline's inputs appear in three places (its variables, the root's typed `baseline`
    # object, the wiring in main.tf): this keeps the three the same set.
    variables = set(_blocks("modules/baseline/variables.tf", "variable"))
    call = {
        k: v
        for k, v in _blocks("main.tf", "module")["baseline"].items()
        if k not in ("source", "count") and not k.startswith("__")
    }
    assert set(call) == variables, (
        f"wired but not an input: {set(call) - variables}; not wired: {variables - set(call)}"
    )
    baseline_type = _blocks("variables.tf", "variable")["baseline"]["type"]
    attributes = set(re.findall(r"(\w+) = optional\(", baseline_type))
    from_object = {name for name, value in call.items() if value == f"${{var.baseline.{name}}}"}
    assert {name: call[name] for name in ROOT_SET} == ROOT_SET
    assert from_object | set(ROOT_SET) | COMPUTED == variables
    # Every attribute of the root's object reaches the module (the computed ones through a local).
    assert attributes - from_object <= COMPUTED, attributes - from_object - COMPUTED


# Names AWS keeps unique, by resource type: the attribute that holds the name and the scope
# within which a second one is refused. Security groups: per VPC ("InvalidGroup.Duplicate");
# RDS DB instances and Aurora cluster instances share one identifier space; every other name
# is unique per account and region (IAM: per account; S3: everywhere).
UNIQUE_NAMES: dict[str, tuple[str, str]] = {
    "aws_security_group": ("name", "vpc"),
    "aws_iam_role": ("name", "iam"),
    "aws_iam_policy": ("name", "iam"),
    "aws_lambda_function": ("function_name", "lambda"),
    "aws_cloudwatch_log_group": ("name", "log group"),
    "aws_cloudwatch_log_metric_filter": ("name", "log group"),
    "aws_cloudwatch_metric_alarm": ("alarm_name", "alarm"),
    "aws_cloudwatch_event_rule": ("name", "event bus"),
    "aws_sns_topic": ("name", "sns"),
    "aws_sqs_queue": ("name", "sqs"),
    "aws_dynamodb_table": ("name", "dynamodb"),
    "aws_secretsmanager_secret": ("name", "secretsmanager"),
    "aws_ssm_parameter": ("name", "ssm"),
    "aws_kms_alias": ("name", "kms alias"),
    "aws_s3_bucket": ("bucket", "s3"),
    "aws_db_instance": ("identifier", "rds instance"),
    "aws_rds_cluster_instance": ("identifier", "rds instance"),
    "aws_rds_cluster": ("cluster_identifier", "rds cluster"),
    "aws_db_subnet_group": ("name", "rds subnet group"),
    "aws_dms_replication_instance": ("replication_instance_id", "dms instance"),
    "aws_dms_replication_subnet_group": ("replication_subnet_group_id", "dms subnet group"),
    "aws_dms_endpoint": ("endpoint_id", "dms endpoint"),
    "aws_dms_replication_task": ("replication_task_id", "dms task"),
    "aws_dms_event_subscription": ("name", "dms event subscription"),
}
# Types whose resources carry no name AWS keeps unique (or one AWS generates).
UNNAMED = {
    "aws_cloudwatch_event_target",
    "aws_default_security_group",  # the VPC's own default group, adopted, not created
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_key",
    "aws_lambda_invocation",
    "aws_lambda_permission",
    "aws_route_table",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
    "aws_sqs_queue_policy",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_endpoint",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_lambda_function_event_invoke_config",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
    "terraform_data",
}


def _taken_twice(plan: Any) -> list[str]:
    seen: dict[tuple[str, str, str], str] = {}
    twice = []
    for address, change in plan.resource_changes.items():
        if change.get("mode", "managed") != "managed" or "create" not in change["change"]["actions"]:
            continue
        kind = change["type"]
        assert kind in UNIQUE_NAMES or kind in UNNAMED, (
            f"{address}: is {kind}'s name unique per VPC, account or region? Add it to UNIQUE_NAMES or UNNAMED"
        )
        if kind not in UNIQUE_NAMES:
            continue
        attribute, scope = UNIQUE_NAMES[kind]
        after = change["change"]["after"]
        name = after.get(attribute)
        assert name, f"{address}: {attribute} is not known at plan time"
        if kind == "aws_security_group":
            # Every group of this root is in one VPC (the baseline's, unknown until apply).
            scope = f"vpc {after.get('vpc_id') or 'of the baseline'}"
        elif kind == "aws_cloudwatch_log_metric_filter":
            scope = f"log group {after.get('log_group_name')}"
        elif kind == "aws_cloudwatch_event_rule":
            scope = f"event bus {after.get('event_bus_name') or 'default'}"
        key = (scope, kind if scope != "rds instance" else scope, name)
        if key in seen:
            twice.append(f"{name!r} ({scope}): {seen[key]} and {address}")
        seen[key] = address
    return twice


@pytest.mark.parametrize("name", ["baseline-masking", "baseline", "baseline-cdc"])
def test_no_name_aws_keeps_unique_is_taken_twice(name: str) -> None:
    """Root + baseline (+ after-load masking): every name AWS refuses a second time is planned once."""
    twice = _taken_twice(root_plan(name))
    assert not twice, "names AWS would refuse the second time:\n  " + "\n  ".join(twice)


def test_the_starter_may_test_only_the_created_tasks_connections() -> None:
    """With the baseline, the automation gets the task's instance and endpoints (known after apply)."""
    configuration = root_plan("baseline")._raw["configuration"]["root_module"]
    automation = configuration["module_calls"]["dms_automation"]["module"]["module_calls"]["automation"]
    references = set(automation["expressions"]["task_resource_arns"]["references"])
    assert {
        "module.baseline[0].replication_instance_arn",
        "module.baseline[0].source_endpoint_arn",
        "module.baseline[0].target_endpoint_arn",
    } <= references
