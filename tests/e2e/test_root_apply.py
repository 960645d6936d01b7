"""Apply, not only plan: the root module with its baseline, applied on the local AWS emulator.

A plan cannot show what only an apply does: an argument the API rejects, a dependency race, an
attribute read back differently from what was sent (a perpetual diff). This test starts its own
emulator on a free port, applies tests/e2e/fixtures/root_local (the root module with
create_baseline = true and after-load masking), moves the replication instance's engine up as
an automatic minor upgrade would, checks that a second plan shows no changes, destroys the stack
(final snapshots under names unique to the creation), checks that nothing is left in the emulator
and stops it. Terraform's data directory and state live in a
temporary directory. It takes a few minutes, most of it the AWS provider's own waits (RDS, DMS).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tftest

from scripts.emulator import Emulator
from scripts.tfcli import ROOT
from tests import tf

pytestmark = pytest.mark.slow

FIXTURE = "tests/e2e/fixtures/root_local"
REGION = "eu-west-1"
MODE = {
    "migration_refresh_indicator": "data-refresh",
    "migration_refresh_type": "full-load",
    "schedule_or_one_time": "schedule",
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def _client(emulator: Emulator, service: str) -> Any:
    return emulator.client(service, REGION)


def _timed(timings: dict[str, float], step: str, call: Callable[[], Any]) -> Any:
    started = time.monotonic()
    try:
        return call()
    finally:
        timings[step] = round(time.monotonic() - started, 1)


def _pending_changes(plan: tftest.TerraformPlanOutput) -> list[str]:
    """Every resource or output the plan would change, with the attributes that differ."""
    changes = []
    for address, change in plan.resource_changes.items():
        actions = change["change"]["actions"]
        if actions == ["no-op"]:
            continue
        before = change["change"].get("before") or {}
        after = change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        keys = sorted(
            k
            for k in set(before) | set(after) | set(unknown)
            if before.get(k) != after.get(k) or k in unknown
        )
        changes.append(f"{address}: {'/'.join(actions)} {keys}")
    for name, change in (plan._raw.get("output_changes") or {}).items():
        if change["actions"] != ["no-op"]:
            changes.append(f"output {name}: {'/'.join(change['actions'])}")
    return changes


def _left_in_emulator(emulator: Emulator) -> dict[str, list[str]]:
    """What the stack created that is still in the emulator (empty after a clean destroy)."""
    dms, rds = _client(emulator, "dms"), _client(emulator, "rds")
    ec2, lam = _client(emulator, "ec2"), _client(emulator, "lambda")
    left = {
        "dms tasks": [
            t["ReplicationTaskIdentifier"] for t in dms.describe_replication_tasks()["ReplicationTasks"]
        ],
        "dms instances": [
            i["ReplicationInstanceIdentifier"]
            for i in dms.describe_replication_instances()["ReplicationInstances"]
        ],
        "dms endpoints": [e["EndpointIdentifier"] for e in dms.describe_endpoints()["Endpoints"]],
        "rds instances": [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]],
        "rds clusters": [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]],
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
        "lambda functions": [f["FunctionName"] for f in lam.list_functions()["Functions"]],
    }
    return {kind: names for kind, names in left.items() if names}


def test_root_module_with_baseline_applies_replans_clean_and_destroys(
    emulator: Emulator, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    env = tf.env({"TF_DATA_DIR": str(tmp_path / "terraform-data"), "AWS_ENDPOINT_URL": emulator.endpoint})
    terraform = tftest.TerraformTest(FIXTURE, basedir=str(ROOT), env=env)
    # The lock file Terraform writes next to the fixture is kept (git ignores it): deleting it at
    # exit could pull it from under another run of this test; every init writes the same one.
    terraform.setup(upgrade=False, cleanup_on_exit=False)
    state = str(tmp_path / "terraform.tfstate")
    tf_vars = {**MODE, "aws_endpoint_url": emulator.endpoint, "region": REGION}
    timings: dict[str, float] = {}
    try:
        _timed(timings, "apply", lambda: terraform.apply(tf_vars=tf_vars, state=state))
        outputs = terraform.output(state=state)

        # What the apply created is there, as the automation will find it.
        task_arn = outputs["replication_task_arn"]
        tasks = _client(emulator, "dms").describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [task_arn]}]
        )["ReplicationTasks"]
        assert [(t["Status"], t["MigrationType"]) for t in tasks] == [("ready", "full-load")]
        rule = _client(emulator, "events").describe_rule(Name=outputs["event_rule_name"])
        assert rule["State"] == "ENABLED"
        secret = _client(emulator, "secretsmanager").describe_secret(SecretId=outputs["target_secret_arn"])
        assert secret["ARN"] == outputs["target_secret_arn"]

        # After-load masking: the post-process Lambda reads the target's RDS-managed secret.
        function = _client(emulator, "lambda").get_function_configuration(
            FunctionName=outputs["post_process_function_name"]
        )
        masking_secret = function["Environment"]["Variables"]["MASKING_SECRET_ARN"]
        assert ":secret:rds!cluster-" in masking_secret
        assert function["VpcConfig"]["SubnetIds"]

        # Day two: DMS applies a minor engine upgrade itself (auto_minor_version_upgrade).
        dms = _client(emulator, "dms")
        dms.modify_replication_instance(
            ReplicationInstanceArn=outputs["replication_instance_arn"],
            EngineVersion="3.5.4",
            ApplyImmediately=True,
        )
        instance = dms.describe_replication_instances(
            Filters=[{"Name": "replication-instance-arn", "Values": [outputs["replication_instance_arn"]]}]
        )["ReplicationInstances"][0]
        assert instance["EngineVersion"] == "3.5.4"

        replan = _timed(timings, "re-plan", lambda: terraform.plan(output=True, tf_vars=tf_vars, state=state))
        changes = _pending_changes(replan)
        assert not changes, "a second plan after apply shows changes:\n  " + "\n  ".join(changes)

        _timed(timings, "destroy", lambda: terraform.destroy(tf_vars=tf_vars, state=state))
        assert _left_in_emulator(emulator) == {}
        # The final snapshots carry the creation's suffix, so a stack created again under the
        # same name can be destroyed again.
        rds = _client(emulator, "rds")
        snapshots = [
            s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        ]
        cluster_snapshots = [
            s["DBClusterSnapshotIdentifier"]
            for s in rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        ]
        assert [re.sub("[0-9a-f]{8}$", "<suffix>", s) for s in snapshots] == ["e2e-source-final-<suffix>"]
        assert [re.sub("[0-9a-f]{8}$", "<suffix>", s) for s in cluster_snapshots] == [
            "e2e-target-final-<suffix>"
        ]
    finally:
        summary = ", ".join(f"{step} {seconds:.0f}s" for step, seconds in timings.items())
        record_property("timings", summary)
        print(f"\nroot module on the emulator: {summary}")
