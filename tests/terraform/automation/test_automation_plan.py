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

from dms_automation.config import REFRESH_TYPES, VALID_COMBINATIONS
from dms_automation.masking import DEFAULT_PATTERNS, CoverageSettings, parse_rules
from dms_automation.masking import document as masking_document
from dms_automation.options import CONTINUOUS_TYPES
from tests.terraform import many_rules
from tests.terraform.inventory import Case, assert_case, collect, error_text, summarise, valid_plans
from tests.tf import env, initialised, repo_path

FIXTURE = "tests/terraform/automation/fixture"
CASES_DIR = Path(__file__).parent
CASES = collect(CASES_DIR)
TASK_ARN = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/dms-orders-refresh-trigger"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# Actions with no resource-level permissions (Service Authorization Reference): "*" is allowed only for them.
KEY_VARIABLES = ("MASKING_KEY_SECRET", "MASKING_KEY_GENERATE")
# Calls that carry only filters, no resource (API reference): IAM authorizes them against "*".
FILTER_ONLY = {
    "dms:DescribeReplicationTaskAssessmentRuns",
    "dms:DescribeReplicationTaskIndividualAssessments",
}
NO_RESOURCE_LEVEL = FILTER_ONLY | {
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
def plan_of(name: str) -> dict[str, Any]:
    """``terraform show -json`` of the valid case's plan (all valid cases come from one plan)."""
    plan = valid_plans(CASES_DIR)[name]
    return {"raw": plan._raw, "summary": summarise(plan)}


def summary_of(name: str) -> dict[str, Any]:
    summary: dict[str, Any] = plan_of(name)["summary"]
    return summary


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert_case(case)


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
    types = next(block for block in parsed["locals"] if "migration_types" in block)
    assert tuple(_unquote(t) for t in types["migration_types"]) == REFRESH_TYPES
    assert tuple(_unquote(t) for t in types["continuous_types"]) == CONTINUOUS_TYPES


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
    for action in ("events:DisableRule", "events:EnableRule", "events:DescribeRule"):
        assert starter[action] == post[action] == {RULE_ARN.replace("dms-orders-refresh", _prefix(name))}
    # The rule carries no state: nothing may tag it.
    assert not {"events:TagResource", "events:UntagResource"} & (set(starter) | set(post))
    # The run state: exactly these three calls, on this module's table only.
    table = f"arn:aws:dynamodb:eu-west-1:123456789012:table/{_prefix(name)}-run-state"
    for grants in (starter, post):
        dynamodb = {action for action in grants if action.startswith("dynamodb:")}
        assert dynamodb == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
        assert all(grants[action] == {table} for action in dynamodb)
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
    # Given the task's instance and endpoints (the root module passes the baseline's): those only.
    scoped = _grants(_policies(summary_of("data-migration_full-load-and-cdc_one-time"))["starter"])
    assert scoped["dms:TestConnection"] == {
        "arn:aws:dms:eu-west-1:123456789012:rep:INSTANCE4DMSAUTOMATION",
        "arn:aws:dms:eu-west-1:123456789012:endpoint:SOURCE4DMSAUTOMATION",
        "arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET4DMSAUTOMATION",
    }
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
        "arn:aws:events:eu-west-1:123456789012:rule/dms-orders-refresh-dms-events",
    }


def _eventbridge_sample(name: str) -> dict[str, Any]:
    """A tests/events sample naming the planned task instead of the sample's."""
    text = repo_path("tests", "events", name).read_text()
    sample_task = "arn:aws:dms:us-east-1:012345678901:task:AAAABBBB0CCCCDDDDEEEEE1FFFF2GGG3FFFFFF3"
    event: dict[str, Any] = json.loads(text.replace(sample_task, TASK_ARN))
    return event


