"""Offline plans of modules/automation: inventories for every case, IAM scope, the combination table."""

from __future__ import annotations

import functools
import itertools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from dms_automation.config import VALID_COMBINATIONS
from tests.terraform.inventory import Case, check, collect, plan_case, refusal, regenerate_hint, summarise
from tests.tf import env, initialised, repo_path

FIXTURE = "tests/terraform/fixtures/automation"
CASES_DIR = Path(__file__).parent / "automation"
CASES = collect(CASES_DIR)
TASK_ARN = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/dms-orders-refresh-trigger"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# Actions with no resource-level permissions (Service Authorization Reference): "*" is allowed only for them.
NO_RESOURCE_LEVEL = {
    "dms:DescribeReplicationTasks",
    "dms:DescribeConnections",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}

# The EC2 actions of AWSLambdaVPCAccessExecutionRole, version 3 (January 2024):
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
LAMBDA_VPC_ACCESS_EC2_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


@functools.cache
def summary_of(name: str) -> dict[str, Any]:
    return summarise(plan_case(FIXTURE, Case(CASES_DIR / f"{name}.tfvars", CASES_DIR / f"{name}.yaml")))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert case.expected.exists(), f"{case.tfvars.name} has no {case.expected.name}; {regenerate_hint(case)}"
    expected = yaml.safe_load(case.expected.read_text())
    if "error" in expected:
        error = refusal(FIXTURE, case)
        assert error is not None, f"{case.name}: the plan succeeded; a refusal was expected"
        missing = [text for text in expected["error"] if " ".join(text.split()) not in error]
        assert not missing, f"{case.name}: the refusal lacks {missing}; it was:\n{error}"
        return
    found = check(summary_of(case.name), expected)
    assert not found, f"{case.name}: the plan differs from {case.expected.name}:\n" + "\n".join(
        [*found, regenerate_hint(case)]
    )


def test_all_twelve_combinations_are_cases() -> None:
    names = {case.name for case in CASES}
    combinations = itertools.product(
        ("data-refresh", "data-migration"),
        ("full-load", "full-load-and-cdc", "cdc"),
        ("schedule", "one-time"),
    )
    for combination in combinations:
        name = "_".join(combination)
        assert name in names, f"combination {'/'.join(combination)} has no case {name}.tfvars"
        expected = yaml.safe_load((CASES_DIR / f"{name}.yaml").read_text())
        assert ("error" not in expected) == (combination in VALID_COMBINATIONS), (
            f"{name}.yaml must {'plan' if combination in VALID_COMBINATIONS else 'be refused'}"
        )


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def test_hcl_combination_table_is_the_python_one() -> None:
    with repo_path("modules", "automation", "locals.tf").open() as handle:
        parsed = hcl2.load(handle)
    table = next(block["valid_combinations"] for block in parsed["locals"] if "valid_combinations" in block)
    hcl_rows = tuple(
        (
            _unquote(row["migration_refresh_indicator"]),
            _unquote(row["migration_refresh_type"]),
            _unquote(row["schedule_or_one_time"]),
        )
        for row in table
    )
    assert hcl_rows == VALID_COMBINATIONS


