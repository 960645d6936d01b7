"""The emulated stack: the local AWS emulator, a DMS task in it and examples/local applied on that
task, with one AWS provider process for every terraform command of a run.

``Combination`` (the three run inputs) and ``Timeline`` (what the demo prints) are its inputs.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from scripts.emulator import FAKE_CREDENTIALS, Emulator
from scripts.emulator.lambdas import Invocation, invoke
from scripts.events import DMS_EVENTS, dms_notification, scheduled_event, sns_lambda_event
from scripts.provider import ProviderServer
from scripts.sample_data import SampleDatabase
from scripts.tfcli import ROOT, terraform_env

sys.path.insert(0, str(ROOT / "lambda_src"))
from dms_automation.config import VALID_COMBINATIONS

REGION = "eu-west-1"
EXAMPLE_DIR = "examples/local"
TASK_ID = "demo-refresh"


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Combination:
    indicator: str
    refresh_type: str
    mode: str

    @classmethod
    def parse(cls, text: str) -> Combination:
        parts = tuple(p.strip() for p in text.split("/"))
        if parts not in VALID_COMBINATIONS:
            valid = "\n  ".join("/".join(c) for c in VALID_COMBINATIONS)
            raise ValueError(
                f"--combination {text!r} is not a valid combination of "
                "migration_refresh_indicator/migration_refresh_type/schedule_or_one_time; "
                f"use one of:\n  {valid}"
            )
        return cls(*parts)

    @property
    def label(self) -> str:
        return f"{self.indicator}/{self.refresh_type}/{self.mode}"

    @property
    def is_schedule(self) -> bool:
        return self.mode == "schedule"

    @property
    def stops_on_its_own(self) -> bool:
        """A full-load task stops when the load is done; a CDC task runs until it is stopped."""
        return self.refresh_type == "full-load"

    def tf_vars(self) -> dict[str, str]:
        return {
            "migration_refresh_indicator": self.indicator,
            "migration_refresh_type": self.refresh_type,
            "schedule_or_one_time": self.mode,
        }


ALL_COMBINATIONS = tuple(Combination(*c) for c in VALID_COMBINATIONS)


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------
@dataclass
class Timeline:
    out: Callable[[str], None] = print
    started: float = field(default_factory=time.monotonic)
    steps: list[str] = field(default_factory=list)

    def step(self, title: str) -> None:
        self.steps.append(title)
        self.out(f"\n[{time.monotonic() - self.started:5.1f}s] {len(self.steps)}. {title}")

    def detail(self, text: str) -> None:
        for line in text.splitlines():
            self.out(f"           {line}")


def quiet() -> Timeline:
    return Timeline(out=lambda _text: None)


# ---------------------------------------------------------------------------------------------
# The stack: emulator + DMS task + examples/local applied
# ---------------------------------------------------------------------------------------------
class EmulatedStack:
    """The emulator, a DMS task in it and examples/local applied on that task.

    ``start`` launches the emulator and the AWS provider and runs ``terraform init`` while they
    start; ``apply`` is one ``terraform apply`` (outputs are read from the state it writes);
    ``destroy`` is one ``terraform destroy -refresh=false``. ``phases`` records how long each took.

    With ``data`` (a ``SampleDatabase``), a task of a combination that stops on its own (full load)
    has MariaDB endpoints: the emulated full load copies ``production`` into ``staging``, and the
    apply gets the target's secret (created here, in the emulator) and a VPC for after-load masking.
    The database starts in the background during the first apply and is awaited only before a run.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        timeline: Timeline | None = None,
        data: SampleDatabase | None = None,
    ) -> None:
        self.data = data
        self._masking_inputs: dict[str, Any] | None = None
        self.own_emulator = emulator is None
        self.emulator = emulator or Emulator()
        self.timeline = timeline or quiet()
        self.workdir = Path(tempfile.mkdtemp(prefix="dms-automation-demo-"))
        self.outputs: dict[str, Any] = {}
        self.applied_vars: dict[str, Any] | None = None
        self.provider: ProviderServer | None = None
        self.phases: dict[str, float] = {}
        self._terraform: tftest.TerraformTest | None = None
        self._task_bases: dict[str, tuple[str, str, str]] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.monotonic() - started

    # -- AWS ---------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return self.emulator.client(service, REGION)

    def start(self) -> EmulatedStack:
        """Emulator and provider start in the background while ``terraform init`` runs."""
        with self.phase("start"):
            if self.own_emulator:
                self.emulator.spawn()
            lock_file = ROOT / EXAMPLE_DIR / ".terraform.lock.hcl"
            binary = ProviderServer.find(lock_file)
            if binary is not None:
                self.provider = ProviderServer(binary, self.workdir, ROOT / EXAMPLE_DIR).spawn()
            test = self.terraform  # terraform init
            if self.provider is None:
                binary = ProviderServer.find(lock_file, self.workdir / ".terraform")
                if binary is not None:
                    self.provider = ProviderServer(binary, self.workdir, ROOT / EXAMPLE_DIR).spawn()
            if self.own_emulator:
                self.emulator.wait_ready()
            if self.provider is not None:
                test.env["TF_REATTACH_PROVIDERS"] = self.provider.wait_ready()
        return self

    def create_task(
        self, combination: Combination, task_id: str = TASK_ID, resource_identifier: str | None = None
    ) -> dict[str, Any]:
        """A replication instance, a source and a target endpoint, and a task of the combination's type.

        The instance and endpoints are made once per emulator; with ``resource_identifier`` the task
        gets a fixed ARN, so a new task of another migration type can take the place of the last one.
        With sample data (``with_data``) the endpoints are the MariaDB's and the task loads
        ``production`` into ``staging``; otherwise they name hosts that do not exist and nothing moves.
        """
        dms = self.client("dms")
        with_data = self.with_data(combination)
        base = f"{task_id}-data" if with_data else task_id
        if base not in self._task_bases:
            instance = dms.create_replication_instance(
                ReplicationInstanceIdentifier=f"{base}-instance", ReplicationInstanceClass="dms.t3.medium"
            )["ReplicationInstance"]["ReplicationInstanceArn"]
            endpoints = {}
            for kind, engine, port in (("source", "oracle", 1521), ("target", "aurora", 3306)):
                settings: dict[str, Any] = {
                    "EngineName": engine,
                    "ServerName": f"{kind}.db.internal",
                    "Port": port,
                    "DatabaseName": "APP",
                    "Username": "dms",
                    "Password": "not-a-secret",
                }
                if with_data:
                    assert self.data is not None
                    settings = self.data.endpoint(kind)
                endpoints[kind] = dms.create_endpoint(
                    EndpointIdentifier=f"{base}-{kind}", EndpointType=kind, **settings
                )["Endpoint"]["EndpointArn"]
            self._task_bases[base] = (instance, endpoints["source"], endpoints["target"])
        instance, source, target = self._task_bases[base]
        extra = {"ResourceIdentifier": resource_identifier} if resource_identifier else {}
        mappings = (
            SampleDatabase.table_mappings()
            if with_data
            else {
                "rules": [
                    {
                        "rule-type": "selection",
                        "rule-id": "1",
                        "rule-name": "app",
                        "object-locator": {"schema-name": "APP", "table-name": "%"},
                        "rule-action": "include",
                    }
                ]
            }
        )
        task = dms.create_replication_task(
            ReplicationTaskIdentifier=task_id,
            SourceEndpointArn=source,
            TargetEndpointArn=target,
            ReplicationInstanceArn=instance,
            MigrationType=combination.refresh_type,
            TableMappings=json.dumps(mappings),
            **extra,
        )["ReplicationTask"]
        return self.describe_task(task["ReplicationTaskArn"])

    def with_data(self, combination: Combination) -> bool:
        """Whether a task of ``combination`` moves sample data and is masked after load.

        Only a task that stops on its own: after-load masking is refused for ``cdc`` and
        ``full-load-and-cdc`` (docs/design.md, "Masking"), whose copies DMS masks while loading.
        """
        return self.data is not None and combination.stops_on_its_own

    def masking_inputs(self, combination: Combination) -> dict[str, Any]:
        """examples/local's masking variables: the target's secret and a VPC, made once, in the emulator.

        The secret holds the credentials of the MariaDB user ``masking``, whose password the sample
        database generated for this run: nothing of it is in the configuration or the state.
        """
        if not self.with_data(combination):
            return {}
        if self._masking_inputs is None:
            assert self.data is not None
            secret = self.client("secretsmanager").create_secret(
                Name=f"{TASK_ID}/target-database",
                Description="The demo's target database (staging on the local MariaDB): after-load masking",
                SecretString=json.dumps(self.data.masking_secret()),
            )["ARN"]
            ec2 = self.client("ec2")
            vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24", AvailabilityZone=f"{REGION}a")[
                "Subnet"
            ]["SubnetId"]
            group = ec2.create_security_group(
                GroupName=f"{TASK_ID}-masking", Description="post-process Lambda to the target", VpcId=vpc
            )["GroupId"]
            self._masking_inputs = {
                "masking_secret_arn": secret,
                "masking_vpc_config": {"subnet_ids": [subnet], "security_group_ids": [group]},
            }
        return dict(self._masking_inputs)

    def delete_task(self, arn: str) -> None:
        """Delete the task and wait until DMS no longer shows it (it is "deleting" meanwhile, and
        its identifier is taken until it is gone)."""
        dms = self.client("dms")
        dms.delete_replication_task(ReplicationTaskArn=arn)
        dms.get_waiter("replication_task_deleted").wait(
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
            WaiterConfig={"Delay": 1, "MaxAttempts": 30},
        )

    def describe_task(self, arn: str) -> dict[str, Any]:
        tasks = self.client("dms").describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
        )["ReplicationTasks"]
        return tasks[0]  # type: ignore[no-any-return]

    def run_state(self, task_arn: str) -> dict[str, Any]:
        """The automation's run state item, as plain values ({} when there is none yet)."""
        item = (
            self.client("dynamodb")
            .get_item(
                TableName=self.outputs["state_table_name"], Key={"pk": {"S": task_arn}}, ConsistentRead=True
            )
            .get("Item", {})
        )
        return {name: next(iter(value.values())) for name, value in item.items()}

    def forget_run_state(self, task_arn: str) -> None:
        """Delete the run state item: a task created anew under the same ARN starts from scratch."""
        self.client("dynamodb").delete_item(
            TableName=self.outputs["state_table_name"], Key={"pk": {"S": task_arn}}
        )

    def rule_state(self) -> str:
        return self.client("events").describe_rule(Name=self.outputs["event_rule_name"])["State"]  # type: ignore[no-any-return]

    # -- Terraform ---------------------------------------------------------------------------
    @property
    def terraform(self) -> tftest.TerraformTest:
        if self._terraform is None:
            env = terraform_env(
                {
                    **FAKE_CREDENTIALS,
                    "TF_DATA_DIR": str(self.workdir / ".terraform"),
                    "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                    "AWS_PROFILE": "",
                }
            )
            test = tftest.TerraformTest(EXAMPLE_DIR, basedir=str(ROOT), env=env)
            test.setup(cleanup_on_exit=False, upgrade=False)
            self._terraform = test
        return self._terraform

    @property
    def state_path(self) -> str:
        return str(self.workdir / "terraform.tfstate")

    def apply(
        self, combination: Combination, task: dict[str, Any], extra_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One ``terraform apply`` (no separate plan); the outputs come from the state it wrote.

        With sample data, a full-load combination is applied with after-load masking.
        """
        tf_vars: dict[str, Any] = {
            **combination.tf_vars(),
            **self.masking_inputs(combination),
            "aws_endpoint_url": self.emulator.endpoint,
            "region": REGION,
            "replication_task_arn": task["ReplicationTaskArn"],
            "replication_task_id": task["ReplicationTaskIdentifier"],
            **(extra_vars or {}),
        }
        with self.phase("apply"):
            if self.data is not None:
                # While the AWS provider mostly waits (SQS alone: ~26 s), not while terraform init
                # and the emulator's start need the CPU.
                self.data.start_in_background()
            self.applied_vars = tf_vars
            self.terraform.apply(tf_vars=tf_vars, state=self.state_path, parallelism="30")
            state = json.loads(Path(self.state_path).read_text())
            self.outputs = {name: value["value"] for name, value in state["outputs"].items()}
        return self.outputs

    def destroy(self) -> None:
        if self.applied_vars is not None and self.emulator.process is not None:
            with self.phase("destroy"):
                self.terraform.destroy(
                    tf_vars=self.applied_vars, state=self.state_path, refresh=False, parallelism="30"
                )
            self.applied_vars = None

    def resource_count(self) -> int:
        """Managed resources in the Terraform state (0 before the first apply)."""
        try:
            state = json.loads(Path(self.state_path).read_text())
        except (OSError, ValueError):
            return 0
        managed = [r for r in state.get("resources", []) if r.get("mode") == "managed"]
        return sum(len(r.get("instances", [])) for r in managed)

    def stop(self, destroy: bool = True) -> None:
        """``terraform destroy`` (unless ``destroy=False``), then stop the provider and the emulator."""
        try:
            if destroy:
                with contextlib.suppress(tftest.TerraformTestError):
                    self.destroy()
        finally:
            with self.phase("stop"):
                if self.provider is not None:
                    self.provider.stop()
                if self.data is not None:
                    self.data.stop()
                if self.own_emulator:
                    self.emulator.stop()
                shutil.rmtree(self.workdir, ignore_errors=True)

    # -- One cycle, as AWS would drive it -----------------------------------------------------
    def fire_schedule(self) -> Invocation:
        """EventBridge: the trigger rule fires and invokes its target, the starter Lambda."""
        rule = self.client("events").describe_rule(Name=self.outputs["event_rule_name"])
        targets = self.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
        target = next(
            t for t in targets if t["Arn"].endswith(f":function:{self.outputs['starter_function_name']}")
        )
        event = json.loads(target["Input"]) if target.get("Input") else scheduled_event(rule["Arn"])
        return invoke(self.emulator.endpoint, REGION, target["Arn"].split(":")[-1], event)

    def end_run(self, combination: Combination, task_arn: str, outcome: str) -> dict[str, Any]:
        """DMS: the run ends; a full load stops on its own, a CDC run stops at cut-over, or it fails."""
        if outcome == "failed":
            error = (
                "Last Error 2013 Lost connection to server during query (target) Task error"
                if self.with_data(combination)
                else "Last Error ORA-12541: TNS:no listener Task error"
            )
            self.emulator.finish_task(task_arn, "failed", error)
        elif combination.stops_on_its_own:
            self.emulator.finish_task(task_arn, "stopped")
        else:
            self.client("dms").stop_replication_task(ReplicationTaskArn=task_arn)
        return self.describe_task(task_arn)

    def publish_dms_event(self, task: dict[str, Any], outcome: str) -> dict[str, Any]:
        """DMS publishes the notification to the subscription's topic; SNS builds the Lambda event."""
        dms = self.client("dms")
        subscription = dms.describe_event_subscriptions(
            SubscriptionName=self.outputs["event_subscription_name"]
        )["EventSubscriptionsList"][0]
        _event_id, category, _ = DMS_EVENTS[outcome]
        if not subscription["Enabled"] or category not in subscription["EventCategoriesList"]:
            raise RuntimeError(
                f"event subscription {subscription['CustSubscriptionId']} "
                f"does not forward '{category}' events"
            )
        if task["ReplicationTaskIdentifier"] not in subscription["SourceIdsList"]:
            raise RuntimeError(f"event subscription does not cover task {task['ReplicationTaskIdentifier']}")
        message = dms_notification(task["ReplicationTaskIdentifier"], REGION, outcome, task)
        topic = subscription["SnsTopicArn"]
        message_id = self.client("sns").publish(
            TopicArn=topic, Message=message, Subject="DMS Notification Message"
        )["MessageId"]
        lambda_subscriptions = [
            s
            for s in self.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
            if s["Protocol"] == "lambda"
        ]
        if not lambda_subscriptions:
            raise RuntimeError(f"no Lambda is subscribed to {topic}")
        return {
            "topic": topic,
            "message": message,
            "deliveries": [
                (
                    s["Endpoint"].split(":")[-1],
                    sns_lambda_event(topic, s["SubscriptionArn"], message_id, message),
                )
                for s in lambda_subscriptions
            ],
        }

    def deliver(self, function_name: str, event: dict[str, Any]) -> Invocation:
        """SNS invokes the subscribed Lambda with the Records event."""
        return invoke(self.emulator.endpoint, REGION, function_name, event)
