"""Names that cannot collide: two teams' roots in one account and region, and the naming rule.

Two roots with the baseline and after-load masking (team-a, team-b) share one account, one region
and one VPC: no name AWS keeps unique may be claimed twice. The longest prefix the rule allows is
planned for the root module and modules/automation, and every name must be one AWS takes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import hcl2
import pytest

from tests import tf
from tests.terraform.names import NAME_PREFIX_MAX, NAME_PREFIX_PATTERN, claims, collisions, refused_names

ROOT_FIXTURE = "tests/terraform/root/fixture"
AUTOMATION_FIXTURE = "tests/terraform/automation/fixture"
SHARED_VPC = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
}
AFTER_LOAD_RULES = [
    {"schema": "HR", "table": "EMPLOYEES", "column": "SSN", "strategy": "mask_digits", "where": "dms"},
    {"schema": "HR", "table": "EMPLOYEES", "column": "EMAIL", "strategy": "fake_email"},
]
TASK_ARN = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LONGEST_ROOT = "a" + "-b" * ((NAME_PREFIX_MAX["baseline"] - 1) // 2)
LONGEST_AUTOMATION = "a" * NAME_PREFIX_MAX["automation"]


MODE = {
    "migration_refresh_indicator": "data-refresh",
    "migration_refresh_type": "full-load",
    "schedule_or_one_time": "schedule",
}


def _team(prefix: str) -> dict[str, Any]:
    return {
        "create_baseline": True,
        "name_prefix": prefix,
        "baseline": SHARED_VPC,
        "table_selection": [{"schema": "HR"}],
        "masking_rules": AFTER_LOAD_RULES,
    }


# One production source (instance, endpoint and network) that both teams refresh from.
SHARED_SOURCE = {
    "replication_instance_arn": "arn:aws:dms:eu-west-1:123456789012:rep:SHAREDINSTANCE",
    "source_endpoint_arn": "arn:aws:dms:eu-west-1:123456789012:endpoint:PRODSOURCE",
    "vpc_id": SHARED_VPC["vpc_id"],
    "db_subnet_group_name": "production-databases",
    "replication_instance_security_group_id": "sg-0123456789abcdef0",
}
DMS_RULES = [
    {"schema": "HR", "table": "EMPLOYEES", "column": "SSN", "strategy": "mask_digits", "where": "dms"}
]
# The longest prefix environments allow: "<name_prefix>-<key>" is modules/environment's prefix.
LONGEST_ENVIRONMENT_KEY = "dev"
LONGEST_ENVIRONMENTS = "a" + "-b" * ((NAME_PREFIX_MAX["environment"] - len(LONGEST_ENVIRONMENT_KEY) - 2) // 2)


def _team_environments(prefix: str) -> dict[str, Any]:
    """A team's dev, stage and qa, each with a created target, on the shared source."""
    return {
        "name_prefix": prefix,
        "shared_source": SHARED_SOURCE,
        "table_selection": [{"schema": "HR"}],
        "environments": {
            "dev": {"schedule_expression": "cron(0 1 * * ? *)"},
            "stage": {"schedule_expression": "cron(0 3 * * ? *)", "masking_rules": DMS_RULES},
            "qa": {"schedule_expression": "cron(0 5 ? * MON *)"},
        },
    }


CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "team-a": (ROOT_FIXTURE, _team("team-a")),
    "team-b": (ROOT_FIXTURE, _team("team-b")),
    "team-a-environments": (ROOT_FIXTURE, _team_environments("team-a")),
    "team-b-environments": (ROOT_FIXTURE, _team_environments("team-b")),
    # The longest prefix with environments, on the baseline (its names and the environments').
    "longest-environments": (
        ROOT_FIXTURE,
        {
            "create_baseline": True,
            "name_prefix": LONGEST_ENVIRONMENTS,
            "environments": {LONGEST_ENVIRONMENT_KEY: {"masking_rules": DMS_RULES}},
        },
    ),
    # The longest prefixes, with the most names: the baseline's own VPC and endpoints, masking.
    "longest-root": (
        ROOT_FIXTURE,
        {"create_baseline": True, "name_prefix": LONGEST_ROOT, "masking_rules": AFTER_LOAD_RULES},
    ),
    # No prefix: the task identifier, in lower case, cut to 51 characters without a trailing hyphen.
    "default-prefix": (AUTOMATION_FIXTURE, {"replication_task_id": "X" * 46 + "-tail", **MODE}),
    "longest-automation-cdc": (
        AUTOMATION_FIXTURE,
        {
            "name_prefix": LONGEST_AUTOMATION,
            "migration_refresh_indicator": "data-migration",
            "migration_refresh_type": "cdc",
            "schedule_or_one_time": "one-time",
        },
    ),
    "longest-automation-masking": (
        AUTOMATION_FIXTURE,
        {
            "name_prefix": LONGEST_AUTOMATION,
            "migration_refresh_indicator": "data-refresh",
            "migration_refresh_type": "full-load",
            "schedule_or_one_time": "schedule",
            "masking_rules": AFTER_LOAD_RULES,
            "masking_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf",
            "masking_vpc_config": {
                "subnet_ids": SHARED_VPC["subnet_ids"],
                "security_group_ids": ["sg-0123456789abcdef0"],
            },
            "fail_on_unmasked_columns": True,
        },
    ),
}


