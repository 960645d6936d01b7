"""What modules/automation's plans must hold, for every valid case: what each role may do, who may
assume it, what each alarm watches, which function each rule invokes, what is encrypted.

The inventories (test_automation_plan.py) notice any change of a plan; these say which changes are
wrong, so a widened action or an alarm on the wrong function fails here with its reason. They read
the same plans (``valid_plans``: one plan of every valid case), so they cost no plan of their own.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.terraform.inventory import UNKNOWN, collect, refused, summarise, valid_plans
from tests.terraform.references import attribute_sources, resources_read

CASES_DIR = Path(__file__).parent
VALID = [case.name for case in collect(CASES_DIR) if not refused(case)]
MODULE = "module.automation."
ACCOUNT, REGION = "123456789012", "eu-west-1"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Actions the Service Authorization Reference lists with no resource type, so a policy can only
# grant them on "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/
# list_awsdatabasemigrationservice.html, list_amazonec2.html, list_awsx-ray.html). All read,
# except X-Ray's, which write the function's own traces. No other action may be granted on "*".
ONLY_ON_EVERY_RESOURCE = {
    "dms:DescribeConnections",
    "dms:DescribeReplicationTaskAssessmentRuns",
    "dms:DescribeReplicationTaskIndividualAssessments",
    "dms:DescribeReplicationTasks",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}

# The action patterns a policy may use: the KMS families AWS's own policies name for a service that
# encrypts on a caller's behalf (DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/
# developerguide/encryption.usagenotes.html). No other action may be a pattern.
ACTION_FAMILIES = {"kms:GenerateDataKey*", "kms:ReEncrypt*"}

# Who may assume each role the module creates, by the role's resource name.
TRUSTED_SERVICE = {
    "starter": "lambda.amazonaws.com",
    "post_process": "lambda.amazonaws.com",
    "assessment": "dms.amazonaws.com",
}


@dataclass(frozen=True)
class Planned:
    """One case's plan: planned values and configuration by address (without ``module.automation.``)."""

    name: str
    inputs: dict[str, Any]
    values: dict[str, dict[str, Any]]
    config: dict[str, dict[str, Any]]

    @property
    def prefix(self) -> str:
        return str(self.inputs.get("name_prefix") or "dms-orders-refresh")

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {a: v for a, v in self.values.items() if a.split(".")[0] == kind}

    def configuration(self, address: str) -> dict[str, Any]:
        """The configuration block a planned address comes from (its index dropped)."""
        return self.config[re.sub(r"\[[^\]]*\]$", "", address)]

    def reads(self, address: str, attribute: str) -> set[str]:
        """The resources the planned attribute's expression reads (through locals)."""
        return resources_read(attribute_sources(self.configuration(address), attribute, "automation"))

    def function_name(self, resource: str) -> str:
        """The planned name of a function, given as ``aws_lambda_function.<name>``."""
        return str(self.values[resource]["function_name"])


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    return value


@functools.cache
def planned(name: str) -> Planned:
    plan = valid_plans(CASES_DIR)[name]
    values = {
        address.removeprefix(MODULE): attributes
        for address, attributes in summarise(plan)["values"].items()
        if address.startswith(MODULE)
    }
    module = plan._raw["configuration"]["root_module"]["module_calls"]["automation"]["module"]
    config = {resource["address"]: resource for resource in module["resources"]}
    with (CASES_DIR / f"{name}.tfvars").open() as handle:
        inputs = _unquote(hcl2.load(handle))
    return Planned(name, inputs, values, config)


cases = pytest.mark.parametrize("name", VALID)


################################################################################
# IAM: what each role may do
################################################################################


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(policy: str) -> list[dict[str, Any]]:
    return list(json.loads(policy)["Statement"])


def _policies(p: Planned) -> dict[str, list[dict[str, Any]]]:
    """The statements of every identity policy of the plan, by the role they belong to."""
    found: dict[str, list[dict[str, Any]]] = {}
    for address, values in {**p.of_type("aws_iam_role_policy"), **p.of_type("aws_iam_policy")}.items():
        (role,) = p.reads(address, "role") or {address}
        name = role.split(".")[1]
        found.setdefault(name, []).extend(_statements(values["policy"]))
    return found


def _grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for statement in statements:
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, set()).update(_as_list(statement["Resource"]))
    return grants


def _is_read(action: str) -> bool:
    return action.split(":")[1].startswith(("Describe", "Get", "List"))


