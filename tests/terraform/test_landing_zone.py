"""Landing-zone inputs: a permissions boundary and a path on every IAM role of every module, role
ARNs that hold the path wherever a policy names them, and every automation input reachable from
the root module through its one `automation` object."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests import tf

BOUNDARY = "arn:aws:iam::123456789012:policy/workload-boundary"
PATH = "/dms/"
# Each module's landing-zone case (its inventory beside it checks names and values as well);
# modules/environment through the root module's environments.
CASES = {
    "automation": "tests/terraform/automation/landing-zone.tfvars",
    "baseline": "tests/terraform/baseline/landing-zone.tfvars",
    "root": "tests/terraform/root/landing-zone.tfvars",
    "root-environments": "tests/terraform/root/landing-zone-environments.tfvars",
    "dms-iam-roles": "tests/terraform/dms_iam_roles/landing-zone.tfvars",
}
ENVIRONMENTS = ("dev", "qa")


@functools.cache
def plans() -> dict[str, Any]:
    calls = {
        name: (str(Path(path).parent / "fixture"), tf.repo_path(path).read_text())
        for name, path in CASES.items()
    }
    return tf.plan_calls(calls)


def _created(plan: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {
        c["address"]: c["change"]["after"]
        for c in plan._raw["resource_changes"]
        if c["type"] == kind and c["mode"] == "managed"
    }


@pytest.mark.parametrize("module", CASES)
def test_every_role_has_the_boundary_and_the_path(module: str) -> None:
    roles = _created(plans()[module], "aws_iam_role")
    assert (
        len(roles)
        >= {"automation": 3, "baseline": 2, "root": 5, "root-environments": 9, "dms-iam-roles": 3}[module]
    ), roles
    if module == "root-environments":
        # Each environment's own role (its target endpoint's) is among them.
        for key in ENVIRONMENTS:
            assert f'module.dms_automation.module.environment["{key}"].aws_iam_role.secrets_access' in roles
    wrong = {
        address: (role.get("path"), role.get("permissions_boundary"))
        for address, role in roles.items()
        if (role.get("path"), role.get("permissions_boundary")) != (PATH, BOUNDARY)
    }
    assert not wrong, wrong


def test_policies_name_the_roles_by_their_arn_with_the_path() -> None:
    # A role's ARN holds its path: a key policy principal or a PassRole grant without it names
    # no role (the key policy is refused at apply; the grant never matches).
    plan = plans()["automation"]
    text = json.dumps(plan._raw["resource_changes"])
    assert ":role/dms/" in text
    starter = _created(plan, "aws_lambda_function")["module.automation.aws_lambda_function.starter"]
    role_arn = starter["environment"][0]["variables"]["CDC_SOURCE_ASSESSMENT_ROLE_ARN"]
    assert role_arn == "arn:aws:iam::123456789012:role/dms/dms-orders-refresh-assessment"
    key = _created(plan, "aws_kms_key")["module.automation.aws_kms_key.this[0]"]
    principals = json.dumps(json.loads(key["policy"]))
    assert "role/dms/dms-orders-refresh-starter" in principals
    assert not re.search(r":role/dms-orders-refresh-", principals)


def test_the_automation_settings_reach_the_automation() -> None:
    plan = plans()["root"]
    automation = "module.dms_automation.module.automation[0]."
    starter = plan.resource_changes[automation + "aws_lambda_function.starter"]["change"]["after"]
    post = plan.resource_changes[automation + "aws_lambda_function.post_process"]["change"]["after"]
    assert (starter["timeout"], post["timeout"]) == (300, 600)
    assert starter["tracing_config"] == [{"mode": "Active"}]
    table = plan.resource_changes[automation + "aws_dynamodb_table.state"]["change"]["after"]
    assert table["deletion_protection_enabled"] is True
    # (watchdog_schedule_expression: a schedule's; this case runs once: the wiring test covers it)
    # The CDC source the baseline does not prepare is still assessed (check_cdc_source null).
    assert automation + "aws_s3_bucket.assessments[0]" in plan.resource_changes


def test_the_automation_settings_reach_every_environments_automation() -> None:
    plan = plans()["root-environments"]
    for key in ENVIRONMENTS:
        automation = f'module.dms_automation.module.environment_automation["{key}"].'
        starter = plan.resource_changes[automation + "aws_lambda_function.starter"]["change"]["after"]
        post = plan.resource_changes[automation + "aws_lambda_function.post_process"]["change"]["after"]
        assert (starter["timeout"], post["timeout"]) == (300, 600), key
        assert starter["tracing_config"] == [{"mode": "Active"}], key
        table = plan.resource_changes[automation + "aws_dynamodb_table.state"]["change"]["after"]
        assert table["deletion_protection_enabled"] is True, key
    # The schedule's watchdog (dev); qa runs once and is CDC from a source the baseline prepared
    # for full-load only: assessed (check_cdc_source null).
    watchdog = (
        'module.dms_automation.module.environment_automation["dev"].aws_cloudwatch_event_rule.watchdog[0]'
    )
    assert plan.resource_changes[watchdog]["change"]["after"]["schedule_expression"] == "rate(2 hours)"
    assert (
        'module.dms_automation.module.environment_automation["qa"].aws_s3_bucket.assessments[0]'
        in plan.resource_changes
    )
    # The baseline's recovery window, on the environments' DMS secrets as on its own.
    for key in ENVIRONMENTS:
        secret = plan.resource_changes[
            f'module.dms_automation.module.environment["{key}"].aws_secretsmanager_secret.dms_target[0]'
        ]["change"]["after"]
        assert (secret["name"], secret["recovery_window_in_days"]) == (f"team-a-orders-{key}-dms-target", 7)


def _blocks(path: str, kind: str) -> dict[str, dict[str, Any]]:
    with tf.repo_path(path).open() as handle:
        parsed = hcl2.load(handle)
    return {name.strip('"'): body for block in parsed.get(kind, []) for name, body in block.items()}


def test_the_root_passes_every_automation_input() -> None:
    # The automation's inputs appear in three places (its variables, the root's `automation`
    # object, the wiring in main.tf): each input is wired, and each attribute of the object
    # reaches the input of its name.
    variables = set(_blocks("modules/automation/variables.tf", "variable"))
    call = {
        k: v
        for k, v in _blocks("main.tf", "module")["automation"].items()
        if k not in ("source", "count") and not k.startswith("__")
    }
    assert set(call) == variables, (
        f"wired but not an input: {set(call) - variables}; not wired: {variables - set(call)}"
    )
    object_type = _blocks("variables.tf", "variable")["automation"]["type"]
    attributes = set(re.findall(r"(\w+) = optional\(", object_type))
    assert attributes, object_type
    for name in attributes:
        assert f"var.automation.{name}" in str(call[name]), (name, call[name])
    # Each environment's automation (environments.tf) gets the same object and landing-zone inputs.
    environment_call = _blocks("environments.tf", "module")["environment_automation"]
    for name in attributes:
        assert f"var.automation.{name}" in str(environment_call.get(name)), (name, environment_call.get(name))
    for name in ("iam_role_path", "iam_role_permissions_boundary"):
        assert str(environment_call.get(name)) == f"${{var.{name}}}", (name, environment_call.get(name))
        environment = _blocks("environments.tf", "module")["environment"]
        assert str(environment.get(name)) == f"${{var.{name}}}", (name, environment.get(name))


def test_outputs_give_what_dashboards_and_alarms_need() -> None:
    change = plans()["root"]._raw["output_changes"]["all"]  # the fixture re-exports the root's outputs
    after, unknown = change["after"], change["after_unknown"]
    wanted = {
        "alarm_arns",
        "alarm_names",
        "assessment_bucket_name",
        "iam_role_arns",
        "log_group_names",
        "masking_key_secret_arn",
        "masking_rules_parameter_name",
        "security_group_ids",
        "source_db_instance_identifier",
        "subnet_ids",
        "target_cluster_identifier",
    }
    assert wanted <= set(after) | set(unknown), wanted - set(after) - set(unknown)
    assert after["alarm_names"]["starter_errors"] == "team-a-orders-starter-errors"
    assert after["log_group_names"] == {
        "starter": "/aws/lambda/team-a-orders-starter",
        "post_process": "/aws/lambda/team-a-orders-post-process",
        "prepare_databases": "/aws/lambda/team-a-orders-prepare-databases",
    }
    assert after["source_db_instance_identifier"] == "team-a-orders-source"
    assert after["target_cluster_identifier"] == "team-a-orders-target"
    groups = {**after["security_group_ids"], **unknown["security_group_ids"]}
    assert set(groups) == {"replication_instance", "source", "target", "post_process"}
    assert after["security_group_ids"]["post_process"] is None  # no after-load masking here
    # Every key is there (null where a module does not create the role), the ARNs known after apply.
    roles = {**after["iam_role_arns"], **unknown["iam_role_arns"]}
    assert set(roles) == {"starter", "post_process", "assessment", "secrets_access", "prepare_databases"}