def _policies(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prefix = "module.automation.aws_iam_role_policy."
    return {
        address.removeprefix(prefix): json.loads(values["policy"])
        for address, values in summary["values"].items()
        if address.startswith(prefix)
    }


def _grants(policy: dict[str, Any]) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for action in actions:
            grants.setdefault(action, set()).update(resources)
    return grants


@pytest.mark.parametrize("name", ["data-refresh_full-load_schedule", "customer-key-alarms-notifications"])
def test_roles_are_scoped_to_this_task_rule_and_log_group(name: str) -> None:
    policies = _policies(summary_of(name))
    assert set(policies) == {"starter", "post_process"}
    for role, policy in policies.items():
        for action, resources in _grants(policy).items():
            if "*" in resources:
                assert action in NO_RESOURCE_LEVEL, f"{role}: {action} is granted on '*'"
    starter, post = _grants(policies["starter"]), _grants(policies["post_process"])
    assert starter["dms:StartReplicationTask"] == {TASK_ARN}
    assert post["dms:DescribeTableStatistics"] == {TASK_ARN}
    assert "dms:StartReplicationTask" not in post
    for action in ("events:DisableRule", "events:EnableRule", "events:TagResource", "events:UntagResource"):
        assert starter[action] == {RULE_ARN.replace("dms-orders-refresh", _prefix(name))}
    assert starter["logs:PutLogEvents"] == {
        f"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/{_prefix(name)}-starter:*"
    }
    assert post["logs:PutLogEvents"] == {
        f"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/{_prefix(name)}-post-process:*"
    }
    assert post["lambda:InvokeFunction"] == {
        f"arn:aws:lambda:eu-west-1:123456789012:function:{_prefix(name)}-post-process"
    }
    # Both may keep a failed invocation in the dead-letter queue, and only there.
    queue = f"arn:aws:sqs:eu-west-1:123456789012:{_prefix(name)}-failed-invocations"
    assert starter["sqs:SendMessage"] == post["sqs:SendMessage"] == {queue}


def _prefix(name: str) -> str:
    return "qa-orders" if name == "customer-key-alarms-notifications" else "dms-orders-refresh"


def test_connection_tests_and_kms_grants_follow_the_inputs() -> None:
    default = _grants(_policies(summary_of("data-refresh_full-load_schedule"))["starter"])
    assert default["dms:TestConnection"] == {
        "arn:aws:dms:eu-west-1:123456789012:endpoint:*",
        "arn:aws:dms:eu-west-1:123456789012:rep:*",
    }
    assert not any(action.startswith("kms:") for action in default)
    keyed = _grants(_policies(summary_of("customer-key-alarms-notifications"))["starter"])
    assert "dms:TestConnection" not in keyed  # test_endpoint_connections = false
    assert keyed["kms:Decrypt"] == {
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
    keyed_post = _grants(_policies(summary_of("customer-key-alarms-notifications"))["post_process"])
    assert keyed_post["kms:Decrypt"] == keyed["kms:Decrypt"]


def test_without_a_key_the_module_creates_one_that_admits_dms_and_logs() -> None:
    summary = summary_of("data-refresh_full-load_schedule")
    values = summary["values"]
    key = values["module.automation.aws_kms_key.this[0]"]
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    assert values["module.automation.aws_kms_alias.this[0]"]["name"] == "alias/dms-orders-refresh"
    # Nothing falls back to an AWS managed key: DMS cannot publish to a topic under alias/aws/sns.
    assert values["module.automation.aws_sns_topic.this"]["kms_master_key_id"] == "__unknown__"
    # The dead-letter queue uses SQS-managed encryption: EventBridge and SNS need no key policy.
    queue = values["module.automation.aws_sqs_queue.dead_letter"]
    assert (queue["sqs_managed_sse_enabled"], queue["kms_master_key_id"]) == (True, None)
    for role in ("starter", "post_process"):
        assert values[f"module.automation.aws_lambda_function.{role}"]["kms_key_arn"] == "__unknown__"
        assert values[f"module.automation.aws_cloudwatch_log_group.{role}"]["kms_key_id"] == "__unknown__"
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert set(statements["LambdasUseTheKey"]["Principal"]["AWS"]) == {
        "arn:aws:iam::123456789012:role/dms-orders-refresh-starter",
        "arn:aws:iam::123456789012:role/dms-orders-refresh-post-process",
    }
    dms = statements["DmsPublishesToTheTopic"]
    assert dms["Principal"] == {"Service": "dms.amazonaws.com"}
    assert set(dms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # No condition: DMS's user guide (CHAP_Events) documents none for its calls, and
    # CreateEventSubscription fails with KMSAccessDeniedFault under aws:SourceAccount or the
    # SNS encryption context.
    assert "Condition" not in dms
    logs = statements["LogsEncryptTheLogGroups"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert set(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == {
        f"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/dms-orders-refresh-{name}"
        for name in ("starter", "post-process")
    }
    assert "SnsAndEventBridgeSendToTheDeadLetterQueue" not in statements
    assert summary["outputs"]["kms_key_arn"] == "__unknown__"


def test_only_this_topic_and_these_rules_may_send_to_the_dead_letter_queue() -> None:
    queue = summary_of("data-refresh_full-load_schedule")["values"][
        "module.automation.aws_sqs_queue.dead_letter"
    ]
    statements = {s["Sid"]: s for s in json.loads(queue["policy"])["Statement"]}
    arn = "arn:aws:sqs:eu-west-1:123456789012:dms-orders-refresh-failed-invocations"
    sns, events = statements["AllowSnsRedrive"], statements["AllowEventBridgeDeadLetters"]
    assert (sns["Principal"], sns["Action"], sns["Resource"]) == (
        {"Service": "sns.amazonaws.com"},
        "sqs:SendMessage",
        arn,
    )
    assert sns["Condition"] == {
        "ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:dms-orders-refresh-dms-events"}
    }
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(events["Condition"]["ArnEquals"]["aws:SourceArn"]) == {
        "arn:aws:events:eu-west-1:123456789012:rule/dms-orders-refresh-trigger",
        "arn:aws:events:eu-west-1:123456789012:rule/dms-orders-refresh-watchdog",
    }


def test_failed_async_invocations_of_both_lambdas_are_kept_in_the_dead_letter_queue() -> None:
    values = summary_of("data-refresh_full-load_schedule")["values"]
    for role in ("starter", "post_process"):
        config = values[f"module.automation.aws_lambda_function_event_invoke_config.{role}"]
        (destination,) = config["destination_config"]
        # The queue's ARN is only known once the queue exists.
        assert destination["on_failure"][0]["destination"] == "__unknown__"
        assert config["maximum_retry_attempts"] == 2


def test_a_given_key_is_used_and_no_key_is_created() -> None:
    summary = summary_of("customer-key-alarms-notifications")
    assert "aws_kms_key" not in summary["counts"]
    assert summary["outputs"]["kms_key_arn"] == KEY_ARN
    assert summary["values"]["module.automation.aws_sns_topic.this"]["kms_master_key_id"] == KEY_ARN


def test_only_dms_of_this_account_may_publish_to_the_topic() -> None:
    values = summary_of("data-refresh_full-load_schedule")["values"]
    policy = json.loads(values["module.automation.aws_sns_topic_policy.this"]["policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "dms.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def _function(name: str, role: str) -> dict[str, Any]:
    values: dict[str, Any] = summary_of(name)["values"][f"module.automation.aws_lambda_function.{role}"]
    return values


def test_after_load_masking_gives_the_post_process_lambda_rules_network_and_secret() -> None:
    name = "masking-after-load"
    post = _function(name, "post_process")
    variables = post["environment"][0]["variables"]
    document = json.loads(variables["MASKING_RULES"])
    assert document["version"] == 1
    assert [(r["column"], r["strategy"]) for r in document["rules"]] == [("ssn", "hash"), ("card", "redact")]
    assert variables["MASKING_SECRET_ARN"] == SECRET_ARN
    assert variables["MASKING_CHUNK_ROWS"] == "5000"
    # masking_database completes secrets that lack host/port (RDS-managed master secrets).
    assert variables["MASKING_DB_HOST"] == "qa-target.cluster-abc.eu-west-1.rds.amazonaws.com"
    assert (variables["MASKING_DB_PORT"], variables["MASKING_DB_NAME"]) == ("3306", "")
    (vpc,) = post["vpc_config"]
    assert vpc["subnet_ids"] == ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    assert vpc["security_group_ids"] == ["sg-0123456789abcdef0"]
    # The starter does no masking: neither the rules nor the network.
    starter = _function(name, "starter")
    assert not any(key.startswith("MASKING_") for key in starter["environment"][0]["variables"])
    assert not starter.get("vpc_config")

    policies = _policies(summary_of(name))
    post_grants, starter_grants = _grants(policies["post_process"]), _grants(policies["starter"])
    interfaces = "arn:aws:ec2:eu-west-1:123456789012:network-interface/*"
    assert post_grants["ec2:CreateNetworkInterface"] == {
        interfaces,
        "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0123456789abcdef0",
        "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0fedcba9876543210",
        "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0",
    }
    scoped = ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")
    for action in scoped:
        assert post_grants[action] == {interfaces}
    assert post_grants["ec2:DescribeNetworkInterfaces"] == {"*"}
    # Every EC2 action of AWS's managed policy for VPC-attached functions (v3 added DescribeSubnets).
    assert set(post_grants) >= LAMBDA_VPC_ACCESS_EC2_ACTIONS
    assert post_grants["secretsmanager:GetSecretValue"] == {SECRET_ARN}
    for action, resources in post_grants.items():
        if "*" in resources:
            assert action in NO_RESOURCE_LEVEL, f"post_process: {action} is granted on '*'"
    (decrypt,) = [s for s in policies["post_process"]["Statement"] if s.get("Sid") == "DecryptTargetSecret"]
    assert decrypt["Resource"] == KEY_ARN
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }
    assert not any(action.startswith(("ec2:", "secretsmanager:")) for action in starter_grants)


def test_dms_masking_is_an_output_and_leaves_the_lambdas_alone() -> None:
    summary = summary_of("masking-dms")
    rules = summary["outputs"]["dms_transformation_rules"]
    assert [(r["rule-action"], r["object-locator"]["column-name"]) for r in rules] == [
        ("data-masking-hash-mask", "ssn"),
        ("data-masking-digits-mask", "phone"),
        ("data-masking-digits-randomize", "account"),
    ]
    assert rules[1]["value"] == "#"
    assert {r["rule-type"] for r in rules} == {"transformation"}
    post = _function("masking-dms", "post_process")
    assert not any(key.startswith("MASKING_") for key in post["environment"][0]["variables"])
    assert not post.get("vpc_config")
    grants = _grants(_policies(summary)["post_process"])
    assert not any(action.startswith(("ec2:", "secretsmanager:")) for action in grants)


def test_fmt_and_validate() -> None:
    fmt = subprocess.run(
        [
            "terraform",
            "fmt",
            "-check",
            "-recursive",
            "-diff",
            "modules/automation",
            "tests/terraform/fixtures",
        ],
        cwd=repo_path(),
        env={**os.environ, **env()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, f"terraform fmt would change:\n{fmt.stdout}{fmt.stderr}"
    module = initialised("modules/automation")
    validate = subprocess.run(
        ["terraform", "validate", "-no-color"],
        cwd=module.tfdir,
        env=module.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
