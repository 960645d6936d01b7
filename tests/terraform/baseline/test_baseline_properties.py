"""What modules/baseline's plans must hold, for every input set the plan tests use: who may assume
each role and what it may read or write, what is encrypted, what is reachable.

The inventories and test_baseline_plan.py check chosen cases; these hold for all of them, so a
widened grant or an unencrypted store fails here with its reason. They read the same plan of every
variant (test_baseline_plan.VARIANTS, planned together once), so they cost no plan of their own.
Most of the baseline's policies name ARNs known only after apply; what they grant is read from the
plan's configuration instead (tests.terraform.references).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.terraform import references
from tests.terraform.baseline.test_baseline_plan import MODULE, VARIANTS, baseline_plan

ACCOUNT, REGION = "123456789012", "eu-west-1"

# Who may assume each role, by its resource name: DMS (its account-wide roles), DMS in this
# region (the role an endpoint assumes to read its secret: "Using secrets to access AWS Database
# Migration Service endpoints", https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html),
# and Lambda (the preparation function).
TRUSTED_SERVICE = {
    "dms_vpc": "dms.amazonaws.com",
    "dms_cloudwatch_logs": "dms.amazonaws.com",
    "secrets_access": f"dms.{REGION}.amazonaws.com",
    "prepare_databases": "lambda.amazonaws.com",
}

# The AWS managed policies DMS's account-wide roles carry, by role
# (https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole).
MANAGED_POLICY = {
    "dms_vpc": "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
    "dms_cloudwatch_logs": "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole",
}

# The only actions granted on "*": they have no resource-level permissions (Service
# Authorization Reference for EC2); every other action names its resources.
ONLY_ON_EVERY_RESOURCE = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}

variants = pytest.mark.parametrize("name", list(VARIANTS))


def _planned(name: str) -> dict[str, dict[str, Any]]:
    """Planned values by address (without ``module.baseline.``), unknown values as None."""
    plan = baseline_plan(name)
    found: dict[str, dict[str, Any]] = {}
    for change in plan._raw["resource_changes"]:
        if change["mode"] == "managed" and change["address"].startswith(MODULE):
            found[change["address"].removeprefix(MODULE)] = change["change"]["after"] or {}
    return found


def _of_type(planned: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in planned.items() if a.split(".")[0] == kind}


def _name(address: str) -> str:
    return address.split(".")[1].split("[")[0]


def _configuration(name: str = "defaults") -> dict[str, dict[str, Any]]:
    module = baseline_plan(name)._raw["configuration"]["root_module"]["module_calls"]["baseline"]["module"]
    return {r["address"]: r for r in module["resources"]}


@variants
def test_each_role_trusts_only_its_service(name: str) -> None:
    planned = _planned(name)
    roles = _of_type(planned, "aws_iam_role")
    assert roles
    for address, role in roles.items():
        assert _name(address) in TRUSTED_SERVICE, (
            f"{address}: a new role; say in TRUSTED_SERVICE who assumes it"
        )
        for statement in json.loads(role["assume_role_policy"])["Statement"]:
            assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole"), address
            assert statement["Principal"] == {"Service": TRUSTED_SERVICE[_name(address)]}, address
    attached = {
        _name(address): (attachment["role"], attachment["policy_arn"])
        for address, attachment in _of_type(planned, "aws_iam_role_policy_attachment").items()
    }
    assert attached == {
        role: (roles[f"aws_iam_role.{role}[0]"]["name"], MANAGED_POLICY[role])
        for role in MANAGED_POLICY
        if f"aws_iam_role.{role}[0]" in roles
    }


def _statements(document: dict[str, Any]) -> dict[str, tuple[set[str], set[str], list[str] | None]]:
    """The static statements of a policy document's configuration, by Sid: (actions, what the
    resources read through locals, constant resources)."""
    found = {}
    for statement in document["expressions"].get("statement", []):
        resources = statement.get("resources", {})
        read = references.sources(list(resources.get("references", [])), "baseline")
        found[statement["sid"]["constant_value"]] = (
            set(statement["actions"]["constant_value"]),
            read,
            resources.get("constant_value"),
        )
    return found


def test_the_endpoints_role_reads_only_the_two_dms_user_secrets() -> None:
    statements = _statements(_configuration()["data.aws_iam_policy_document.secrets_access"])
    assert set(statements) == {"ReadEndpointSecrets"}  # with a given key, a Decrypt through Secrets Manager
    actions, read, _ = statements["ReadEndpointSecrets"]
    assert actions == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    # var.create_target only decides whether the target's secret exists; it names no secret.
    assert read - {"var.create_target"} == {
        f"{prefix}{side}{suffix}"
        for side in ("source", "target")
        for prefix, suffix in (("var.", "_dms_secret_arn"), ("aws_secretsmanager_secret.dms_", "[0].arn"))
    }, read


def test_the_preparation_function_reads_the_master_secrets_and_writes_only_the_dms_ones() -> None:
    config = _configuration()
    statements = _statements(config["data.aws_iam_policy_document.prepare_databases"])
    masters = {
        "aws_db_instance.source.master_user_secret[0].secret_arn",
        "aws_rds_cluster.target[0].master_user_secret[0].secret_arn",
    }
    by_action = {action: (sid, read) for sid, (actions, read, _) in statements.items() for action in actions}
    sid, read = by_action["secretsmanager:GetSecretValue"]
    assert {r for r in read if not r.startswith("var.")} == masters, f"{sid} reads {read}"
    sid, read = by_action["secretsmanager:PutSecretValue"]
    assert references.resources_read(read) == {
        "aws_secretsmanager_secret.dms_source",
        "aws_secretsmanager_secret.dms_target",
        "aws_secretsmanager_secret.masking",  # the masking user's (masking_user)
    }, f"{sid} writes {read}"
    sid, read = by_action["logs:PutLogEvents"]
    assert references.resources_read(read) == {"aws_cloudwatch_log_group.prepare_databases"}, f"{sid}: {read}"
    for sid, (actions, read, constant) in statements.items():
        assert not [a for a in actions if "*" in a], f"{sid}: {actions}"
        if constant is not None and "*" in constant:
            assert actions <= ONLY_ON_EVERY_RESOURCE, f"{sid}: {sorted(actions)} on '*'"
        # Secrets Manager: only the five secrets above, whatever the statement.
        if any(a.startswith("secretsmanager:") for a in actions):
            assert references.resources_read(read) <= {
                "aws_db_instance.source",
                "aws_rds_cluster.target",
                "aws_secretsmanager_secret.dms_source",
                "aws_secretsmanager_secret.dms_target",
                "aws_secretsmanager_secret.masking",
            }, f"{sid}: {read}"


@variants
def test_known_policies_grant_nothing_on_every_resource_but_reads(name: str) -> None:
    for address, values in _of_type(_planned(name), "aws_iam_role_policy").items():
        if not values.get("policy"):
            continue  # names ARNs known after apply: read from the configuration above
        for statement in json.loads(values["policy"])["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if "*" in resources:
                assert set(actions) <= ONLY_ON_EVERY_RESOURCE, f"{address}: {actions} on '*'"
            for resource in set(resources) - {"*"}:
                assert resource.split(":")[3:5] == [REGION, ACCOUNT], f"{address}: {resource}"


@variants
def test_data_at_rest_is_encrypted_with_the_key_and_nothing_is_public(name: str) -> None:
    planned = _planned(name)
    key = VARIANTS[name].get("kms_key_arn")
    keyed = {
        "aws_db_instance": ("kms_key_id", "master_user_secret_kms_key_id"),
        "aws_rds_cluster": ("kms_key_id", "master_user_secret_kms_key_id"),
        "aws_dms_replication_instance": ("kms_key_arn",),
        "aws_dms_endpoint": ("kms_key_arn",),
        "aws_secretsmanager_secret": ("kms_key_id",),
        "aws_cloudwatch_log_group": ("kms_key_id",),
    }
    for kind, attributes in keyed.items():
        for address, values in _of_type(planned, kind).items():
            for attribute in attributes:
                # The given key everywhere; without one each service's own default encryption.
                if key:
                    assert values.get(attribute) == key, f"{address}.{attribute} = {values.get(attribute)!r}"
    for kind in ("aws_db_instance", "aws_rds_cluster"):
        for address, values in _of_type(planned, kind).items():
            assert values["storage_encrypted"] is True, address
            assert values["manage_master_user_password"] is True, address
    for kind in ("aws_db_instance", "aws_rds_cluster_instance", "aws_dms_replication_instance"):
        for address, values in _of_type(planned, kind).items():
            assert values["publicly_accessible"] is False, address
    for address, values in _of_type(planned, "aws_subnet").items():
        assert values["map_public_ip_on_launch"] is False, address
    assert not _of_type(planned, "aws_internet_gateway") and not _of_type(planned, "aws_nat_gateway")
    # Nothing admits the internet: every ingress names a security group of the plan.
    for address, rule in _of_type(planned, "aws_vpc_security_group_ingress_rule").items():
        assert rule.get("cidr_ipv4") is None and rule.get("cidr_ipv6") is None, f"{address} admits {rule}"
    # The only egress to any address is HTTPS (AWS APIs from your own VPC).
    for address, rule in _of_type(planned, "aws_vpc_security_group_egress_rule").items():
        if rule.get("cidr_ipv4") == "0.0.0.0/0":
            assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443), address


def test_the_plan_names_no_other_region_or_account() -> None:
    text = json.dumps([baseline_plan(name)._raw["planned_values"] for name in VARIANTS])
    for arn in re.findall(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:", text):
        region, account = arn.split(":")[3:5]
        assert region in ("", REGION) and account in ("", ACCOUNT, "aws"), arn