@cases
def test_no_role_may_change_anything_everywhere_or_outside_this_account(name: str) -> None:
    p = planned(name)
    policies = _policies(p)
    assert {"starter", "post_process"} <= set(policies)
    for role, statements in policies.items():
        for statement in statements:
            assert statement["Effect"] == "Allow", f"{role}: {statement}"
            assert not {"NotAction", "NotResource"} & set(statement), f"{role}: {statement}"
            for action in _as_list(statement["Action"]):
                assert "*" not in action or action in ACTION_FAMILIES, f"{role} may {action}"
                if "*" in _as_list(statement["Resource"]):
                    assert action in ONLY_ON_EVERY_RESOURCE, f"{role}: {action} is granted on '*'"
        for action, resources in _grants(statements).items():
            for resource in resources - {"*"}:
                service, region, account = resource.split(":")[2:5]
                if service == "s3":  # bucket ARNs name no account: the module's own bucket only
                    bucket = p.values["aws_s3_bucket.assessments[0]"]["bucket"]
                    assert resource.split(":::")[1].split("/")[0] == bucket, f"{role}: {action} on {resource}"
                    continue
                assert account == ACCOUNT, f"{role}: {action} on {resource}, outside account {ACCOUNT}"
                assert region in ("", REGION), f"{role}: {action} on {resource}, outside {REGION}"
                assert service == action.split(":")[0], f"{role}: {action} on {resource}"


def _rule_and_table(p: Planned) -> tuple[set[str], set[str]]:
    return {p.arn("events", f"rule/{p.prefix}-trigger")}, {p.arn("dynamodb", f"table/{p.prefix}-run-state")}


def _assert_own_rule_and_state(p: Planned, role: str, grants: dict[str, set[str]]) -> None:
    rule, table = _rule_and_table(p)
    events = {action for action in grants if action.startswith("events:")}
    # Enable and disable its own trigger, nothing else of EventBridge (no PutRule, PutTargets).
    assert events == {"events:DescribeRule", "events:DisableRule", "events:EnableRule"}, f"{role}: {events}"
    for action in events:
        assert grants[action] == rule, f"{role}: {action} on {sorted(grants[action])}, not only {rule}"
    dynamodb = {action for action in grants if action.startswith("dynamodb:")}
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= dynamodb, role
    for action in dynamodb:
        assert grants[action] == table, f"{role}: {action} on {sorted(grants[action])}, not only {table}"
    assert "dynamodb:DeleteItem" not in dynamodb and "dynamodb:DeleteTable" not in dynamodb, role


@cases
def test_the_starter_may_start_this_task_and_switch_its_own_rule_only(name: str) -> None:
    p = planned(name)
    statements = _policies(p)["starter"]
    grants = _grants(statements)
    assert grants["dms:StartReplicationTask"] == {TASK_ARN}
    # The Describe call has no resource-level permission ("*"); a tighter grant names this task.
    assert grants["dms:DescribeReplicationTasks"] in ({"*"}, {TASK_ARN})
    dms_writes = {action for action in grants if action.startswith("dms:") and not _is_read(action)}
    assert dms_writes <= {
        "dms:StartReplicationTask",
        "dms:StartReplicationTaskAssessmentRun",
        "dms:TestConnection",
    }, f"the starter may {sorted(dms_writes)}"
    for action in ("dms:StartReplicationTaskAssessmentRun",):
        assert grants.get(action, {TASK_ARN}) == {TASK_ARN}, action
    # Connection tests: the task's endpoints and instance, of this account and region, never "*".
    connection = re.compile(rf"^arn:aws:dms:{REGION}:{ACCOUNT}:(endpoint|rep):[A-Za-z0-9*_-]+$")
    for resource in grants.get("dms:TestConnection", set()):
        assert connection.match(resource), f"dms:TestConnection on {resource}"
    # The assessment reads: this task and its assessment runs only, but for the two list calls that
    # take filters only and so are authorized on "*" alone (ONLY_ON_EVERY_RESOURCE).
    run = re.compile(rf"^arn:aws:dms:{REGION}:{ACCOUNT}:assessment-run:[A-Za-z0-9*_-]+$")
    for action in (a for a in grants if "Assessment" in a and _is_read(a)):
        for resource in grants[action]:
            if resource == "*" and action in ONLY_ON_EVERY_RESOURCE:
                continue
            assert resource == TASK_ARN or run.match(resource), f"{action} on {resource}"
    _assert_own_rule_and_state(p, "starter", grants)
    # The one role it may hand to DMS: the assessment role, and only to DMS.
    for statement in statements:
        if "iam:PassRole" in _as_list(statement["Action"]):
            # Under any IAM path (iam_role_path).
            role = re.compile(rf"^arn:aws:iam::{ACCOUNT}:role/([\w+=,.@-]+/)*{p.prefix}-assessment$")
            assert [r for r in _as_list(statement["Resource"]) if not role.match(r)] == [], statement
            assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "dms.amazonaws.com"}}
    assert not [a for a in grants if a.startswith(("secretsmanager:", "ssm:", "ec2:", "lambda:"))]


