"""One whole automation cycle on the local AWS emulator, printed as a timeline.

    python -m scripts.demo --combination data-refresh/full-load/schedule [--fail] [--keep]

1. starts the emulator (moto's server plus the project's extension) on a free loopback port and,
   at the same time, one AWS provider process that every terraform command of the run attaches to;
2. creates a DMS replication instance, two endpoints and a task in it (boto3);
3. applies examples/local: the real modules/automation on that task;
4. drives one cycle as AWS would: the schedule fires the starter (run from the package the module
   deployed), the task starts and the trigger is disabled; DMS ends the run and publishes its
   notification to the SNS topic; SNS delivers it to the post-process Lambda, which re-arms the
   trigger (schedule) or leaves it disarmed (one-time);
5. destroys what it created and stops the emulator (unless ``--keep``).

Terraform state lives in a temporary directory per run, the emulator in its own process group;
Ctrl-C, SIGTERM or a crash at any point stops the emulator and the provider, so nothing is left
for the next run.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from scripts.emulator import FAKE_CREDENTIALS, Emulator, EmulatorError
from scripts.emulator.lambdas import Invocation, invoke
from scripts.tfcli import ROOT, STATE_DIR, terraform_env

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
# DMS notifications as DMS writes them, delivered as SNS delivers them
# ---------------------------------------------------------------------------------------------
DMS_EVENTS = {
    # outcome: (event id, category, message)
    "stopped": ("DMS-EVENT-0079", "state change", "Replication task has stopped. {stop_reason}."),
    "failed": ("DMS-EVENT-0078", "failure", "Replication task has failed. Reason: {failure}"),
}


def dms_notification(task_id: str, region: str, outcome: str, task: dict[str, Any]) -> str:
    """The JSON text DMS publishes to an event subscription's topic (keys with spaces, trailing spaces)."""
    event_id, _category, template = DMS_EVENTS[outcome]
    now = dt.datetime.now(dt.UTC)
    return json.dumps(
        {
            "Event Source": "replication-task",
            "Event Time": now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}",
            "Identifier Link": (
                f"https://console.aws.amazon.com/dms/v2/home?region={region}#tasks:ids={task_id}\n"
                f"SourceId: {task_id} "
            ),
            "Event ID": f"http://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html#{event_id} ",
            "Event Message": template.format(
                stop_reason=task.get("StopReason", "Stop Reason NORMAL"),
                failure=task.get("LastFailureMessage", ""),
            ),
        }
    )


def sns_lambda_event(topic_arn: str, subscription_arn: str, message_id: str, message: str) -> dict[str, Any]:
    """The event SNS invokes a subscribed Lambda with."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": "DMS Notification Message",
                    "Message": message,
                    "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.example.invalid/cert.pem",
                    "UnsubscribeUrl": "https://sns.example.invalid/unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def scheduled_event(rule_arn: str) -> dict[str, Any]:
    """The event EventBridge invokes a schedule rule's target with."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule_arn.split(":")[4],
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule_arn.split(":")[3],
        "resources": [rule_arn],
        "detail": {},
    }