@pytest.mark.parametrize("name", ["data-refresh_full-load_schedule", "data-migration_cdc_one-time"])
def test_dms_events_reach_the_post_process_lambda_through_eventbridge_too(name: str) -> None:
    values = summary_of(name)["values"]
    rule = values["module.automation.aws_cloudwatch_event_rule.dms_events"]
    assert rule["name"] == "dms-orders-refresh-dms-events" and rule["state"] == "ENABLED"
    pattern = json.loads(rule["event_pattern"])
    assert pattern == {
        "source": ["aws.dms"],
        "detail-type": ["DMS Replication Task State Change"],
        "resources": [TASK_ARN],
    }
    # The pattern matches the task's own events in the shape DMS sends them (tests/events),
    # and neither an instance's events nor another task's: the planned rule, put on a bus of
    # moto's through EventBridge's public API (PutRule, PutTargets, PutEvents), delivers exactly
    # the task's events to its target (moto does not implement TestEventPattern).
    matches = _eventbridge_deliveries(rule["event_pattern"])
    for sample in (
        "eventbridge_dms_task_started.json",
        "eventbridge_dms_task_started_eventid.json",
        "eventbridge_dms_task_stopped.json",
        "eventbridge_dms_task_failed.json",
    ):
        event = _eventbridge_sample(sample)
        assert matches(event), sample
        other = {**event, "resources": [TASK_ARN.replace("ABCDEFGH", "ZZZZZZZZ")]}
        assert not matches(other), sample
    assert not matches(_eventbridge_sample("eventbridge_dms_instance_state_change.json"))
    assert not matches(_eventbridge_sample("eventbridge_scheduled_event.json"))

    target = values["module.automation.aws_cloudwatch_event_target.dms_events"]
    assert target["target_id"] == "post-process"
    assert target["retry_policy"] == [{"maximum_event_age_in_seconds": 21600, "maximum_retry_attempts": 8}]
    assert len(target["dead_letter_config"]) == 1  # the module's queue (its ARN is known after apply)
    permission = values["module.automation.aws_lambda_permission.dms_events"]
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["statement_id"] == "AllowInvokeFromDmsEventsRule"
    assert permission["function_name"] == "dms-orders-refresh-post-process"


def _eventbridge_deliveries(pattern: str) -> Any:
    """Whether a rule with this pattern delivers an event: the rule on an emulated bus with an SQS
    target, the event put on the bus, the queue read."""
    import boto3
    from moto import mock_aws

    def matches(event: dict[str, Any]) -> bool:
        with mock_aws():
            region = "eu-west-1"
            sqs = boto3.client("sqs", region_name=region)
            queue = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            events = boto3.client("events", region_name=region)
            events.put_rule(Name="under-test", EventPattern=pattern)
            events.put_targets(Rule="under-test", Targets=[{"Id": "queue", "Arn": arn}])
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event.get("resources", []),
            }
            assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
            return bool(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1).get("Messages"))

    return matches


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