@cases
def test_the_post_process_cannot_start_the_task_and_reads_only_the_masking_secrets(name: str) -> None:
    p = planned(name)
    grants = _grants(_policies(p)["post_process"])
    dms = {action for action in grants if action.startswith("dms:")}
    assert all(_is_read(action) for action in dms), f"the post-process may {sorted(dms)}"
    assert grants["dms:DescribeTableStatistics"] == {TASK_ARN}
    _assert_own_rule_and_state(p, "post_process", grants)
    assert grants["lambda:InvokeFunction"] == {p.arn("lambda", f"function:{p.prefix}-post-process")}

    after_load = "aws_ssm_parameter.masking_rules[0]" in p.values
    secrets = {action for action in grants if action.startswith("secretsmanager:")}
    ssm = {action for action in grants if action.startswith("ssm:")}
    if not after_load:
        assert not secrets and not ssm, f"no after-load masking, yet {sorted(secrets | ssm)}"
        return
    # The target's credentials, and the masking key (given, or created by the module).
    target = p.inputs["masking_secret_arn"]
    created = p.values.get("aws_secretsmanager_secret.masking_key[0]")
    key = (
        p.arn("secretsmanager", f"secret:{created['name']}-??????")
        if created
        else p.inputs.get("masking_key_secret_arn")
    )
    assert target in grants["secretsmanager:GetSecretValue"] <= {target, key}
    assert secrets <= {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}
    # A key is written only where the module created its secret.
    assert grants.get("secretsmanager:PutSecretValue", set()) == ({key} if created else set())
    parameter = p.values["aws_ssm_parameter.masking_rules[0]"]["name"]
    assert ssm == {"ssm:GetParameter"}
    assert grants["ssm:GetParameter"] == {p.arn("ssm", f"parameter{parameter}")}


@cases
def test_only_each_roles_service_may_assume_it_and_only_for_this_task(name: str) -> None:
    p = planned(name)
    roles = p.of_type("aws_iam_role")
    assert roles
    for address, values in roles.items():
        role = address.split(".")[1].split("[")[0]
        assert role in TRUSTED_SERVICE, f"{address}: a new role; say in TRUSTED_SERVICE who may assume it"
        for statement in _statements(values["assume_role_policy"]):
            assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole", address
            assert statement["Principal"] == {"Service": TRUSTED_SERVICE[role]}, address
            conditions = statement.get("Condition", {})
            if role == "assessment":
                # The confused-deputy conditions DMS documents for its service roles: this
                # account, and this task or its assessment runs (CHAP_Security.html,
                # "Cross-service confused deputy prevention").
                account = conditions.get("StringEquals", {}).get("aws:SourceAccount")
                assert account == ACCOUNT, f"{address}: aws:SourceAccount is {account!r}"
                run = re.compile(rf"^arn:aws:dms:{REGION}:{ACCOUNT}:assessment-run:[A-Za-z0-9*_-]+$")
                arns = _as_list(conditions.get("ArnLike", {}).get("aws:SourceArn", []))
                assert arns and all(a == TASK_ARN or run.match(a) for a in arns), f"{address}: {arns}"
            for test in conditions.values():
                for key, value in test.items():
                    if key == "aws:SourceAccount":
                        assert value == ACCOUNT, address


################################################################################
# Alarms: what each watches, whom it tells
################################################################################


def _alarms(p: Planned) -> dict[str, dict[str, Any]]:
    found = {}
    for address, values in p.of_type("aws_cloudwatch_metric_alarm").items():
        key = re.search(r'\["(.+)"\]$', address)
        found[key.group(1) if key else address] = values
    return found


# The JSON log lines each metric counts: the decision the post-process Lambda logs (the lines
# tests/unit/test_endings.py and tests/masking/test_masking_coverage.py find in its logs) and the
# field counted ("1" per line, or the line's own count). CloudWatch Logs filter pattern syntax,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
COUNTED = {
    "aws_cloudwatch_log_metric_filter.task_failed": ("run-failed", "1"),
    "aws_cloudwatch_log_metric_filter.unmasked_columns[0]": ("masking-coverage", "$.uncovered_count"),
}


