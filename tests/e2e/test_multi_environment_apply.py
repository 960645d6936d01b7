"""examples/multi-environment applied whole on the local emulator: one shared source, three
environments, and one cycle of each (the schedule fires, DMS runs and ends, the post-process
Lambda re-arms that environment's trigger).

The example's shared replication instance, production source endpoint and the three
environments' database secrets are brought, as the example expects them: the test creates them in
the emulator first, so the apply waits on no database. The example's files are copied as written
into a temporary directory, with its module source pointed at this checkout and a provider
override (``emulator_override.tf``) that sends every service to the emulator.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tftest

from scripts.cycle import run_cycle
from scripts.emulator import Emulator
from scripts.stack import REGION, Combination, EmulatedStack
from scripts.tfcli import ROOT
from tests import tf
from tests.e2e.test_root_apply import _pending_changes

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "multi-environment"
ENVIRONMENTS = ("dev", "stage", "qa")
SERVICES = [
    "cloudwatch",
    "dms",
    "dynamodb",
    "ec2",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
]
OVERRIDE = """
provider "aws" {
  access_key        = "AKIAIOSFODNN7EXAMPLE"
  secret_key        = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  s3_use_path_style = true
  max_retries       = 2

  endpoints {
%s
  }
}
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def _brought(emulator: Emulator) -> dict[str, Any]:
    """What the example expects to exist: the replication instance, the source endpoint and the
    three environments' database secrets."""
    dms = emulator.client("dms", REGION)
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="orders-replication", ReplicationInstanceClass="dms.t3.medium"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    source = dms.create_endpoint(
        EndpointIdentifier="orders-production",
        EndpointType="source",
        EngineName="oracle",
        ServerName="orders.prod.internal",
        Port=1521,
        DatabaseName="ORDERS",
        Username="dms",
        Password="not-a-secret",
    )["Endpoint"]["EndpointArn"]
    secrets = emulator.client("secretsmanager", REGION)
    target_secret_arns = {
        key: secrets.create_secret(
            Name=f"orders/{key}/dms",
            SecretString=json.dumps(
                {"username": "dms", "password": "not-a-secret", "host": f"{key}.db.internal", "port": 3306}
            ),
        )["ARN"]
        for key in ENVIRONMENTS
    }
    return {
        "replication_instance_arn": instance,
        "source_endpoint_arn": source,
        "target_secret_arns": json.dumps(target_secret_arns),
    }


def _workdir(tmp_path: Path, endpoint: str) -> Path:
    """The example as written, its module source pointed at this checkout, the provider at the emulator."""
    workdir = tmp_path / "multi-environment"
    workdir.mkdir()
    for path in EXAMPLE.glob("*.tf"):
        text = path.read_text()
        if path.name == "main.tf":
            assert 'source = "../.."' in text
            text = text.replace('source = "../.."', f"source = {json.dumps(str(ROOT))}")
        (workdir / path.name).write_text(text)
    shutil.copy(EXAMPLE / "README.md", workdir / "README.md")
    endpoints = "\n".join(f"    {service} = {json.dumps(endpoint)}" for service in SERVICES)
    (workdir / "emulator_override.tf").write_text(OVERRIDE % endpoints)
    return workdir


def _timed(timings: dict[str, float], step: str, call: Callable[[], Any]) -> Any:
    started = time.monotonic()
    try:
        return call()
    finally:
        timings[step] = round(time.monotonic() - started, 1)