@pytest.mark.parametrize("name", ["data-refresh_full-load_schedule", "customer-key-alarms-notifications"])
def test_only_this_dms_event_subscription_may_publish_to_the_topic(name: str) -> None:
    values = summary_of(name)["values"]
    policy = json.loads(values["module.automation.aws_sns_topic_policy.this"]["policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "dms.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == f"arn:aws:sns:eu-west-1:123456789012:{_prefix(name)}-dms-events"
    # The condition DMS's user guide recommends (CHAP_Events, "Validating the access policy of
    # your SNS topic"): the ARN of the event subscription that publishes, and nothing else.
    subscription = values["module.automation.aws_dms_event_subscription.this"]["name"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceArn": f"arn:aws:dms:eu-west-1:123456789012:es:{subscription}"}
    }


def _function(name: str, role: str) -> dict[str, Any]:
    values: dict[str, Any] = summary_of(name)["values"][f"module.automation.aws_lambda_function.{role}"]
    return values


def test_after_load_masking_gives_the_post_process_lambda_rules_network_and_secret() -> None:
    name = "masking-after-load"
    post = _function(name, "post_process")
    variables = post["environment"][0]["variables"]
    parameter = summary_of(name)["values"]["module.automation.aws_ssm_parameter.masking_rules[0]"]
    assert variables["MASKING_RULES_PARAMETER"] == parameter["name"] == "/dms-orders-refresh/masking-rules"
    assert (parameter["type"], parameter["key_id"], parameter["tier"]) == (
        "SecureString",
        KEY_ARN,
        "Standard",
    )
    document = masking_document.decode(parameter["value"], "the parameter")
    assert document["version"] == 1
    # Every rule, those DMS applies included (the coverage check counts them as masked).
    assert [(r["column"], r["strategy"], r["where"]) for r in document["rules"]] == [
        ("ssn", "hash", "after_load"),
        ("card", "redact", "after_load"),
        ("phone", "mask_digits", "dms"),
    ]
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
    assert post_grants["ssm:GetParameter"] == {
        "arn:aws:ssm:eu-west-1:123456789012:parameter/dms-orders-refresh/masking-rules"
    }
    # Every EC2 action of AWS's managed policy for VPC-attached functions (v3 added DescribeSubnets).
    assert set(post_grants) >= LAMBDA_VPC_ACCESS_EC2_ACTIONS
    assert SECRET_ARN in post_grants["secretsmanager:GetSecretValue"]
    for action, resources in post_grants.items():
        if "*" in resources:
            assert action in NO_RESOURCE_LEVEL, f"post_process: {action} is granted on '*'"
    (decrypt,) = [s for s in policies["post_process"]["Statement"] if s.get("Sid") == "DecryptTargetSecret"]
    assert decrypt["Resource"] == KEY_ARN
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }
    assert not any(action.startswith(("ec2:", "secretsmanager:")) for action in starter_grants)


def test_the_masking_key_never_reaches_a_plan_an_output_or_a_lambda_environment() -> None:
    name = "masking-after-load"
    raw, summary = plan_of(name)["raw"], summary_of(name)
    # The module creates the secret, never a version of it: the post-process Lambda stores the key.
    secret = summary["values"]["module.automation.aws_secretsmanager_secret.masking_key[0]"]
    assert secret["name"] == "dms-orders-refresh-masking-key"
    assert secret["kms_key_id"] == KEY_ARN
    assert "aws_secretsmanager_secret_version" not in summary["counts"]
    # Values, changes, variables and outputs; the configuration only describes inputs.
    text = json.dumps({key: value for key, value in raw.items() if key != "configuration"})
    assert "secret_string" not in text
    assert "salt" not in text.lower()
    for role in ("starter", "post_process"):
        variables = _function(name, role)["environment"][0]["variables"]
        assert not [
            k for k in variables if "SALT" in k or (k.startswith("MASKING_KEY") and k not in KEY_VARIABLES)
        ]
    variables = _function(name, "post_process")["environment"][0]["variables"]
    assert variables["MASKING_KEY_SECRET"] == "dms-orders-refresh-masking-key"  # a name, not a value
    assert variables["MASKING_KEY_GENERATE"] == "true"
    grants = _grants(_policies(summary)["post_process"])
    key_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-orders-refresh-masking-key-??????"
    assert grants["secretsmanager:GetSecretValue"] == {SECRET_ARN, key_arn}
    assert grants["secretsmanager:PutSecretValue"] == {key_arn}


def _lambda_environment_bytes(variables: dict[str, str]) -> int:
    """How Lambda measures an environment against its 4 KB: the JSON of the variables map."""
    return len(json.dumps(variables, separators=(",", ":")).encode())


def test_200_after_load_rules_plan_and_every_lambda_environment_fits_4_kb() -> None:
    name = "masking-after-load-200-rules"
    summary = summary_of(name)
    for role in ("starter", "post_process"):
        variables = _function(name, role)["environment"][0]["variables"]
        assert _lambda_environment_bytes(variables) <= 4096, role
    parameter = summary["values"]["module.automation.aws_ssm_parameter.masking_rules[0]"]
    rules = parse_rules(masking_document.decode(parameter["value"], "the parameter")["rules"])
    assert [(r.schema, r.table, r.column, r.strategy) for r in rules] == [
        (r["schema"], r["table"], r["column"], r["strategy"]) for r in many_rules.rules(200)
    ]
    # 200 rules compress to a Standard parameter (4 KB): Advanced (8 KB) is kept for more.
    assert parameter["tier"] == "Standard" and len(parameter["value"]) <= 4096
    # A given key: read, never written, and no secret created.
    grants = _grants(_policies(summary)["post_process"])
    given_key = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-masking-key-AbCdEf"
    assert grants["secretsmanager:GetSecretValue"] == {SECRET_ARN, given_key}
    assert "secretsmanager:PutSecretValue" not in grants
    assert "aws_secretsmanager_secret" not in summary["counts"]
    variables = _function(name, "post_process")["environment"][0]["variables"]
    assert (variables["MASKING_KEY_SECRET"], variables["MASKING_KEY_GENERATE"]) == (given_key, "false")


def test_an_environment_is_refused_only_past_4096_bytes_as_lambda_counts_them(tmp_path: Path) -> None:
    name = "masking-after-load-200-rules"
    host = "qa-target.cluster-abc.eu-west-1.rds.amazonaws.com"
    variables = _function(name, "post_process")["environment"][0]["variables"]
    assert variables["MASKING_DB_HOST"] == host
    # The same configuration with a host just long enough to fill 4096 bytes, then one more.
    fitting = host + "x" * (4096 - _lambda_environment_bytes(variables))
    for extra, refused in ((0, False), (1, True)):
        tfvars = tmp_path / f"long-host-{extra}.tfvars"
        tfvars.write_text(many_rules.tfvars(200, many_rules.COMMON.replace(host, fitting + "x" * extra)))
        if not refused:
            plan = initialised(FIXTURE).plan(output=True, tf_var_file=str(tfvars))
            planned = summarise(plan)["values"]["module.automation.aws_lambda_function.post_process"]
            assert _lambda_environment_bytes(planned["environment"][0]["variables"]) == 4096
            continue
        with pytest.raises(Exception) as error:
            initialised(FIXTURE).plan(output=True, tf_var_file=str(tfvars))
        assert "environment would be 4097 bytes as Lambda measures it" in error_text(error.value)


def test_rules_past_an_advanced_parameter_are_refused_at_plan_time_naming_the_size(tmp_path: Path) -> None:
    tfvars = tmp_path / "many.tfvars"
    # 1,100 rules with realistic names: past the 8 KB of an Advanced parameter once compressed.
    tfvars.write_text(many_rules.tfvars(1100, many_rules.COMMON))
    with pytest.raises(Exception) as refused:
        initialised(FIXTURE).plan(output=True, tf_var_file=str(tfvars))
    text = error_text(refused.value)
    assert "The masking rules document is" in text and "bytes once compressed" in text
    assert "over the 8 KB of an Advanced SSM parameter" in text


def test_the_coverage_check_is_configured_in_the_rules_document_with_a_metric_and_an_alarm() -> None:
    values = summary_of("masking-after-load")["values"]
    parameter = values["module.automation.aws_ssm_parameter.masking_rules[0]"]
    settings = CoverageSettings.from_document(masking_document.decode(parameter["value"], "p")["coverage"])
    assert settings == CoverageSettings(patterns=DEFAULT_PATTERNS, schemas=("hr", "payroll"), fail=True)
    metric = values["module.automation.aws_cloudwatch_log_metric_filter.unmasked_columns[0]"]
    assert metric["log_group_name"] == "/aws/lambda/dms-orders-refresh-post-process"
    (transformation,) = metric["metric_transformation"]
    assert (transformation["name"], transformation["value"]) == ("UnmaskedColumns", "$.uncovered_count")
    alarm = values['module.automation.aws_cloudwatch_metric_alarm.this["unmasked_columns"]']
    assert (alarm["statistic"], alarm["threshold"]) == ("Maximum", 1)
    # Without fail_on_unmasked_columns: the metric, no alarm; the default patterns, the rules' schemas.
    summary = summary_of("masking-after-load-200-rules")
    assert 'module.automation.aws_cloudwatch_metric_alarm.this["unmasked_columns"]' not in summary["values"]
    parameter = summary["values"]["module.automation.aws_ssm_parameter.masking_rules[0]"]
    coverage = masking_document.decode(parameter["value"], "p")["coverage"]
    assert coverage == {"patterns": list(DEFAULT_PATTERNS), "schemas": [], "fail": False}


def test_dms_masking_is_an_output_and_leaves_the_lambdas_alone() -> None:
    summary = summary_of("masking-dms")
    rules = summary["outputs"]["dms_transformation_rules"]
    assert [(r["rule-action"], r["object-locator"]["column-name"]) for r in rules] == [
        ("change-data-type", "ssn"),  # DMS's unkeyed hash (opted in) is 64 characters: widened first
        ("data-masking-hash-mask", "ssn"),
        ("data-masking-digits-mask", "phone"),
        ("data-masking-digits-randomize", "account"),
    ]
    assert rules[2]["value"] == "#"
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
            "tests/terraform",
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


def _resource(path: tuple[str, ...], kind: str, name: str) -> dict[str, Any]:
    with repo_path(*path).open() as handle:
        parsed = hcl2.load(handle)
    blocks = [
        {_unquote(k): {_unquote(n): v for n, v in b.items()} for k, b in r.items()}
        for r in parsed["resource"]
    ]
    return next(block[kind][name] for block in blocks if kind in block and name in block[kind])


def test_what_the_lambdas_write_on_the_rule_is_what_terraform_ignores() -> None:
    from dms_automation import trigger

    rule = _resource(("modules", "automation", "trigger.tf"), "aws_cloudwatch_event_rule", "this")
    ignored = {
        str(item).removeprefix("${").removesuffix("}") for item in rule["lifecycle"][0]["ignore_changes"]
    }
    assert ignored == set(trigger.WRITTEN)


def test_the_state_table_key_is_the_one_the_lambdas_use() -> None:
    from dms_automation import state

    table = _resource(("modules", "automation", "state.tf"), "aws_dynamodb_table", "state")
    assert _unquote(table["hash_key"]) == state.KEY
    assert [(_unquote(a["name"]), _unquote(a["type"])) for a in table["attribute"]] == [(state.KEY, "S")]
    assert "range_key" not in table


ASSESSMENT_BUCKET = "dms-assessments-123456789012-eu-west-1-"
ASSESSMENT_ROLE = "arn:aws:iam::123456789012:role/dms-orders-refresh-assessment"
ASSESSMENT_RUNS = "arn:aws:dms:eu-west-1:123456789012:assessment-run:*"
CDC_CHECK_ADDRESSES = {
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
}


@pytest.mark.parametrize("name", ["data-migration_cdc_one-time", "data-migration_full-load-and-cdc_one-time"])
def test_a_cdc_task_gets_the_source_check_bucket_role_and_grants(name: str) -> None:
    summary = summary_of(name)
    values = summary["values"]
    bucket = values["module.automation.aws_s3_bucket.assessments[0]"]
    assert bucket["bucket"].startswith(ASSESSMENT_BUCKET) and len(bucket["bucket"]) <= 63
    assert bucket["force_destroy"] is True
    block = values["module.automation.aws_s3_bucket_public_access_block.assessments[0]"]
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (sse,) = values["module.automation.aws_s3_bucket_server_side_encryption_configuration.assessments[0]"][
        "rule"
    ]
    assert sse["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    (expiry,) = values["module.automation.aws_s3_bucket_lifecycle_configuration.assessments[0]"]["rule"]
    assert expiry["status"] == "Enabled" and expiry["expiration"][0]["days"] == 90
    deny = json.loads(values["module.automation.aws_s3_bucket_policy.assessments[0]"]["policy"])["Statement"][
        0
    ]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    role = values["module.automation.aws_iam_role.assessment[0]"]
    assert role["name"] == "dms-orders-refresh-assessment"
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "dms.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": [ASSESSMENT_RUNS, TASK_ARN]},
    }
    written = _grants(_policies(summary)["assessment[0]"])
    bucket_arn = f"arn:aws:s3:::{bucket['bucket']}"
    assert written == {
        "s3:DeleteObject": {f"{bucket_arn}/*"},
        "s3:GetObject": {f"{bucket_arn}/*"},
        "s3:PutObject": {f"{bucket_arn}/*"},
        "s3:PutObjectTagging": {f"{bucket_arn}/*"},
        "s3:GetBucketLocation": {bucket_arn},
        "s3:ListBucket": {bucket_arn},
    }

    starter_policy = _policies(summary)["starter"]
    starter = _grants(starter_policy)
    assert starter["dms:StartReplicationTaskAssessmentRun"] == {TASK_ARN}
    assert starter["dms:DescribeApplicableIndividualAssessments"] == {TASK_ARN}
    # Filter-only calls: IAM authorizes them against "*" (a grant on the task is refused).
    for read in FILTER_ONLY:
        assert starter[read] == {"*"}
    assert starter["iam:PassRole"] == {ASSESSMENT_ROLE}
    (pass_role,) = [s for s in starter_policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "dms.amazonaws.com"}}
    assert "iam:PassRole" not in _grants(_policies(summary)["post_process"])

    environment = _function(name, "starter")["environment"][0]["variables"]
    assert environment["CDC_SOURCE_ASSESSMENT_BUCKET"] == bucket["bucket"]
    assert environment["CDC_SOURCE_ASSESSMENT_ROLE_ARN"] == ASSESSMENT_ROLE
    # The post-process Lambda does not check anything.
    assert (
        "CDC_SOURCE_ASSESSMENT_BUCKET" not in _function(name, "post_process")["environment"][0]["variables"]
    )


@pytest.mark.parametrize(
    "name", ["data-refresh_full-load_schedule", "data-migration_full-load_one-time", "cdc-source-unchecked"]
)
def test_no_source_check_for_full_load_or_when_turned_off(name: str) -> None:
    summary = summary_of(name)
    assert not CDC_CHECK_ADDRESSES & set(summary["counts"])
    assert "aws_iam_role_policy.assessment[0]" not in _policies(summary)
    starter = _grants(_policies(summary)["starter"])
    assert not {a for a in starter if "Assessment" in a} and "iam:PassRole" not in starter
    assert "CDC_SOURCE_ASSESSMENT_BUCKET" not in _function(name, "starter")["environment"][0]["variables"]


def test_the_masking_key_secret_leaves_its_name_free_on_destroy() -> None:
    """Deleted without a recovery window by default: the environment can be created again at once."""
    values = summary_of("masking-after-load")["values"]
    assert (
        values["module.automation.aws_secretsmanager_secret.masking_key[0]"]["recovery_window_in_days"] == 0
    )
