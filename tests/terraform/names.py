"""Names AWS would refuse: the same name twice where AWS keeps it unique, or a name it never takes.

Give ``collisions`` the plans of every configuration that shares one account and region (one
plan holding several roots, each its own part, or one root alone): it lists every name that two
planned resources would both claim, in the scope where AWS keeps that name unique. Security groups
are unique per VPC; IAM role names per account (in every region, and whatever the case); RDS and
DMS identifiers, S3 buckets and the rest per account and region. A resource created twice by one
configuration (two ``count`` instances, or two resources of two modules) is caught the same way as
two configurations that fight.

``refused_names`` checks each name against the length and characters AWS takes for it, so that the
naming rule of the modules (``NAME_PREFIX_PATTERN`` and the longest prefix per module) is proved by
planning the longest prefix the rule allows.

    from tests.terraform.names import collisions
    assert not collisions({"team-a": plan_a, "team-b": plan_b})
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The one naming rule of every module (its HCL copies: the name_prefix validations of the root
# module, modules/automation, modules/baseline and modules/environment; tests/terraform/test_names.py
# keeps them equal).
NAME_PREFIX_PATTERN = "^[a-z](-?[a-z0-9])*$"
# The longest prefix per module: the tightest AWS limit less the longest suffix the module adds.
NAME_PREFIX_MAX = {
    "automation": 64 - len("-post-process"),
    "baseline": 64 - len("-dms-secrets-access"),
    # The root module's "<name_prefix>-<environment key>", checked at the root for the key.
    "environment": 64 - len("-dms-secrets-access"),
}


@dataclass(frozen=True)
class Kind:
    """How AWS keeps one kind of name unique: the attribute, the scope, case-(in)sensitivity."""

    attribute: str
    namespace: str  # resource types sharing a namespace (RDS instances and cluster instances)
    scope: str = "region"  # "region", "account" (IAM: every region) or "vpc"
    case_insensitive: bool = False
    pattern: str | None = None  # what AWS accepts, whole-name
    max_length: int | None = None


# Per resource type. Sources: IAM quotas and identifiers ("IAM names ... are not distinguished by
# case", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); RDS "Naming
# constraints" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints);
# DMS identifiers as the CreateReplicationInstance/Task/Endpoint API references state them
# (letters, digits, hyphens, a letter first, no trailing or double hyphen); Lambda, SQS,
# EventBridge, DynamoDB, KMS, SSM, Secrets Manager, CloudWatch API references.
_DMS_ID = r"[A-Za-z](-?[A-Za-z0-9])*"
KINDS: dict[str, Kind | tuple[Kind, ...]] = {
    "aws_iam_role": Kind("name", "iam-role", "account", True, r"[\w+=,.@-]+", 64),
    "aws_iam_policy": Kind("name", "iam-policy", "account", True, r"[\w+=,.@-]+", 128),
    "aws_lambda_function": Kind("function_name", "lambda", pattern=r"[A-Za-z0-9_-]+", max_length=64),
    "aws_cloudwatch_log_group": Kind("name", "log-group", pattern=r"[\w#./-]+", max_length=512),
    "aws_cloudwatch_metric_alarm": Kind("alarm_name", "alarm", max_length=255),
    "aws_cloudwatch_event_rule": Kind("name", "event-rule", pattern=r"[\w.-]+", max_length=64),
    "aws_sns_topic": Kind("name", "sns-topic", pattern=r"[A-Za-z0-9_-]+(\.fifo)?", max_length=256),
    "aws_sqs_queue": Kind("name", "sqs-queue", pattern=r"[A-Za-z0-9_-]+(\.fifo)?", max_length=80),
    "aws_dynamodb_table": Kind("name", "dynamodb-table", pattern=r"[\w.-]{3,}", max_length=255),
    "aws_kms_alias": Kind("name", "kms-alias", pattern=r"alias/(?!aws/)[\w/-]+", max_length=256),
    "aws_secretsmanager_secret": Kind("name", "secret", pattern=r"[\w/+=.@-]+", max_length=512),
    "aws_ssm_parameter": Kind("name", "ssm-parameter", pattern=r"/?[\w.\-/]+", max_length=1011),
    "aws_s3_bucket": Kind("bucket", "s3-bucket", "account", True, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", 63),
    "aws_dms_event_subscription": Kind("name", "dms-event-subscription", max_length=255),
    "aws_dms_replication_instance": Kind(
        "replication_instance_id", "dms-replication-instance", "region", True, _DMS_ID, 63
    ),
    "aws_dms_replication_subnet_group": Kind(
        "replication_subnet_group_id", "dms-subnet-group", "region", True, r"[\w. -]+", 255
    ),
    "aws_dms_endpoint": Kind("endpoint_id", "dms-endpoint", "region", True, _DMS_ID, 255),
    "aws_dms_replication_task": Kind("replication_task_id", "dms-task", "region", True, _DMS_ID, 255),
    # DB instances and Aurora cluster instances share one namespace.
    "aws_db_instance": (
        Kind("identifier", "rds-db-instance", "region", True, r"[a-z](-?[a-z0-9])*", 63),
        Kind("final_snapshot_identifier", "rds-db-snapshot", "region", True, _DMS_ID, 255),
    ),
    "aws_rds_cluster_instance": Kind(
        "identifier", "rds-db-instance", "region", True, r"[a-z](-?[a-z0-9])*", 63
    ),
    "aws_rds_cluster": (
        Kind("cluster_identifier", "rds-cluster", "region", True, r"[a-z](-?[a-z0-9])*", 63),
        Kind("final_snapshot_identifier", "rds-cluster-snapshot", "region", True, _DMS_ID, 255),
    ),
    "aws_db_subnet_group": Kind("name", "rds-subnet-group", "region", True, r"[a-z0-9_. -]+", 255),
    "aws_security_group": Kind(
        "name", "security-group", "vpc", False, r"(?!sg-)[\w .:/()#,@\[\]+=&;{}!$*-]+", 255
    ),
}


@dataclass(frozen=True)
class Claim:
    """One name one planned resource takes."""

    plan: str
    address: str
    kind: Kind
    name: str
    scope: str


def _created(plan: Any) -> list[dict[str, Any]]:
    raw = plan._raw if hasattr(plan, "_raw") else plan
    return [
        change
        for change in raw.get("resource_changes", [])
        if change.get("mode") == "managed" and "create" in change["change"]["actions"]
    ]


def _vpc_scope(label: str, plan: Any, after: dict[str, Any]) -> str:
    """The VPC a security group is in: its id, or, unknown until apply, the VPC the plan creates.

    With no VPC or several VPCs created, an unknown ``vpc_id`` is taken as any VPC of the plan
    (a collision is reported rather than missed)."""
    if after.get("vpc_id"):
        return f"vpc {after['vpc_id']}"
    vpcs = [c["address"] for c in _created(plan) if c["type"] == "aws_vpc"]
    return f"vpc {vpcs[0]} of {label}" if len(vpcs) == 1 else f"a VPC created by {label}"


def claims(plans: Mapping[str, Any]) -> list[Claim]:
    """Every name a created resource of ``plans`` (label -> plan) takes, with its scope."""
    found: list[Claim] = []
    for label, plan in plans.items():
        for change in _created(plan):
            kinds = KINDS.get(change["type"])
            if kinds is None:
                continue
            after = change["change"].get("after") or {}
            for kind in kinds if isinstance(kinds, tuple) else (kinds,):
                name = after.get(kind.attribute)
                if not isinstance(name, str):
                    continue  # unknown until apply, or not set (no final snapshot)
                scope = _vpc_scope(label, plan, after) if kind.scope == "vpc" else kind.scope
                found.append(Claim(label, change["address"], kind, name, scope))
    return found


def collisions(plans: Mapping[str, Any]) -> list[str]:
    """One line per name claimed more than once in its scope, naming every claimant."""
    by_key: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for claim in claims(plans):
        name = claim.name.lower() if claim.kind.case_insensitive else claim.name
        by_key[(claim.kind.namespace, claim.scope, name)].append(claim)
    return [
        f"{namespace} {name!r} ({scope}): " + ", ".join(f"{c.plan}: {c.address}" for c in found)
        for (namespace, scope, name), found in sorted(by_key.items())
        if len(found) > 1
    ]


def refused_names(plans: Mapping[str, Any], accept: Callable[[Claim], bool] = lambda _: False) -> list[str]:
    """One line per planned name AWS would refuse (too long, or characters it does not take)."""
    found: list[str] = []
    for claim in claims(plans):
        if accept(claim):
            continue
        kind = claim.kind
        if kind.max_length is not None and len(claim.name) > kind.max_length:
            found.append(
                f"{claim.plan}: {claim.address} {kind.attribute} {claim.name!r}: over {kind.max_length}"
            )
        if kind.pattern is not None and not re.fullmatch(kind.pattern, claim.name):
            found.append(
                f"{claim.plan}: {claim.address} {kind.attribute} {claim.name!r}: not /{kind.pattern}/"
            )
    return found