@functools.cache
def plans() -> dict[str, Any]:
    return tf.plan_calls({name: (tfdir, tf.hcl_assignments(v)) for name, (tfdir, v) in CALLS.items()})


def test_two_teams_in_one_account_region_and_vpc_claim_no_name_twice() -> None:
    teams = {name: plans()[name] for name in ("team-a", "team-b")}
    assert not collisions(teams), "\n".join(collisions(teams))


def test_two_teams_with_environments_on_one_shared_source_claim_no_name_twice() -> None:
    teams = {name: plans()[name] for name in ("team-a-environments", "team-b-environments")}
    assert not collisions(teams), "\n".join(collisions(teams))
    # Each team's three environments are all there, with names of their own.
    names = {c.name for c in claims(teams)}
    for team in ("team-a", "team-b"):
        for key in ("dev", "stage", "qa"):
            assert {
                f"{team}-{key}-target",  # DMS endpoint, RDS cluster, security group in the shared VPC
                f"{team}-{key}-task",
                f"{team}-{key}-dms-secrets-access",
                f"{team}-{key}-dms-target",
                f"{team}-{key}-starter",
                f"{team}-{key}-run-state",
            } <= names, (team, key)


def test_the_checker_sees_every_name_two_teams_environments_would_fight_over() -> None:
    # The same team twice (or two teams without their own prefix): every environment's names.
    same = collisions({"team-a": plans()["team-a-environments"], "again": plans()["team-a-environments"]})
    namespaces = {line.split(" ", 1)[0] for line in same}
    assert {"iam-role", "rds-cluster", "rds-db-instance", "dms-endpoint", "dms-task", "secret"} <= namespaces
    assert "security-group" in namespaces  # the targets' groups, in the one shared VPC
    assert sum("'team-a-dev-" in line for line in same) >= 10, same


def test_the_checker_sees_every_name_two_roots_with_one_prefix_would_fight_over() -> None:
    # The finding, reproduced: the same root twice claims every name of both modules.
    same = collisions({"team-a": plans()["team-a"], "team-a-again": plans()["team-a"]})
    namespaces = {line.split(" ", 1)[0] for line in same}
    assert namespaces >= {
        "iam-role",
        "lambda",
        "log-group",
        "alarm",
        "event-rule",
        "sns-topic",
        "sqs-queue",
        "dynamodb-table",
        "kms-alias",
        "secret",
        "ssm-parameter",
        "dms-event-subscription",
        "dms-replication-instance",
        "dms-subnet-group",
        "dms-endpoint",
        "dms-task",
        "rds-db-instance",
        "rds-cluster",
        "rds-subnet-group",
        "security-group",
    }, sorted(namespaces)
    assert len(same) >= 36  # the issue counted 36 shared names without the masking ones


def test_the_default_prefix_follows_the_rule() -> None:
    starter = plans()["default-prefix"].resource_changes["module.automation.aws_lambda_function.starter"]
    assert starter["change"]["after"]["function_name"] == "dms-" + "x" * 46 + "-starter"


@pytest.mark.parametrize(
    "name",
    [
        "default-prefix",
        "longest-root",
        "longest-automation-cdc",
        "longest-automation-masking",
        "longest-environments",
    ],
)
def test_the_longest_prefix_the_rule_allows_gives_names_aws_accepts(name: str) -> None:
    plan = {name: plans()[name]}
    assert not refused_names(plan), "\n".join(refused_names(plan))
    longest = max(len(claim) for claim in _names(plan))
    assert longest >= 60  # the limit is reached, not merely respected


def _names(plan: dict[str, Any]) -> list[str]:
    return [c.name for c in claims(plan) if c.kind.max_length == 64]


def _name_prefix_conditions(path: str) -> str:
    with tf.repo_path(path).open() as handle:
        variables = {
            name.strip('"'): body for block in hcl2.load(handle)["variable"] for name, body in block.items()
        }
    return " ".join(v["condition"] for v in variables["name_prefix"]["validation"])


