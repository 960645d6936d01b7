"""Plan checks of modules/baseline: what a user would notice in the plan, offline."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests import tf
from tests.terraform import references
from tests.terraform.inventory import Case, assert_case, collect

FIXTURE = "tests/terraform/baseline/fixture"
CASES = collect(Path(__file__).parent)
MODULE = "module.baseline."


# The fixture's variants (VARIANTS, at the end) are planned together in one plan
# (tests.tf.plan_cases), once by the test process that runs this file (tests are distributed
# by file).


@functools.cache
def _variants() -> dict[str, Any]:
    return tf.plan_cases(FIXTURE, {name: tf.hcl_assignments(v) for name, v in VARIANTS.items()})


def baseline_plan(name: str) -> Any:
    """The plan of the fixture with the inputs ``VARIANTS[name]`` (untyped: HCL/JSON literals)."""
    return _variants()[name]


def plan_error(tf_vars: dict[str, Any]) -> str:
    message = tf.plan_error(FIXTURE, {k: json.dumps(v) for k, v in tf_vars.items()})
    # Terraform wraps long messages; compare them on one line.
    return " ".join(message.replace("\\n", " ").split())


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def planned(plan: Any) -> dict[str, dict[str, Any]]:
    """Planned values of every managed resource, by address without the module prefix."""
    return {
        r["address"].removeprefix(MODULE): r["values"]
        for r in _resources(plan._raw["planned_values"]["root_module"])
        if r["mode"] == "managed"
    }


def unknown(plan: Any, address: str) -> dict[str, Any]:
    return plan.resource_changes[MODULE + address]["change"]["after_unknown"]


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in resources.items() if a.split("[")[0].split(".")[0] == kind}


def rules(plan: Any) -> list[dict[str, Any]]:
    return json.loads(plan.outputs["table_mappings"])["rules"]


@pytest.fixture(scope="module")
def default_plan() -> Any:
    return baseline_plan("defaults")


def test_defaults_create_network_databases_and_task(default_plan: Any) -> None:
    resources = planned(default_plan)
    assert resources["aws_vpc.this[0]"]["cidr_block"] == "10.0.0.0/16"
    subnets = of_type(resources, "aws_subnet")
    assert sorted(s["availability_zone"] for s in subnets.values()) == ["eu-west-1a", "eu-west-1b"]
    assert not any(s["map_public_ip_on_launch"] for s in subnets.values())
    assert resources["aws_db_instance.source"]["engine"].startswith("oracle")
    assert resources["aws_rds_cluster.target[0]"]["engine"] == "aurora-mysql"
    task = resources["aws_dms_replication_task.this[0]"]
    assert task["migration_type"] == "full-load"
    assert task["start_replication_task"] is False
    assert default_plan.outputs["replication_task_id"] == "dms-task"


def test_account_wide_dms_roles_are_never_created_here(default_plan: Any) -> None:
    # dms-vpc-role and dms-cloudwatch-logs-role live in modules/dms-iam-roles (once per account).
    roles = {v["name"] for v in of_type(planned(default_plan), "aws_iam_role").values()}
    assert roles == {"dms-dms-secrets-access", "dms-prepare-databases"}
    assert not of_type(planned(default_plan), "aws_iam_role_policy_attachment")


def test_roles_an_earlier_version_created_are_forgotten_not_destroyed() -> None:
    # Every replication instance of the account needs them: an upgrade must not delete them.
    with tf.repo_path("modules/baseline/iam.tf").open() as handle:
        removed = hcl2.load(handle).get("removed", [])
    forgotten = {block["from"].strip("${}") for block in removed if not block["lifecycle"][0]["destroy"]}
    assert forgotten == {
        "aws_iam_role.dms_vpc",
        "aws_iam_role_policy_attachment.dms_vpc",
        "aws_iam_role.dms_cloudwatch_logs",
        "aws_iam_role_policy_attachment.dms_cloudwatch_logs",
    }


def test_storage_is_encrypted_and_nothing_is_public(default_plan: Any) -> None:
    resources = planned(default_plan)
    source = resources["aws_db_instance.source"]
    assert source["storage_encrypted"] is True
    assert source["publicly_accessible"] is False
    assert resources["aws_rds_cluster.target[0]"]["storage_encrypted"] is True
    assert resources["aws_rds_cluster_instance.target[0]"]["publicly_accessible"] is False
    instance = resources["aws_dms_replication_instance.this"]
    assert instance["publicly_accessible"] is False
    # DMS encrypts the instance storage with the account's default key when none is given.
    assert instance.get("kms_key_arn") is None or unknown(default_plan, "aws_dms_replication_instance.this")


def test_passwords_live_in_secrets_manager_never_in_the_plan(default_plan: Any) -> None:
    resources = planned(default_plan)
    source, target = resources["aws_db_instance.source"], resources["aws_rds_cluster.target[0]"]
    assert source["manage_master_user_password"] is True and source.get("password") is None
    assert target["manage_master_user_password"] is True and target.get("master_password") is None
    for endpoint_address in ("aws_dms_endpoint.source", "aws_dms_endpoint.target[0]"):
        endpoint = resources[endpoint_address]
        assert endpoint.get("password") is None and endpoint.get("username") is None
        after_unknown = unknown(default_plan, endpoint_address)
        # The RDS-managed secret and the access role are created in the same apply.
        assert after_unknown["secrets_manager_arn"] is True
        assert after_unknown["secrets_manager_access_role_arn"] is True


def test_secrets_access_role_is_regional_dms_and_scoped_to_the_two_secrets() -> None:
    result = baseline_plan("given-secrets-and-key")
    resources = planned(result)
    role = resources["aws_iam_role.secrets_access"]
    trust = json.loads(role["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "dms.eu-west-1.amazonaws.com"}
    policy = json.loads(resources["aws_iam_role_policy.secrets_access"]["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert sorted(by_sid["ReadEndpointSecrets"]["Resource"]) == [
        DMS_SECRET.format("source"),
        DMS_SECRET.format("target"),
    ]
    assert by_sid["DecryptEndpointSecrets"]["Resource"] == KEY_ARN
    assert resources["aws_dms_endpoint.source"]["secrets_manager_arn"] == DMS_SECRET.format("source")
    assert resources["aws_dms_endpoint.target[0]"]["secrets_manager_arn"] == DMS_SECRET.format("target")
    assert resources["aws_db_instance.source"]["kms_key_id"] == KEY_ARN
    assert resources["aws_rds_cluster.target[0]"]["kms_key_id"] == KEY_ARN
    assert resources["aws_dms_replication_instance.this"]["kms_key_arn"] == KEY_ARN


def test_security_groups_allow_only_dms_to_the_databases(default_plan: Any) -> None:
    resources = planned(default_plan)
    for group in of_type(resources, "aws_security_group").values():
        assert group.get("ingress") in (None, []), "rules are separate resources"
    for kind in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in of_type(resources, kind).values():
            assert rule.get("cidr_ipv4") is None and rule.get("cidr_ipv6") is None
    ports = sorted(
        (address.split(".")[1], rule["from_port"], rule["to_port"])
        for address, rule in of_type(resources, "aws_vpc_security_group_ingress_rule").items()
    )
    assert ports == [
        ('source["prepare"]', 1521, 1521),  # the database preparation function
        ('source["replication_instance"]', 1521, 1521),
        ('target["prepare"]', 3306, 3306),
        ('target["replication_instance"]', 3306, 3306),
        ("vpc_endpoints_from_clients[0]", 443, 443),  # Secrets Manager, for the preparation function
        ("vpc_endpoints_from_replication_instance[0]", 443, 443),  # Secrets Manager, for DMS
    ]
    assert resources["aws_default_security_group.this[0]"].get("ingress") in (None, [])


def test_default_table_mappings_select_everything(default_plan: Any) -> None:
    assert rules(default_plan) == [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "select-1",
            "object-locator": {"schema-name": "%", "table-name": "%"},
            "rule-action": "include",
            "filters": [],
        }
    ]
    task = planned(default_plan)["aws_dms_replication_task.this[0]"]
    assert json.loads(task["table_mappings"]) == {"rules": rules(default_plan)}


def test_table_selection_renders_documented_selection_rules_and_filters() -> None:
    result = baseline_plan("selection")
    assert rules(result) == [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "select-1",
            "object-locator": {"schema-name": "HR", "table-name": "EMP%"},
            "rule-action": "include",
            "filters": [],
        },
        {
            "rule-type": "selection",
            "rule-id": "2",
            "rule-name": "no-audit",
            "object-locator": {"schema-name": "HR", "table-name": "EMP_AUDIT"},
            "rule-action": "exclude",
            "filters": [],
        },
        {
            "rule-type": "selection",
            "rule-id": "3",
            "rule-name": "select-3",
            "object-locator": {"schema-name": "SALES", "table-name": "ORDERS"},
            "rule-action": "include",
            "filters": [
                {
                    "filter-type": "source",
                    "column-name": "REGION",
                    "filter-conditions": [{"filter-operator": "eq", "value": "EU"}],
                },
                {
                    "filter-type": "source",
                    "column-name": "ORDER_DATE",
                    "filter-conditions": [
                        {
                            "filter-operator": "between",
                            "start-value": "2024-01-01",
                            "end-value": "2024-12-31",
                        },
                        {"filter-operator": "null"},
                    ],
                },
            ],
        },
    ]


MASK_RULE = {
    "rule-type": "transformation",
    "rule-id": "1",
    "rule-name": "mask-email",
    "rule-target": "column",
    "object-locator": {"schema-name": "HR", "table-name": "EMPLOYEES", "column-name": "EMAIL"},
    "rule-action": "remove-column",
}


@pytest.mark.parametrize("as_json", [False, True], ids=["objects", "json"])
def test_extra_rules_follow_the_selection_rules_with_fresh_ids(as_json: bool) -> None:
    result = baseline_plan("extra-rules-json" if as_json else "extra-rules-objects")
    rendered = rules(result)
    assert [(r["rule-type"], r["rule-id"], r["rule-name"]) for r in rendered] == [
        ("selection", "1", "select-1"),
        ("selection", "2", "select-2"),
        ("transformation", "3", "mask-email"),
        ("transformation", "4", "mask-phone"),
    ]
    assert rendered[2]["object-locator"] == MASK_RULE["object-locator"]


def test_expert_json_overrides_selection_and_keeps_extra_rules() -> None:
    result = baseline_plan("expert-json")
    assert rules(result) == [EXPERT["rules"][0], {**MASK_RULE, "rule-id": "11"}]


def test_restore_from_snapshot_and_cdc_task() -> None:
    result = baseline_plan("snapshot-cdc")
    resources = planned(result)
    source = resources["aws_db_instance.source"]
    assert source["snapshot_identifier"] == "prod-oracle-2024-06-01"
    assert source["manage_master_user_password"] is True
    assert source["storage_encrypted"] is True
    assert source.get("username") is None
    assert resources["aws_dms_replication_task.this[0]"]["migration_type"] == "cdc"


def test_bring_your_own_vpc_and_subnets() -> None:
    resources = planned(baseline_plan("own-vpc"))
    assert not of_type(resources, "aws_vpc") and not of_type(resources, "aws_subnet")
    assert sorted(resources["aws_dms_replication_subnet_group.this"]["subnet_ids"]) == SUBNETS
    assert sorted(resources["aws_db_subnet_group.this"]["subnet_ids"]) == SUBNETS
    for group in of_type(resources, "aws_security_group").values():
        assert group["vpc_id"] == "vpc-0123456789abcdef0"


def test_given_availability_zones_are_used() -> None:
    resources = planned(baseline_plan("zones"))
    assert sorted(s["availability_zone"] for s in of_type(resources, "aws_subnet").values()) == [
        "eu-west-1b",
        "eu-west-1c",
    ]


@pytest.mark.parametrize(
    ("tf_vars", "expected"),
    [
        ({"vpc_id": "vpc-0123456789abcdef0"}, "subnet_ids and vpc_id go together"),
        (
            {"subnet_ids": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]},
            "subnet_ids and vpc_id go together",
        ),
        ({"migration_refresh_type": "full"}, 'must be one of full-load, full-load-and-cdc, cdc; got "full"'),
        ({"availability_zones": ["eu-west-1a"]}, "availability_zones must list at least two zones"),
        (
            {"name_prefix": "Bad_Name"},
            'name_prefix = "Bad_Name" (8 characters) is not allowed; use lower-case letters, digits',
        ),
        # The regular expression alone let 79 characters through (one "-x" pair counted once).
        ({"name_prefix": "a" + "-b" * 23}, "(47 characters) is not allowed"),
        ({"name_prefix": "team--a"}, "single hyphens"),
        ({"create_dms_iam_roles": True}, "Create them once per account with modules/dms-iam-roles"),
        (
            {"table_selection": [{"schema": "HR", "action": "skip"}]},
            "action must be include, exclude or explicit",
        ),
        ({"table_selection": [{"schema": "HR", "action": "exclude"}]}, "needs at least one include"),
        (
            {
                "table_selection": [
                    {
                        "schema": "HR",
                        "filters": [{"column": "ID", "conditions": [{"operator": "eq", "value": "1"}]}],
                    }
                ]
            },
            "filters are only allowed on include or explicit rules naming one exact schema and table",
        ),
        (
            {
                "table_selection": [
                    {
                        "schema": "HR",
                        "table": "EMP",
                        "filters": [{"column": "ID", "conditions": [{"operator": "between", "start": "1"}]}],
                    }
                ]
            },
            "between or notbetween with start and end",
        ),
        (
            {"extra_table_mapping_rules": [{"rule-name": "x"}]},
            'each with "rule-type" set to selection, transformation',
        ),
        (
            {"table_mappings_json": '{"rule": []}'},
            'table_mappings_json must be a JSON document with a "rules" list',
        ),
        ({"masking_user": {"schemas": []}}, "masking_user.schemas must name at least one schema"),
        (
            {"masking_user": {"schemas": ["HR`"]}},
            "every schema name (schemas, coverage_schemas, progress_schema)",
        ),
        (
            {"masking_user": {"schemas": ["dms_automation"]}},
            'masking_user.progress_schema "dms_automation" is also in masking_user.schemas',
        ),
        ({"masking_user": {"schemas": ["HR"], "username": "Masker"}}, 'masking_user.username = "Masker"'),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_input_is_refused_with_an_actionable_message(tf_vars: dict[str, Any], expected: str) -> None:
    assert expected in plan_error(tf_vars)


# ---------------------------------------------------------------------------------------------
# A real account: Secrets Manager reachable from the replication instance, engine for masking
# ---------------------------------------------------------------------------------------------


def _references(plan: Any, address: str, attribute: str) -> list[str]:
    config = plan._raw["configuration"]["root_module"]["module_calls"]["baseline"]["module"]
    (resource,) = [r for r in config["resources"] if r["address"] == address]

    def collect(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            yield from node.get("references", [])
            for key, value in node.items():
                if key != "references":
                    yield from collect(value)
        elif isinstance(node, list):
            for value in node:
                yield from collect(value)

    return list(collect(resource["expressions"][attribute]))


def test_a_created_network_reaches_secrets_manager_from_the_replication_instance(default_plan: Any) -> None:
    # DMS 3.4.7+ reads endpoint secrets through Secrets Manager from the replication instance.
    resources = planned(default_plan)
    endpoint = resources["aws_vpc_endpoint.secretsmanager[0]"]
    assert endpoint["service_name"] == "com.amazonaws.eu-west-1.secretsmanager"
    assert endpoint["vpc_endpoint_type"] == "Interface"
    assert endpoint["private_dns_enabled"] is True
    egress = resources['aws_vpc_security_group_egress_rule.replication_instance["secrets_manager"]']
    ingress = resources["aws_vpc_security_group_ingress_rule.vpc_endpoints_from_replication_instance[0]"]
    for rule in (egress, ingress):
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    # The egress names the endpoint's group (an entry of a map: test_baseline_upgrade.py pins which
    # group each rule names); in a created network the instance has no route to anywhere else.
    assert egress.get("cidr_ipv4") is None
    assert unknown(
        default_plan, 'aws_vpc_security_group_egress_rule.replication_instance["secrets_manager"]'
    )["referenced_security_group_id"]
    assert 'aws_vpc_security_group_egress_rule.replication_instance["aws_apis"]' not in resources
    assert "aws_security_group.replication_instance.id" in _references(
        default_plan,
        "aws_vpc_security_group_ingress_rule.vpc_endpoints_from_replication_instance",
        "referenced_security_group_id",
    )
    assert "aws_security_group.vpc_endpoints[0].id" in _references(
        default_plan, "aws_vpc_endpoint.secretsmanager", "security_group_ids"
    )


def test_your_own_vpc_gets_https_egress_instead_of_an_endpoint() -> None:
    resources = planned(baseline_plan("own-vpc"))
    assert not of_type(resources, "aws_vpc_endpoint")
    rule = resources['aws_vpc_security_group_egress_rule.replication_instance["aws_apis"]']
    assert (rule["from_port"], rule["to_port"], rule["cidr_ipv4"]) == (443, 443, "0.0.0.0/0")
    assert 'aws_vpc_security_group_egress_rule.replication_instance["secrets_manager"]' not in resources


MASKING_RULE = {
    "rule-type": "transformation",
    "rule-name": "mask-ssn",
    "rule-target": "column",
    "object-locator": {"schema-name": "HR", "table-name": "EMPLOYEES", "column-name": "SSN"},
    "rule-action": "data-masking-hash-mask",
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, "3.5.4"), ("3.5.4", "3.5.4"), ("3.6.1", "3.6.1")],
    ids=["null", "3.5.4", "3.6.1"],
)
def test_dms_masking_rules_run_on_engine_3_5_4_or_later(given: str | None, expected: str) -> None:
    instance = planned(baseline_plan(f"dms-masking-{given}"))["aws_dms_replication_instance.this"]
    assert instance["engine_version"] == expected


def test_without_dms_masking_the_engine_is_the_dms_default(default_plan: Any) -> None:
    instance = planned(default_plan)["aws_dms_replication_instance.this"]
    assert instance.get("engine_version") is None


@pytest.mark.parametrize(
    ("tf_vars", "expected"),
    [
        (
            {"extra_table_mapping_rules": [MASKING_RULE], "replication_instance_engine_version": "3.5.3"},
            'replication_instance_engine_version = "3.5.3" is too old for the task\'s DMS data-masking rules',
        ),
        (
            {"replication_instance_engine_version": "3.5"},
            'replication_instance_engine_version = "3.5" is not a DMS engine version',
        ),
    ],
    ids=["too-old-for-masking", "not-a-version"],
)
def test_engine_versions_that_cannot_work_are_refused(tf_vars: dict[str, Any], expected: str) -> None:
    assert expected in plan_error(tf_vars)


# ---------------------------------------------------------------------------------------------
# Endpoint secrets: dedicated DMS users' secrets, filled at run time by the preparation function
# ---------------------------------------------------------------------------------------------


def test_endpoints_read_dms_user_secrets_not_the_rds_managed_master_secrets(default_plan: Any) -> None:
    resources = planned(default_plan)
    for side in ("source", "target"):
        # Its own side's DMS user secret, given or created; followed through the module's locals.
        refs = _references(default_plan, f"aws_dms_endpoint.{side}", "secrets_manager_arn")
        # var.create_target decides whether the target's secret exists; it names no secret.
        found = references.sources(refs, "baseline") - {"var.create_target"}
        assert found == {f"var.{side}_dms_secret_arn", f"aws_secretsmanager_secret.dms_{side}[0].arn"}, found
        secret = resources[f"aws_secretsmanager_secret.dms_{side}[0]"]
        assert secret["name"] == f"dms-dms-{side}"
    # Terraform creates the containers only: no version, no value, anywhere in the plan.
    assert not of_type(resources, "aws_secretsmanager_secret_version")
    secret_keys = {"password", "master_password", "secret_string", "secret_binary", "password_wo"}

    def values_set(node: Any, path: str = "") -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in secret_keys and value not in (None, "", False, True):
                    yield f"{path}.{key}"
                yield from values_set(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from values_set(value, f"{path}[{index}]")

    assert not list(values_set(default_plan._raw["planned_values"]))
    assert not list(values_set([c["change"]["after"] for c in default_plan._raw["resource_changes"]]))
    # The access role DMS assumes reads the DMS users' secrets only.
    policy_refs = references.sources(
        _references(default_plan, "data.aws_iam_policy_document.secrets_access", "statement"), "baseline"
    )
    assert not [r for r in policy_refs if "master_user_secret" in r], policy_refs
    assert {f"aws_secretsmanager_secret.dms_{side}[0].arn" for side in ("source", "target")} <= policy_refs


def test_the_preparation_function_runs_on_apply_in_the_network_with_least_privilege(
    default_plan: Any,
) -> None:
    resources = planned(default_plan)
    function = resources["aws_lambda_function.prepare_databases[0]"]
    assert function["handler"] == "dms_automation.db_prep.handler"
    assert function["runtime"] == "python3.12"
    assert function.get("environment") in (None, [])  # nothing to leak
    assert function["layers"] == [FIXTURE_LAYER_ARN]
    invocation = resources["aws_lambda_invocation.prepare_databases[0]"]
    assert invocation["triggers"]["sides"] == "source,target"
    assert invocation["triggers"]["source_cdc"] == "false"  # full-load: no CDC preparation
    ports = {
        address.split(".")[1]: (rule["from_port"], rule["to_port"])
        for address, rule in resources.items()
        if "prepare" in address and address.startswith("aws_vpc_security_group_")
    }
    assert ports == {
        'prepare["source"]': (1521, 1521),
        'prepare["target"]': (3306, 3306),
        'prepare["secrets_manager"]': (443, 443),
        'source["prepare"]': (1521, 1521),
        'target["prepare"]': (3306, 3306),
    }
    # The Secrets Manager endpoint admits the function.
    assert "aws_vpc_security_group_ingress_rule.vpc_endpoints_from_clients[0]" in resources
    statements = _references(default_plan, "data.aws_iam_policy_document.prepare_databases", "statement")
    joined = " ".join(statements)
    assert (
        "aws_db_instance.source.master_user_secret" in joined
        and "aws_rds_cluster.target[0].master_user_secret" in joined
    )
    assert (
        "aws_secretsmanager_secret.dms_source" in joined and "aws_secretsmanager_secret.dms_target" in joined
    )


def test_a_cdc_task_prepares_the_oracle_source_for_cdc() -> None:
    invocation = planned(baseline_plan("full-load-and-cdc"))["aws_lambda_invocation.prepare_databases[0]"]
    assert invocation["triggers"]["source_cdc"] == "true"


def test_given_dms_secrets_need_no_preparation() -> None:
    resources = planned(baseline_plan("given-dms-secrets"))
    assert not [a for a in resources if "prepare" in a or a.startswith("aws_secretsmanager_secret.")]


def test_a_given_source_secret_leaves_only_the_target_to_prepare_and_a_layer_is_used() -> None:
    resources = planned(baseline_plan("given-source-secret-and-layer"))
    invocation = resources["aws_lambda_invocation.prepare_databases[0]"]
    assert invocation["triggers"]["sides"] == "target"
    assert invocation["triggers"]["target_schemas"] == "HR,SALES"
    assert resources["aws_lambda_function.prepare_databases[0]"]["layers"] == [LAYER_ARN]
    assert "aws_secretsmanager_secret.dms_source[0]" not in resources


def test_without_preparation_the_containers_stay_for_you_to_fill() -> None:
    resources = planned(baseline_plan("no-preparation"))
    assert "aws_secretsmanager_secret.dms_source[0]" in resources
    assert not [a for a in resources if "prepare_databases" in a]


def test_the_masking_user_gets_its_own_secret_and_is_prepared_with_only_its_schemas() -> None:
    plan = baseline_plan("masking-user")
    resources = planned(plan)
    secret = resources["aws_secretsmanager_secret.masking[0]"]
    assert secret["name"] == "dms-masking"
    assert secret["kms_key_id"] == KEY_ARN
    assert (
        secret["recovery_window_in_days"]
        == resources["aws_secretsmanager_secret.dms_target[0]"]["recovery_window_in_days"]
    )
    invocation = resources["aws_lambda_invocation.prepare_databases[0]"]
    assert json.loads(invocation["triggers"]["masking_user"]) == {
        "schemas": ["HR", "HR"],
        "coverage_schemas": ["HR", "CRM"],
        "progress_schema": "dms_automation",
        "username": "dms_masking",
    }
    # The function may write the masking secret, and nothing but the three secrets it fills.
    statements = _references(plan, "data.aws_iam_policy_document.prepare_databases", "statement")
    assert "aws_secretsmanager_secret.masking" in " ".join(statements)
    assert plan.resource_changes[MODULE + "aws_secretsmanager_secret.masking[0]"]["change"]["after_unknown"][
        "arn"
    ]


def test_without_a_masking_user_masking_falls_back_to_the_master_secret() -> None:
    resources = planned(baseline_plan("defaults"))
    assert "aws_secretsmanager_secret.masking[0]" not in resources
    # Without preparation nobody could create the user: no secret for it either.
    resources = planned(baseline_plan("masking-user-no-preparation"))
    assert "aws_secretsmanager_secret.masking[0]" not in resources


def test_the_masking_user_progress_schema_is_the_engines_default() -> None:
    from dms_automation.masking.engine import DEFAULT_PROGRESS_SCHEMA

    text = Path("modules/baseline/variables.tf").read_text()
    assert f'progress_schema  = optional(string, "{DEFAULT_PROGRESS_SCHEMA}")' in text


DMS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms/{}-AbCdEf"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:oracledb:3"
FIXTURE_LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:python-oracledb:1"  # the fixture's default
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
SELECTION = [
    {"schema": "HR", "table": "EMP%"},
    {"schema": "HR", "table": "EMP_AUDIT", "action": "exclude", "name": "no-audit"},
    {
        "schema": "SALES",
        "table": "ORDERS",
        "filters": [
            {"column": "REGION", "conditions": [{"operator": "eq", "value": "EU"}]},
            {
                "column": "ORDER_DATE",
                "conditions": [
                    {"operator": "between", "start": "2024-01-01", "end": "2024-12-31"},
                    {"operator": "null"},
                ],
            },
        ],
    },
]
EXPERT = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": "10",
            "rule-name": "only-hr",
            "object-locator": {"schema-name": "HR", "table-name": "%"},
            "rule-action": "include",
        }
    ]
}
EXTRA_RULES = [MASK_RULE, {**MASK_RULE, "rule-name": "mask-phone"}]


def test_shared_source_creates_no_target_and_no_task() -> None:
    # create_target = false and create_task = false: the source, the replication instance and the
    # network only, for modules/environment to add targets and tasks to.
    plan = baseline_plan("shared-source")
    resources = planned(plan)
    kinds = {address.split("[")[0].split(".")[0] for address in resources}
    assert {"aws_db_instance", "aws_dms_replication_instance", "aws_dms_endpoint"} <= kinds
    assert not kinds & {"aws_rds_cluster", "aws_rds_cluster_instance", "aws_dms_replication_task"}
    assert [v["endpoint_type"] for v in of_type(resources, "aws_dms_endpoint").values()] == ["source"]
    assert "aws_security_group.target[0]" not in resources
    assert "aws_secretsmanager_secret.dms_target[0]" not in resources
    assert not [a for a in resources if "to_target" in a or "target_from" in a]
    # The preparation function still prepares the source, and is offered to the environments.
    assert "aws_lambda_invocation.prepare_databases[0]" in resources
    triggers = resources["aws_lambda_invocation.prepare_databases[0]"]["triggers"]
    assert triggers["sides"] == "source"
    outputs = plan.outputs
    assert outputs["replication_task_id"] is None


def test_a_task_without_the_target_is_refused() -> None:
    message = plan_error({"create_target": False})
    assert "create_task = true needs create_target = true" in message


# Every input set a test plans, by name.
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "shared-source": {"create_target": False, "create_task": False},
    "given-secrets-and-key": {
        "source_dms_secret_arn": DMS_SECRET.format("source"),
        "target_dms_secret_arn": DMS_SECRET.format("target"),
        "kms_key_arn": KEY_ARN,
    },
    "selection": {"table_selection": SELECTION},
    "extra-rules-objects": {
        "table_selection": [{"schema": "HR"}, {"schema": "SALES"}],
        "extra_table_mapping_rules": EXTRA_RULES,
    },
    "extra-rules-json": {
        "table_selection": [{"schema": "HR"}, {"schema": "SALES"}],
        "extra_table_mapping_rules": json.dumps(EXTRA_RULES),
    },
    "expert-json": {
        "table_mappings_json": json.dumps(EXPERT),
        "table_selection": [{"schema": "IGNORED"}],
        "extra_table_mapping_rules": [MASK_RULE],
    },
    "snapshot-cdc": {"source_snapshot_identifier": "prod-oracle-2024-06-01", "migration_refresh_type": "cdc"},
    "own-vpc": {"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": SUBNETS},
    "zones": {"availability_zones": ["eu-west-1b", "eu-west-1c"]},
    "dms-masking-None": {"extra_table_mapping_rules": [MASKING_RULE]},
    "dms-masking-3.5.4": {
        "extra_table_mapping_rules": [MASKING_RULE],
        "replication_instance_engine_version": "3.5.4",
    },
    "dms-masking-3.6.1": {
        "extra_table_mapping_rules": [MASKING_RULE],
        "replication_instance_engine_version": "3.6.1",
    },
    "full-load-and-cdc": {"migration_refresh_type": "full-load-and-cdc"},
    "given-dms-secrets": {
        "source_dms_secret_arn": DMS_SECRET.format("source"),
        "target_dms_secret_arn": DMS_SECRET.format("target"),
    },
    "given-source-secret-and-layer": {
        "source_dms_secret_arn": DMS_SECRET.format("source"),
        "oracle_driver_layer_arn": LAYER_ARN,
        "table_selection": [{"schema": "HR"}, {"schema": "SALES", "table": "ORDERS"}],
    },
    "no-preparation": {"prepare_databases": False},
    "masking-user": {
        "kms_key_arn": KEY_ARN,
        "masking_user": {"schemas": ["HR", "HR"], "coverage_schemas": ["HR", "CRM"]},
    },
    "masking-user-no-preparation": {"prepare_databases": False, "masking_user": {"schemas": ["HR"]}},
    "no-final-snapshot": {"skip_final_snapshot": True},
}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert_case(case)


def test_an_environment_can_be_created_again_under_the_same_name(default_plan: Any) -> None:
    """No name outlives a destroy: the DMS secrets are deleted at once, the final snapshots are
    named per creation (a UUID drawn once and kept in state, so no plan changes them)."""
    resources = planned(default_plan)
    for secret in ("aws_secretsmanager_secret.dms_source[0]", "aws_secretsmanager_secret.dms_target[0]"):
        assert resources[secret]["recovery_window_in_days"] == 0
    assert resources["terraform_data.final_snapshot_suffix[0]"]["triggers_replace"] == ["dms"]
    # (The target went under count with create_target; its configuration address has no index.)
    for database, instance in (
        ("aws_db_instance.source", "aws_db_instance.source"),
        ("aws_rds_cluster.target", "aws_rds_cluster.target[0]"),
    ):
        assert unknown(default_plan, instance)["final_snapshot_identifier"] is True
        assert "terraform_data.final_snapshot_suffix[0].id" in _references(
            default_plan, database, "final_snapshot_identifier"
        ) or "local.final_snapshot_suffix" in _references(default_plan, database, "final_snapshot_identifier")
    # Without final snapshots there is no suffix to draw.
    kept = planned(baseline_plan("no-final-snapshot"))
    assert "terraform_data.final_snapshot_suffix[0]" not in kept
    assert kept["aws_db_instance.source"]["final_snapshot_identifier"] is None


def _variables(path: str) -> dict[str, dict[str, Any]]:
    with tf.repo_path(path).open() as handle:
        parsed = hcl2.load(handle)
    return {name.strip('"'): body for block in parsed.get("variable", []) for name, body in block.items()}


@pytest.mark.parametrize("name", ["extra_table_mapping_rules", "table_mappings_json", "table_selection"])
def test_table_mapping_inputs_are_those_of_modules_table_mappings(name: str) -> None:
    # modules/table-mappings renders the baseline's task and every environment's task: the inputs
    # it takes are the baseline's, with the same type, default and validations.
    baseline = _variables("modules/baseline/variables.tf")[name]
    shared = _variables("modules/table-mappings/variables.tf")[name]
    assert shared == baseline