def test_every_environment_starts_finishes_and_rearms(
    emulator: Emulator, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    workdir = _workdir(tmp_path, emulator.endpoint)
    env = tf.env({"TF_DATA_DIR": str(tmp_path / "terraform-data")})
    terraform = tftest.TerraformTest(str(workdir), env=env)
    terraform.setup(upgrade=False, cleanup_on_exit=False)
    state = str(tmp_path / "terraform.tfstate")
    tf_vars = {**_brought(emulator), "log_retention_in_days": "7"}
    timings: dict[str, float] = {}
    stack = EmulatedStack(emulator=emulator)
    try:
        _timed(timings, "apply", lambda: terraform.apply(tf_vars=tf_vars, state=state, parallelism="30"))
        environments = terraform.output(state=state)["environments"]
        assert sorted(environments) == sorted(ENVIRONMENTS)

        # A second plan shows nothing to change (no attribute read back differently).
        replan = _timed(timings, "re-plan", lambda: terraform.plan(output=True, tf_vars=tf_vars, state=state))
        changes = _pending_changes(replan)
        assert not changes, "a second plan after apply shows changes:\n  " + "\n  ".join(changes)

        # One source, one instance; each environment its own target endpoint, reading its secret.
        dms = stack.client("dms")
        secrets = json.loads(tf_vars["target_secret_arns"])
        for key in ENVIRONMENTS:
            [task] = dms.describe_replication_tasks(
                Filters=[
                    {"Name": "replication-task-arn", "Values": [environments[key]["replication_task_arn"]]}
                ]
            )["ReplicationTasks"]
            assert (task["ReplicationTaskIdentifier"], task["Status"]) == (f"orders-{key}-task", "ready")
            assert task["ReplicationInstanceArn"] == tf_vars["replication_instance_arn"]
            assert task["SourceEndpointArn"] == tf_vars["source_endpoint_arn"]
            [target] = dms.describe_endpoints(
                Filters=[{"Name": "endpoint-arn", "Values": [task["TargetEndpointArn"]]}]
            )["Endpoints"]
            assert target["EndpointIdentifier"] == f"orders-{key}-target"
            assert environments[key]["target_secret_arn"] == secrets[key]
            masking = [
                r["rule-action"]
                for r in json.loads(task["TableMappings"])["rules"]
                if r["rule-type"] != "selection"
            ]
            assert masking == (
                ["data-masking-digits-randomize", "data-masking-digits-mask"] if key == "stage" else []
            )
            # The environment's starter may test this task's connections only: the shared
            # instance and source endpoint, and its own target endpoint.
            policy = stack.client("iam").get_role_policy(
                RoleName=f"orders-{key}-starter", PolicyName="starter"
            )
            document = policy["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            [test_connection] = [s for s in document["Statement"] if s.get("Sid") == "TestConnections"]
            resources = test_connection["Resource"]
            assert set([resources] if isinstance(resources, str) else resources) == {
                tf_vars["replication_instance_arn"],
                tf_vars["source_endpoint_arn"],
                task["TargetEndpointArn"],
            }, key

        # One cycle per environment, each on its own trigger, Lambdas and run state.
        combination = Combination("data-refresh", "full-load", "schedule")
        for key in ENVIRONMENTS:
            outputs = environments[key]
            stack.outputs = outputs
            assert stack.rule_state() == "ENABLED", key
            result = _timed(
                timings,
                f"cycle {key}",
                lambda outputs=outputs: run_cycle(stack, combination, outputs["replication_task_arn"]),
            )
            assert not result.starter.failed, (key, result.starter.error)
            assert (result.task_after_start, result.start_type, result.rule_after_start) == (
                "running",
                "start-replication",
                "DISABLED",
            ), key
            assert result.task_after_run == "stopped", key
            assert [p.failed for p in result.post_process] == [False], (
                key,
                [p.error for p in result.post_process],
            )
            assert result.rule_after_post_process == "ENABLED", key
            run = stack.run_state(outputs["replication_task_arn"])
            assert run["phase"] == "idle" and run["handled_run"], (key, run)
            # The other environments were not touched by this one's run.
            for other in ENVIRONMENTS:
                if other != key:
                    stack.outputs = environments[other]
                    assert stack.rule_state() == "ENABLED", (key, other)
                    arn = environments[other]["replication_task_arn"]
                    assert emulator.task_state(arn)["StartCount"] == (
                        1 if ENVIRONMENTS.index(other) < ENVIRONMENTS.index(key) else 0
                    )
            stack.outputs = outputs
    finally:
        stack.stop(destroy=False)  # the emulator (and everything in it) stops with the fixture
        summary = ", ".join(f"{step} {seconds:.0f}s" for step, seconds in timings.items())
        record_property("timings", summary)
        print(f"\nmulti-environment on the emulator: {summary}")
