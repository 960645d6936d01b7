"""Upgrading a baseline that created the account-wide DMS roles: they are forgotten, never destroyed.

Every replication instance of the account needs dms-vpc-role and dms-cloudwatch-logs-role, so an
upgrade that deleted them would break DMS for everyone. The state an earlier version wrote (with
``create_dms_iam_roles = true``) is planned, without refreshing, against this version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests import tf

FIXTURE = "tests/terraform/baseline/fixture"
PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
MANAGED = "arn:aws:iam::aws:policy/service-role"


def _resource(kind: str, name: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "module.baseline",
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider": PROVIDER,
        "instances": [
            {"index_key": 0, "schema_version": 0, "attributes": attributes, "sensitive_attributes": []}
        ],
    }


def _earlier_state(path: Path) -> None:
    resources = []
    for name, role, policy in (
        ("dms_vpc", "dms-vpc-role", "AmazonDMSVPCManagementRole"),
        ("dms_cloudwatch_logs", "dms-cloudwatch-logs-role", "AmazonDMSCloudWatchLogsRole"),
    ):
        arn = f"arn:aws:iam::123456789012:role/{role}"
        resources.append(_resource("aws_iam_role", name, {"id": role, "name": role, "arn": arn, "path": "/"}))
        resources.append(
            _resource(
                "aws_iam_role_policy_attachment",
                name,
                {
                    "id": f"{role}-20240101000000000000000001",
                    "role": role,
                    "policy_arn": f"{MANAGED}/{policy}",
                },
            )
        )
    state = {
        "version": 4,
        "terraform_version": "1.9.0",
        "serial": 1,
        "lineage": "6f0c2b7e-0d1e-4a4f-9a55-000000000001",
        "outputs": {},
        "resources": resources,
        "check_results": None,
    }
    path.write_text(json.dumps(state))


def test_roles_of_an_earlier_version_are_forgotten_not_destroyed(tmp_path: Path) -> None:
    state = tmp_path / "terraform.tfstate"
    _earlier_state(state)
    plan = tf.initialised(FIXTURE).plan(output=True, refresh=False, state=str(state))
    actions = {c["address"]: c["change"]["actions"] for c in plan._raw["resource_changes"]}
    forgotten = {address for address, done in actions.items() if done == ["forget"]}
    assert forgotten == {
        "module.baseline.aws_iam_role.dms_vpc[0]",
        "module.baseline.aws_iam_role_policy_attachment.dms_vpc[0]",
        "module.baseline.aws_iam_role.dms_cloudwatch_logs[0]",
        "module.baseline.aws_iam_role_policy_attachment.dms_cloudwatch_logs[0]",
    }, actions
    assert not [address for address, done in actions.items() if "delete" in done]