@pytest.mark.parametrize(
    ("path", "limits"),
    [
        ("variables.tf", ["var.create_baseline ? 45 : 51"]),
        ("modules/automation/variables.tf", ["<= 51"]),
        ("modules/baseline/variables.tf", ["<= 45"]),
        ("modules/environment/variables.tf", ["<= 45"]),
    ],
)
def test_one_naming_rule_in_every_module(path: str, limits: list[str]) -> None:
    conditions = _name_prefix_conditions(path)
    # hcl2 keeps the expression's text; the pattern's backslash-free text is the same in all.
    assert f'regex("{NAME_PREFIX_PATTERN}"' in conditions, conditions
    for limit in limits:
        assert limit in conditions, conditions
    assert NAME_PREFIX_MAX == {"automation": 51, "baseline": 45, "environment": 45}


@pytest.mark.parametrize(
    ("prefix", "accepted"),
    [
        ("team-a", True),
        ("a1", True),
        ("a", True),
        ("Team-a", False),
        ("team_a", False),
        ("team--a", False),
        ("team-a-", False),
        ("1team", False),
        ("-team", False),
    ],
)
def test_the_rule(prefix: str, accepted: bool) -> None:
    assert bool(re.fullmatch(NAME_PREFIX_PATTERN, prefix)) is accepted


def test_a_missing_or_bad_prefix_is_refused_at_the_consumers_own_line() -> None:
    message = tf.plan_error(ROOT_FIXTURE, {"create_baseline": "true", "name_prefix": "Team_A"})
    assert 'in module "dms_automation":' in message
    assert "name_prefix = var.name_prefix" in message  # the fixture's own argument line
    assert 'name_prefix = "Team_A" (6 characters) is not allowed' in message


# The checker itself, on hand-made plans.


def _plan(*changes: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "resource_changes": [
            {
                "address": address,
                "type": kind,
                "mode": "managed",
                "change": {"actions": ["create"], "after": after},
            }
            for address, kind, after in changes
        ]
    }


def test_security_groups_collide_per_vpc_only() -> None:
    one = _plan(("aws_security_group.a", "aws_security_group", {"name": "x", "vpc_id": "vpc-1"}))
    same_vpc = _plan(("aws_security_group.b", "aws_security_group", {"name": "x", "vpc_id": "vpc-1"}))
    other_vpc = _plan(("aws_security_group.b", "aws_security_group", {"name": "x", "vpc_id": "vpc-2"}))
    assert collisions({"a": one, "b": same_vpc})
    assert not collisions({"a": one, "b": other_vpc})


def test_two_groups_of_one_name_in_the_vpc_the_plan_creates_collide() -> None:
    # The root's and the baseline's "<prefix>-vpc-endpoints" in the baseline's new VPC.
    plan = _plan(
        ("module.baseline[0].aws_vpc.this[0]", "aws_vpc", {}),
        ("aws_security_group.vpc_endpoints[0]", "aws_security_group", {"name": "p-vpc-endpoints"}),
        (
            "module.baseline[0].aws_security_group.vpc_endpoints[0]",
            "aws_security_group",
            {"name": "p-vpc-endpoints"},
        ),
    )
    found = collisions({"root": plan})
    assert len(found) == 1 and "p-vpc-endpoints" in found[0], found


def test_iam_and_rds_names_collide_whatever_the_case() -> None:
    upper = _plan(
        ("aws_iam_role.a", "aws_iam_role", {"name": "Team-starter"}),
        ("aws_db_instance.a", "aws_db_instance", {"identifier": "team-source"}),
    )
    lower = _plan(
        ("aws_iam_role.a", "aws_iam_role", {"name": "team-starter"}),
        ("aws_rds_cluster_instance.a", "aws_rds_cluster_instance", {"identifier": "TEAM-SOURCE"}),
    )
    assert len(collisions({"a": upper, "b": lower})) == 2
    lambdas = [
        _plan((f"aws_lambda_function.{n}", "aws_lambda_function", {"function_name": n})) for n in ("F", "f")
    ]
    assert not collisions({"a": lambdas[0], "b": lambdas[1]})


def test_names_aws_refuses_are_reported() -> None:
    plan = _plan(
        ("aws_iam_role.a", "aws_iam_role", {"name": "r" * 65}),
        (
            "aws_dms_replication_instance.a",
            "aws_dms_replication_instance",
            {"replication_instance_id": "a--b"},
        ),
    )
    assert len(refused_names({"x": plan})) == 2