# ---------------------------------------------------------------------------------------------
# One AWS provider process for every terraform command of a run
# ---------------------------------------------------------------------------------------------
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """The provider is killed by the kernel when the process that started it dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class ProviderServer:
    """``hashicorp/aws`` started once in debug mode; terraform attaches through TF_REATTACH_PROVIDERS.

    Terraform otherwise starts the provider (a large binary) several times per command: for the
    schema, validation, plan and apply. Attaching every command of a run to one running provider
    removes that start-up cost; what the provider does against the API is unchanged.
    """

    ADDRESS = "registry.terraform.io/hashicorp/aws"

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.log_path = workdir / "provider.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.reattach: str | None = None

    @staticmethod
    def find(tf_data_dir: Path | None = None) -> Path | None:
        """The provider binary of the version examples/local is locked to (plugin cache or TF_DATA_DIR).

        None before the first ``terraform init`` of a fresh clone (no lock file yet).
        """
        lock_file = ROOT / EXAMPLE_DIR / ".terraform.lock.hcl"
        if not lock_file.exists():
            return None
        lock = lock_file.read_text()
        start = lock.index(f'provider "{ProviderServer.ADDRESS}"')
        version = lock[start:].split("version", 1)[1].split('"')[1]
        platform = f"{os.uname().sysname.lower()}_{_go_arch()}"
        candidates = [STATE_DIR / "plugin-cache"]
        if tf_data_dir is not None:
            candidates.insert(0, tf_data_dir / "providers")
        for base in candidates:
            directory = base / ProviderServer.ADDRESS / version / platform
            found = sorted(directory.glob("terraform-provider-aws*")) if directory.is_dir() else []
            if found:
                return found[0]
        return None

    @staticmethod
    def environment() -> dict[str, str]:
        """The provider talks to the loopback emulator only: no CA bundle, profile or shared config.

        (A CA bundle from the environment also breaks a second ConfigureProvider in one process.)
        """
        kept = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        return {
            **kept,
            **FAKE_CREDENTIALS,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "CHECKPOINT_DISABLE": "1",
        }

    def spawn(self) -> ProviderServer:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "-debug"],
                cwd=ROOT / EXAMPLE_DIR,  # where terraform runs: relative paths (the Lambda zip) resolve alike
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                preexec_fn=_die_with_parent,  # prctl only, between fork and exec
            )
        atexit.register(self.stop)
        return self

    def wait_ready(self, timeout: float = 120.0) -> str:
        """The TF_REATTACH_PROVIDERS value, once the provider listens."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            for line in text.splitlines():
                if "TF_REATTACH_PROVIDERS=" in line:
                    self.reattach = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
                    return self.reattach
            if self.process.poll() is not None:
                raise EmulatorError(f"the AWS provider exited with code {self.process.returncode}:\n{text}")
            time.sleep(0.05)
        raise EmulatorError(f"the AWS provider did not start within {timeout:.0f}s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)  # the provider's own graceful shutdown
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _go_arch() -> str:
    machine = os.uname().machine.lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


# ---------------------------------------------------------------------------------------------
# The stack: emulator + DMS task + examples/local applied
# ---------------------------------------------------------------------------------------------
class EmulatedStack:
    """The emulator, a DMS task in it and examples/local applied on that task.

    ``start`` launches the emulator and the AWS provider and runs ``terraform init`` while they
    start; ``apply`` is one ``terraform apply`` (outputs are read from the state it writes);
    ``destroy`` is one ``terraform destroy -refresh=false``. ``phases`` records how long each took.
    """

    def __init__(self, emulator: Emulator | None = None, timeline: Timeline | None = None) -> None:
        self.own_emulator = emulator is None
        self.emulator = emulator or Emulator()
        self.timeline = timeline or quiet()
        self.workdir = Path(tempfile.mkdtemp(prefix="dms-automation-demo-"))
        self.outputs: dict[str, Any] = {}
        self.applied_vars: dict[str, str] | None = None
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
            binary = ProviderServer.find()
            if binary is not None:
                self.provider = ProviderServer(binary, self.workdir).spawn()
            test = self.terraform  # terraform init
            if self.provider is None:
                binary = ProviderServer.find(self.workdir / ".terraform")
                if binary is not None:
                    self.provider = ProviderServer(binary, self.workdir).spawn()
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
        """
        dms = self.client("dms")
        if task_id not in self._task_bases:
            instance = dms.create_replication_instance(
                ReplicationInstanceIdentifier=f"{task_id}-instance", ReplicationInstanceClass="dms.t3.medium"
            )["ReplicationInstance"]["ReplicationInstanceArn"]
            endpoints = {}
            for kind, engine, port in (("source", "oracle", 1521), ("target", "aurora", 3306)):
                endpoints[kind] = dms.create_endpoint(
                    EndpointIdentifier=f"{task_id}-{kind}",
                    EndpointType=kind,
                    EngineName=engine,
                    ServerName=f"{kind}.db.internal",
                    Port=port,
                    DatabaseName="APP",
                    Username="dms",
                    Password="not-a-secret",
                )["Endpoint"]["EndpointArn"]
            self._task_bases[task_id] = (instance, endpoints["source"], endpoints["target"])
        instance, source, target = self._task_bases[task_id]
        extra = {"ResourceIdentifier": resource_identifier} if resource_identifier else {}
        task = dms.create_replication_task(
            ReplicationTaskIdentifier=task_id,
            SourceEndpointArn=source,
            TargetEndpointArn=target,
            ReplicationInstanceArn=instance,
            MigrationType=combination.refresh_type,
            TableMappings=json.dumps(
                {
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
            ),
            **extra,
        )["ReplicationTask"]
        return self.describe_task(task["ReplicationTaskArn"])

    def delete_task(self, arn: str) -> None:
        self.client("dms").delete_replication_task(ReplicationTaskArn=arn)

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
        self, combination: Combination, task: dict[str, Any], extra_vars: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """One ``terraform apply`` (no separate plan); the outputs come from the state it wrote."""
        tf_vars = {
            **combination.tf_vars(),
            "aws_endpoint_url": self.emulator.endpoint,
            "region": REGION,
            "replication_task_arn": task["ReplicationTaskArn"],
            "replication_task_id": task["ReplicationTaskIdentifier"],
            **(extra_vars or {}),
        }
        with self.phase("apply"):
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
            self.emulator.finish_task(task_arn, "failed", "Last Error ORA-12541: TNS:no listener Task error")
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


# ---------------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------------
@dataclass
class CycleResult:
    rule_after_start: str
    task_after_start: str
    start_type: str | None
    task_after_run: str
    rule_after_post_process: str
    starter: Invocation
    post_process: list[Invocation]


def _show_invocation(timeline: Timeline, invocation: Invocation) -> None:
    if invocation.failed:
        assert invocation.error is not None
        timeline.detail(
            f"{invocation.function_name} raised {invocation.error['errorType']}: "
            f"{invocation.error['errorMessage']}"
        )
    else:
        timeline.detail(f"{invocation.function_name} returned {json.dumps(invocation.payload, default=str)}")


def run_cycle(
    stack: EmulatedStack, combination: Combination, task_arn: str, outcome: str = "stopped"
) -> CycleResult:
    timeline = stack.timeline
    rule = stack.outputs["event_rule_name"]

    timeline.step(
        f"The schedule fires: EventBridge rule {rule} invokes {stack.outputs['starter_function_name']}"
    )
    timeline.detail("(the handler runs from the package the module deployed, downloaded from the emulator)")
    starter = stack.fire_schedule()
    _show_invocation(timeline, starter)
    task = stack.describe_task(task_arn)
    state = stack.emulator.task_state(task_arn)
    rule_after_start = stack.rule_state()
    timeline.detail(
        f"StartReplicationTask({state['LastStartType']}) -> task {task['Status']}; "
        f"rule {rule} {rule_after_start}; run state {_run_state(stack, task_arn)}"
    )

    what = (
        "fails"
        if outcome == "failed"
        else "finishes the full load"
        if combination.stops_on_its_own
        else ("is stopped at cut-over (StopReplicationTask)")
    )
    timeline.step(f"DMS {what}")
    task = stack.end_run(combination, task_arn, outcome)
    reason = task.get("LastFailureMessage") or task.get("StopReason", "")
    timeline.detail(f"task {task['Status']}: {reason}")

    timeline.step(
        "DMS publishes its event notification to the SNS topic; SNS delivers it to the post-process Lambda"
    )
    published = stack.publish_dms_event(task, outcome)
    timeline.detail(f"SNS Publish {published['topic']}")
    timeline.detail(json.dumps(json.loads(published["message"]), indent=2))
    post = []
    for function_name, event in published["deliveries"]:
        invocation = stack.deliver(function_name, event)
        _show_invocation(timeline, invocation)
        post.append(invocation)

    rule_after = stack.rule_state()
    expected = "ENABLED" if combination.is_schedule else "DISABLED"
    timeline.step(
        f"After post-processing: rule {rule} is {rule_after} (expected {expected} for {combination.mode})"
    )
    timeline.detail(f"run state {_run_state(stack, task_arn)}")
    return CycleResult(
        rule_after_start=rule_after_start,
        task_after_start=stack.describe_task(task_arn)["Status"] if False else state["Status"],
        start_type=state["LastStartType"],
        task_after_run=task["Status"],
        rule_after_post_process=rule_after,
        starter=starter,
        post_process=post,
    )


def _run_state(stack: EmulatedStack, task_arn: str) -> str:
    item = stack.run_state(task_arn)
    handled = item.get("handled_run") or "-"
    phase, version = item.get("phase", "none"), item.get("version", 0)
    return f"{phase} (version {version}, last run post-processed: {handled})"


def _phases(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())


def _install_signal_handlers() -> None:
    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    with contextlib.suppress(ValueError, AttributeError):
        signal.signal(signal.SIGHUP, interrupted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--combination",
        default="data-refresh/full-load/schedule",
        help="indicator/type/mode, one of: " + ", ".join(c.label for c in ALL_COMBINATIONS),
    )
    parser.add_argument("--fail", action="store_true", help="make the DMS run fail instead of completing")
    parser.add_argument(
        "--keep", action="store_true", help="leave the stack and the emulator up for poking at"
    )
    parser.add_argument(
        "--terraform-destroy",
        action="store_true",
        help="run terraform destroy before stopping the emulator (by default the stack, which exists only "
        "in the emulator, goes with it: the AWS provider's fixed waits make a destroy take ~25 s)",
    )
    args = parser.parse_args(argv)
    try:
        combination = Combination.parse(args.combination)
    except ValueError as error:
        parser.error(str(error))

    _install_signal_handlers()
    timeline = Timeline()
    outcome = "failed" if args.fail else "stopped"
    print(f"DMS automation demo: {combination.label}, run {'fails' if args.fail else 'succeeds'}")
    stack = EmulatedStack(timeline=timeline)
    kept = interrupted = False
    try:
        timeline.step("Start the local AWS emulator and the AWS provider; terraform init")
        stack.start()
        timeline.detail(f"emulator listening on {stack.emulator.endpoint} (log: {stack.emulator.log_path})")
        if stack.provider is not None:
            timeline.detail(
                "every terraform command attaches to one provider process (TF_REATTACH_PROVIDERS)"
            )

        timeline.step(f"Create a DMS task in the emulator: {TASK_ID} ({combination.refresh_type})")
        with stack.phase("task"):
            task = stack.create_task(combination)
        timeline.detail(f"{task['ReplicationTaskArn']} -> {task['Status']}")

        timeline.step(f"terraform apply {EXAMPLE_DIR} (modules/automation on that task)")
        outputs = stack.apply(combination, task)
        for key in (
            "event_rule_name",
            "starter_function_name",
            "post_process_function_name",
            "sns_topic_arn",
            "event_subscription_name",
            "state_table_name",
        ):
            timeline.detail(f"{key} = {outputs[key]}")
        timeline.detail(f"rule {outputs['event_rule_name']} is {stack.rule_state()}")

        with stack.phase("cycle"):
            result = run_cycle(stack, combination, task["ReplicationTaskArn"], outcome)

        expected_rule = (
            "ENABLED"
            if combination.is_schedule or (outcome == "failed" and combination.is_schedule)
            else ("DISABLED")
        )
        ok = (
            result.rule_after_start == "DISABLED"
            and result.task_after_start == "running"
            and result.rule_after_post_process == expected_rule
            and not result.starter.failed
            and (outcome == "failed" or not any(p.failed for p in result.post_process))
        )
        print("\nSummary")
        print(f"  combination           {combination.label}")
        print(
            f"  started with          {result.start_type}; task {result.task_after_start}, "
            f"rule {result.rule_after_start} while running"
        )
        print(f"  run ended             task {result.task_after_run}")
        print(f"  after post-process    rule {result.rule_after_post_process} (expected {expected_rule})")
        print(
            f"  result                {'OK' if ok else 'UNEXPECTED'} "
            f"in {time.monotonic() - timeline.started:.1f}s"
        )

        print("  phases                " + _phases(stack.phases))

        if args.keep:
            kept = True
            print(
                f"\nKept running: AWS_ENDPOINT_URL={stack.emulator.endpoint} "
                f"(fake credentials, region {REGION})"
            )
            print(
                f"  e.g. AWS_ENDPOINT_URL={stack.emulator.endpoint} "
                "AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x "
                f"aws --region {REGION} events describe-rule --name {outputs['event_rule_name']}"
            )
            print(f"  Terraform state: {stack.state_path}")
            print("  Press Ctrl-C to destroy the stack and stop the emulator.")
            with contextlib.suppress(KeyboardInterrupt):
                while stack.emulator.process is not None and stack.emulator.process.poll() is None:
                    time.sleep(1)
            kept = False
        return 0 if ok else 1
    except tftest.TerraformTestError as error:
        text = " ".join(str(part) for part in error.args if part)
        errors = [line for line in text.splitlines() if line.startswith("Error")] or text.splitlines()[-5:]
        print("\nterraform failed:\n  " + "\n  ".join(dict.fromkeys(errors)), file=sys.stderr)
        interrupted = True  # nothing to destroy that stopping the emulator does not remove
        return 1
    except KeyboardInterrupt:
        # Everything lives in the emulator's memory: stopping it is the fastest complete clean-up.
        print("\ninterrupted: stopping the emulator and the provider", file=sys.stderr)
        interrupted = True
        return 130
    finally:
        if not kept:
            destroy = args.terraform_destroy and not interrupted
            resources = stack.resource_count()
            if destroy:
                timeline.step("terraform destroy; stop the emulator")
            else:
                timeline.step("Tear down: stop the emulator and the provider, delete the Terraform state")
                if resources and not interrupted:
                    timeline.detail(
                        f"the {resources} resources applied exist only in the emulator and go with it "
                        "(--terraform-destroy runs terraform destroy first)"
                    )
            stack.stop(destroy=destroy)
            timeline.detail(_phases(stack.phases))
            timeline.detail(f"done in {time.monotonic() - timeline.started:.1f}s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())


def _iter_combinations() -> Iterator[Combination]:  # pragma: no cover - convenience for the REPL
    yield from ALL_COMBINATIONS