def _filter_metric(p: Planned, address: str, log_group: str) -> tuple[str, str]:
    metric_filter = p.values[address]
    assert metric_filter["log_group_name"] == p.values[log_group]["name"], address
    decision, value = COUNTED[address]
    assert metric_filter["pattern"] == f'{{ $.decision = "{decision}" }}', (
        f"{address}: {metric_filter['pattern']}"
    )
    (transformation,) = metric_filter["metric_transformation"]
    assert transformation["value"] == value, f"{address} counts {transformation['value']}"
    return transformation["namespace"], transformation["name"]


@cases
def test_each_alarm_watches_its_own_function_queue_or_log_and_tells_the_alarm_topic(name: str) -> None:
    p = planned(name)
    alarms = _alarms(p)
    starter = p.function_name("aws_lambda_function.starter")
    post = p.function_name("aws_lambda_function.post_process")
    queue = p.values["aws_sqs_queue.dead_letter"]["name"]
    watched = {
        "starter_errors": ("AWS/Lambda", "Errors", {"FunctionName": starter}, "Sum"),
        "post_process_errors": ("AWS/Lambda", "Errors", {"FunctionName": post}, "Sum"),
        "dead_letter": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue}, "Maximum"),
        # What the post-process Lambda logs when a run fails, counted from its own log group.
        "task_failed": (
            *_filter_metric(
                p, "aws_cloudwatch_log_metric_filter.task_failed", "aws_cloudwatch_log_group.post_process"
            ),
            None,
            "Sum",
        ),
    }
    if p.inputs.get("fail_on_unmasked_columns") and "aws_ssm_parameter.masking_rules[0]" in p.values:
        watched["unmasked_columns"] = (
            *_filter_metric(
                p,
                "aws_cloudwatch_log_metric_filter.unmasked_columns[0]",
                "aws_cloudwatch_log_group.post_process",
            ),
            None,
            "Maximum",
        )
    assert set(alarms) == set(watched)
    topic = p.inputs.get("alarm_sns_topic_arn")
    for key, alarm in alarms.items():
        namespace, metric, dimensions, statistic = watched[key]
        assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
            namespace,
            metric,
            statistic,
        ), key
        assert (alarm["dimensions"] or None) == dimensions, f"{key} watches {alarm['dimensions']}"
        # Fires on the first failure in five minutes; no data is no failure.
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold", key
        assert (alarm["threshold"], alarm["evaluation_periods"], alarm["period"]) == (1, 1, 300), key
        assert alarm["treat_missing_data"] == "notBreaching", key
        actions = [topic] if topic else []
        assert (alarm["alarm_actions"] or []) == (alarm["ok_actions"] or []) == actions, key
    # Lambda writes a function's logs to /aws/lambda/<function name>: the filters read those.
    assert p.values["aws_cloudwatch_log_group.post_process"]["name"] == f"/aws/lambda/{post}"
    assert p.values["aws_cloudwatch_log_group.starter"]["name"] == f"/aws/lambda/{starter}"


################################################################################
# Events: which function each rule and the topic invoke
################################################################################


