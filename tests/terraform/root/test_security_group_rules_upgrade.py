"""Upgrading across the fold of same-shaped security-group rules into maps: every rule moves, none
is replaced.

A security-group rule that is destroyed and created again drops the connections through it for
the time between, so the upgrade must only move them. The state an earlier version wrote (one
resource per rule, below as it wrote them: description, port and what each names) is planned,
without refreshing, against this version: each rule is at its new address, moved from its old
one, with nothing to change. The root fixture is planned with the baseline and after-load
masking twice, in a VPC the baseline creates and in your own VPC, which between them hold every
rule of the root module and of modules/baseline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests import tf

FIXTURE = "tests/terraform/root/fixture"
PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
ROOT = "module.dms_automation"
BASELINE = "module.dms_automation.module.baseline[0]"
EGRESS = "aws_vpc_security_group_egress_rule"
INGRESS = "aws_vpc_security_group_ingress_rule"

MASKING_RULES = [
    {"schema": "HR", "table": "EMPLOYEES", "column": "EMAIL", "strategy": "fake_email", "where": "after_load"}
]
OWN_VPC = {
    "vpc_id": "vpc-0a1b2c3d4e5f60718",
    "subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"],
}
CASES: dict[str, dict[str, Any]] = {
    "created-vpc": {"create_baseline": True, "name_prefix": "dms", "masking_rules": MASKING_RULES},
    "own-vpc": {
        "create_baseline": True,
        "name_prefix": "dms",
        "masking_rules": MASKING_RULES,
        "baseline": OWN_VPC,
    },
}

# (module, group, old address, new address, description, port, what it names) as the earlier
# version wrote them; what it names is a group (module, group), a CIDR or "dynamodb" (the gateway
# endpoint's prefix list). ``None`` for a case: the rule exists in both.
RI, SRC, TGT, ENDPOINTS, PREP = (
    "replication_instance",
    "source",
    "target",
    "vpc_endpoints",
    "prepare_databases",
)
ANYWHERE = "0.0.0.0/0"
RULES: list[tuple[str | None, str, str, str, str, str, int, Any]] = [
    # root module: the post-process Lambda
    (
        None,
        ROOT,
        "masking",
        f"{EGRESS}.masking_to_target[0]",
        f'{EGRESS}.masking["target"]',
        "MySQL port of the target",
        3306,
        (BASELINE, TGT),
    ),
    (
        "created-vpc",
        ROOT,
        "masking",
        f"{EGRESS}.masking_to_endpoints[0]",
        f'{EGRESS}.masking["vpc_endpoints"]',
        "HTTPS to the VPC endpoints of the AWS APIs",
        443,
        (ROOT, ENDPOINTS),
    ),
    (
        "created-vpc",
        ROOT,
        "masking",
        f"{EGRESS}.masking_to_secrets_manager[0]",
        f'{EGRESS}.masking["secrets_manager"]',
        "HTTPS to the baseline's Secrets Manager endpoint",
        443,
        (BASELINE, ENDPOINTS),
    ),
    (
        "own-vpc",
        ROOT,
        "masking",
        f"{EGRESS}.masking_to_aws_apis[0]",
        f'{EGRESS}.masking["aws_apis"]',
        "HTTPS to the AWS APIs (through the VPC's NAT gateway or endpoints)",
        443,
        ANYWHERE,
    ),
    (
        "created-vpc",
        ROOT,
        "masking",
        f"{EGRESS}.masking_to_dynamodb[0]",
        f'{EGRESS}.masking["dynamodb"]',
        "HTTPS to DynamoDB through the gateway endpoint (the run state)",
        443,
        "dynamodb",
    ),
    (
        "created-vpc",
        ROOT,
        ENDPOINTS,
        f"{INGRESS}.vpc_endpoints_from_masking[0]",
        f"{INGRESS}.vpc_endpoints_from_masking[0]",
        "HTTPS from the post-process Lambda",
        443,
        (ROOT, "masking"),
    ),
    # modules/baseline: the replication instance
    (
        None,
        BASELINE,
        RI,
        f"{EGRESS}.replication_instance_to_source",
        f'{EGRESS}.replication_instance["source"]',
        "Oracle listener of the source",
        1521,
        (BASELINE, SRC),
    ),
    (
        None,
        BASELINE,
        RI,
        f"{EGRESS}.replication_instance_to_target[0]",
        f'{EGRESS}.replication_instance["target"]',
        "MySQL port of the target",
        3306,
        (BASELINE, TGT),
    ),
    (
        "created-vpc",
        BASELINE,
        RI,
        f"{EGRESS}.replication_instance_to_secrets_manager[0]",
        f'{EGRESS}.replication_instance["secrets_manager"]',
        "HTTPS to the Secrets Manager endpoint (endpoint secrets)",
        443,
        (BASELINE, ENDPOINTS),
    ),
    (
        "own-vpc",
        BASELINE,
        RI,
        f"{EGRESS}.replication_instance_to_aws_apis[0]",
        f'{EGRESS}.replication_instance["aws_apis"]',
        "HTTPS to Secrets Manager (through your VPC endpoint or NAT gateway)",
        443,
        ANYWHERE,
    ),
    # modules/baseline: the preparation function
    (
        None,
        BASELINE,
        PREP,
        f"{EGRESS}.prepare_to_source[0]",
        f'{EGRESS}.prepare["source"]',
        "Oracle listener of the source",
        1521,
        (BASELINE, SRC),
    ),
    (
        None,
        BASELINE,
        PREP,
        f"{EGRESS}.prepare_to_target[0]",
        f'{EGRESS}.prepare["target"]',
        "MySQL port of the target",
        3306,
        (BASELINE, TGT),
    ),
    (
        "created-vpc",
        BASELINE,
        PREP,
        f"{EGRESS}.prepare_to_secrets_manager[0]",
        f'{EGRESS}.prepare["secrets_manager"]',
        "HTTPS to the Secrets Manager endpoint",
        443,
        (BASELINE, ENDPOINTS),
    ),
    (
        "own-vpc",
        BASELINE,
        PREP,
        f"{EGRESS}.prepare_to_secrets_manager[0]",
        f'{EGRESS}.prepare["secrets_manager"]',
        "HTTPS to Secrets Manager (through your VPC endpoint or NAT gateway)",
        443,
        ANYWHERE,
    ),
    # modules/baseline: into the databases and the Secrets Manager endpoint
    (
        None,
        BASELINE,
        SRC,
        f"{INGRESS}.source_from_replication_instance",
        f'{INGRESS}.source["replication_instance"]',
        "Oracle from the DMS replication instance",
        1521,
        (BASELINE, RI),
    ),
    (
        None,
        BASELINE,
        SRC,
        f"{INGRESS}.source_from_prepare[0]",
        f'{INGRESS}.source["prepare"]',
        "Oracle from the database preparation function",
        1521,
        (BASELINE, PREP),
    ),
    (
        None,
        BASELINE,
        TGT,
        f"{INGRESS}.target_from_replication_instance[0]",
        f'{INGRESS}.target["replication_instance"]',
        "MySQL from the DMS replication instance",
        3306,
        (BASELINE, RI),
    ),
    (
        None,
        BASELINE,
        TGT,
        f"{INGRESS}.target_from_prepare[0]",
        f'{INGRESS}.target["prepare"]',
        "MySQL from the database preparation function",
        3306,
        (BASELINE, PREP),
    ),
    (
        None,
        BASELINE,
        TGT,
        f"{INGRESS}.target_from_allowed[0]",
        f"{INGRESS}.target_from_allowed[0]",
        "MySQL from an allowed security group",
        3306,
        (ROOT, "masking"),
    ),
    (
        "created-vpc",
        BASELINE,
        ENDPOINTS,
        f"{INGRESS}.vpc_endpoints_from_replication_instance[0]",
        f"{INGRESS}.vpc_endpoints_from_replication_instance[0]",
        "HTTPS from the DMS replication instance (endpoint secrets)",
        443,
        (BASELINE, RI),
    ),
    (
        "created-vpc",
        BASELINE,
        ENDPOINTS,
        f"{INGRESS}.vpc_endpoints_from_clients[0]",
        f"{INGRESS}.vpc_endpoints_from_clients[0]",
        "HTTPS from a function that calls Secrets Manager",
        443,
        (ROOT, "masking"),
    ),
    (
        "created-vpc",
        BASELINE,
        ENDPOINTS,
        f"{INGRESS}.vpc_endpoints_from_clients[1]",
        f"{INGRESS}.vpc_endpoints_from_clients[1]",
        "HTTPS from a function that calls Secrets Manager",
        443,
        (BASELINE, PREP),
    ),
]


def _rules(case: str) -> list[tuple[str, str, str, str, str, int, Any]]:
    return [rule[1:] for rule in RULES if rule[0] in (None, case)]


def _calls() -> dict[str, tuple[str, str]]:
    return {name: (FIXTURE, tf.hcl_assignments(inputs)) for name, inputs in CASES.items()}


def _resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += _resources(child)
    return found


def _state_entry(call: str, address: str, values: dict[str, Any], schema_version: int) -> dict[str, Any]:
    path, kind, rest = _split(address)
    name, _, key = rest.partition("[")
    instance: dict[str, Any] = {
        "schema_version": schema_version,
        "attributes": values,
        "sensitive_attributes": [],
    }
    if key:
        instance["index_key"] = json.loads(key.rstrip("]"))
    return {
        "module": ".".join(filter(None, [call, path])),
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider": PROVIDER,
        "instances": [instance],
    }


def _split(address: str) -> tuple[str, str, str]:
    """(module path, type, name[key]) of a resource address."""
    parts = address.split(".")
    index = 0
    while parts[index] == "module":
        index += 2
    return ".".join(parts[:index]), parts[index], ".".join(parts[index + 1 :])


def _merged(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One state entry per resource, with all its instances (a counted rule has several)."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in resources:
        key = (entry["module"], entry["type"], entry["name"])
        if key in merged:
            merged[key]["instances"] += entry["instances"]
        else:
            merged[key] = entry
    return list(merged.values())


def _earlier_state(path: Path, fresh: dict[str, Any]) -> None:
    """The state an earlier version wrote: the network the rules name (taken from a fresh plan of
    this version, with ids) and the rules at their old addresses, as RULES has them."""
    resources = []
    for index, case in enumerate(CASES):
        call = f"module.case_{index}"
        planned = {r["address"]: r for r in _resources(fresh[case]._raw["planned_values"]["root_module"])}
        vpc_id = CASES[case].get("baseline", {}).get("vpc_id", f"vpc-{index:017x}")
        ids: dict[tuple[str, str], str] = {}
        for address, resource in planned.items():
            module_path, kind, rest = _split(address)
            parent = kind in ("aws_vpc", "aws_security_group") or (kind, rest) == (
                "aws_vpc_endpoint",
                "dynamodb[0]",
            )
            if not parent:
                continue
            values = {
                **resource["values"],
                "id": f"{kind}-{index}-{address}",
                "tags_all": resource["values"]["tags"],
            }
            if kind == "aws_security_group":
                group = rest.split("[")[0]
                values["id"] = ids[(module_path, group)] = f"sg-{index}{len(ids):016x}"
                values.update(vpc_id=values.get("vpc_id") or vpc_id, egress=[], ingress=[])
            elif kind == "aws_vpc":
                values.update(id=vpc_id, main_route_table_id=f"rtb-{index:017x}")
            else:
                values.update(
                    vpc_id=vpc_id, prefix_list_id=f"pl-{index:08x}", route_table_ids=[f"rtb-{index:017x}"]
                )
            version = 0 if kind == "aws_vpc_endpoint" else 1
            resources.append(_state_entry(call, address, values, version))
        for number, (module, group, old, _new, description, port, names) in enumerate(_rules(case)):
            tags = {} if module == ROOT else {"dms-automation:part": "baseline"}
            values = {
                "id": f"sgr-{index}{number:016x}",
                "arn": f"arn:aws:ec2:eu-west-1:123456789012:security-group-rule/sgr-{index}{number:016x}",
                "security_group_rule_id": f"sgr-{index}{number:016x}",
                "security_group_id": ids[(module, group)],
                "description": description,
                "ip_protocol": "tcp",
                "from_port": port,
                "to_port": port,
                "cidr_ipv4": names if names == ANYWHERE else None,
                "cidr_ipv6": None,
                "prefix_list_id": f"pl-{index:08x}" if names == "dynamodb" else None,
                "referenced_security_group_id": ids[names] if isinstance(names, tuple) else None,
                "tags": tags,
                "tags_all": tags,
            }
            resources.append(_state_entry(call, f"{module}.{old}", values, 0))
    state = {
        "version": 4,
        "terraform_version": "1.9.0",
        "serial": 1,
        "lineage": "6f0c2b7e-0d1e-4a4f-9a55-000000000018",
        "outputs": {},
        "resources": _merged(resources),
        "check_results": None,
    }
    path.write_text(json.dumps(state))


def test_every_security_group_rule_moves_and_none_is_replaced(tmp_path: Path) -> None:
    fresh = tf.plan_calls(_calls())
    state = tmp_path / "terraform.tfstate"
    _earlier_state(state, fresh)
    upgraded = tf.plan_calls(_calls(), refresh=False, state=str(state))
    for case in CASES:
        changes = {
            c["address"]: c for c in upgraded[case]._raw["resource_changes"] if c["type"] in (EGRESS, INGRESS)
        }
        expected = {f"{module}.{new}": f"{module}.{old}" for module, _, old, new, *_ in _rules(case)}
        assert set(changes) == set(expected), case
        for address, change in changes.items():
            previous = expected[address]
            moved_from = change.get("previous_address", address)
            assert moved_from == previous, f"{case}: {address} was {moved_from}, expected {previous}"
            after = change["change"]
            assert after["actions"] == ["no-op"], (
                f"{case}: {address}: {after['actions']}\n before {after['before']}\n after  {after['after']}"
            )