@cases
def test_each_rule_invokes_its_function_which_admits_that_rule(name: str) -> None:
    p = planned(name)
    schedule = p.inputs.get("schedule_or_one_time") == "schedule"
    expected = {
        "aws_cloudwatch_event_rule.this": "aws_lambda_function.starter",
        "aws_cloudwatch_event_rule.dms_events": "aws_lambda_function.post_process",
    }
    if schedule:
        expected["aws_cloudwatch_event_rule.watchdog"] = "aws_lambda_function.starter"
    rules = {re.sub(r"\[\d+\]$", "", a): v for a, v in p.of_type("aws_cloudwatch_event_rule").items()}
    assert set(rules) == set(expected)
    targets = p.of_type("aws_cloudwatch_event_target")
    wired = {}
    for address, target in targets.items():
        (rule,) = p.reads(address, "rule")
        (function,) = p.reads(address, "arn")
        assert target["rule"] == rules[rule]["name"], address
        wired[rule] = function
        # What a target could not deliver is kept in the module's queue.
        assert p.reads(address, "dead_letter_config") == {"aws_sqs_queue.dead_letter"}, address
    assert wired == expected, f"rule -> function: {wired}"
    # Each function admits exactly the rules (and the topic) that invoke it.
    admitted = {}
    for address, permission in p.of_type("aws_lambda_permission").items():
        assert permission["action"] == "lambda:InvokeFunction", address
        (source,) = p.reads(address, "source_arn")
        principal = "sns.amazonaws.com" if source.startswith("aws_sns_topic.") else "events.amazonaws.com"
        assert permission["principal"] == principal, address
        admitted[source] = permission["function_name"]
    assert admitted == {
        **{rule: p.function_name(function) for rule, function in expected.items()},
        "aws_sns_topic.this": p.function_name("aws_lambda_function.post_process"),
    }, f"source -> function admitting it: {admitted}"
    # The trigger follows the schedule given; the watchdog tells the starter it is the watchdog.
    trigger = rules["aws_cloudwatch_event_rule.this"]
    assert trigger["schedule_expression"] == p.inputs.get("schedule_expression", "cron(0 0 * * ? *)")
    if schedule:
        watchdog = targets["aws_cloudwatch_event_target.watchdog[0]"]
        assert json.loads(watchdog["input"]) == {"dms_automation": "watchdog"}
    assert targets["aws_cloudwatch_event_target.this"].get("input") in (None, "")
    # The topic DMS publishes to delivers to the post-process Lambda.
    subscription = p.values["aws_sns_topic_subscription.post_process"]
    assert subscription["protocol"] == "lambda"
    assert p.reads("aws_sns_topic_subscription.post_process", "endpoint") == {
        "aws_lambda_function.post_process"
    }
    assert p.reads("aws_sns_topic_subscription.post_process", "topic_arn") == {"aws_sns_topic.this"}
    assert p.reads("aws_dms_event_subscription.this", "sns_topic_arn") == {"aws_sns_topic.this"}


################################################################################
# Encryption: everything that holds data, under the given key or the module's own
################################################################################

# Where each type keeps the key that encrypts it.
KEY_ATTRIBUTE = {
    "aws_cloudwatch_log_group": "kms_key_id",
    "aws_lambda_function": "kms_key_arn",
    "aws_secretsmanager_secret": "kms_key_id",
    "aws_sns_topic": "kms_master_key_id",
    "aws_ssm_parameter": "key_id",
}


@cases
def test_everything_that_holds_data_is_encrypted_with_the_key(name: str) -> None:
    p = planned(name)
    given = p.inputs.get("kms_key_arn")
    assert ("aws_kms_key.this[0]" in p.values) == (given is None)

    def assert_keyed(address: str, attribute: str, value: Any) -> None:
        if given:
            assert value == given, f"{address}.{attribute} = {value!r}, not the given key"
        else:  # the module's key, whose ARN is known after apply
            assert value == UNKNOWN, f"{address}.{attribute} = {value!r}"
            assert "aws_kms_key.this" in p.reads(address, attribute), f"{address}.{attribute}"

    for kind, attribute in KEY_ATTRIBUTE.items():
        for address, values in p.of_type(kind).items():
            assert_keyed(address, attribute, values[attribute])
    for address, values in p.of_type("aws_ssm_parameter").items():
        assert values["type"] == "SecureString", address
    for address, values in p.of_type("aws_dynamodb_table").items():
        (sse,) = values["server_side_encryption"]
        assert sse["enabled"] is True, address
        # A customer managed key: without kms_key_arn DynamoDB would use an AWS managed key.
        if given:
            assert sse["kms_key_arn"] == given, address
        else:
            assert "aws_kms_key.this" in p.reads(address, "server_side_encryption"), address
    for address, values in p.of_type("aws_sqs_queue").items():
        # The given key, or SQS-managed encryption (EventBridge and SNS need no key policy then).
        if given:
            assert values["kms_master_key_id"] == given, address
        else:
            assert values["sqs_managed_sse_enabled"] is True, address
    buckets = p.of_type("aws_s3_bucket")
    for kind in ("aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_public_access_block"):
        covered = {p.reads(address, "bucket").pop() for address in p.of_type(kind)}
        assert covered == {re.sub(r"\[\d+\]$", "", a) for a in buckets}, kind
    for values in p.of_type("aws_s3_bucket_server_side_encryption_configuration").values():
        (rule,) = values["rule"]
        assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] in ("AES256", "aws:kms")
    for address, values in p.of_type("aws_s3_bucket_public_access_block").items():
        flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        assert all(values[flag] is True for flag in flags), address
