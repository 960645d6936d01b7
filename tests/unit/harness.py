"""Test harness: a DMS task and its trigger rule in moto, handlers called from outside, and fault injection.

moto's DMS is thin: a new task stays ``creating`` and a start jumps to ``running`` whatever the
start type, so the tests set the task's state through moto's backend ("the run finished") and
assert on the calls the handlers made (a botocore spy) as well as on moto's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import MockRawResponse
from moto.dms.models import dms_backends

from dms_automation import aws

EVENTS = Path(__file__).resolve().parent.parent / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
TASK_ID = "hello-world"  # the identifier the sample notifications name
RULE = "dms-automation-trigger"


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@dataclass
class FakeContext:
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = "dms-automation-post-process"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:dms-automation-post-process"
    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class ProcessDied(BaseException):
    """The Lambda process ended between two calls (timeout, out of memory, host failure)."""


@dataclass
class Fault:
    operation: str  # e.g. "StartReplicationTask", or "*" for every operation
    code: str = "ThrottlingException"
    calls: set[int] | None = None  # which calls of the operation fail (1-based); None: every call
    every_other: bool = False  # fail the 1st, 3rd, 5th ... attempt: each call succeeds on its retry
    crash: bool = False  # raise ProcessDied instead of an API error
    seen: dict[str, int] = field(default_factory=dict)

    def fails(self, operation: str) -> bool:
        if self.operation not in ("*", operation):
            return False
        count = self.seen[operation] = self.seen.get(operation, 0) + 1
        if self.every_other:
            return count % 2 == 1
        return self.calls is None or count in self.calls


def _error_response(code: str, status: int = 400) -> AWSResponse:
    body = json.dumps({"__type": code, "message": f"injected {code}"})
    return AWSResponse("https://injected", status, {"x-amzn-errortype": code}, MockRawResponse(body))


class World:
    """moto state for one automation: replication instance, endpoints, task, trigger rule."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.dms = boto3.client("dms", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.calls: list[str] = []
        self.call_args: list[tuple[str, dict[str, Any]]] = []
        self.send_faults: list[Fault] = []  # answered with an HTTP error: botocore's retries apply
        self.call_faults: list[Fault] = []  # short-circuited before sending: no side effect, no retry
        self.canned: dict[str, dict[str, Any]] = {}
        self.invocations: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        instance = self.dms.create_replication_instance(
            ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.micro"
        )["ReplicationInstance"]
        self.instance_arn = instance["ReplicationInstanceArn"]
        self.source_arn = self._endpoint("source", "source", "oracle")
        self.target_arn = self._endpoint("target", "target", "aurora")
        task = self.dms.create_replication_task(
            ReplicationTaskIdentifier=TASK_ID,
            SourceEndpointArn=self.source_arn,
            TargetEndpointArn=self.target_arn,
            ReplicationInstanceArn=self.instance_arn,
            MigrationType="full-load",
            TableMappings=json.dumps({"rules": []}),
        )["ReplicationTask"]
        self.task_arn = task["ReplicationTaskArn"]
        self.set_task("ready")
        self.rule_arn = self.events.put_rule(
            Name=RULE, ScheduleExpression="cron(0 0 * * ? *)", State="ENABLED"
        )["RuleArn"]
        for name, value in {
            "REPLICATION_TASK_ARN": self.task_arn,
            "EVENT_RULE_NAME": RULE,
            "MIGRATION_REFRESH_INDICATOR": "data-refresh",
            "MIGRATION_REFRESH_TYPE": "full-load",
            "SCHEDULE_OR_ONE_TIME": "schedule",
            "TEST_ENDPOINT_CONNECTIONS": "false",
            "CONNECTION_TEST_POLL_SECONDS": "0",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("MASKING_RULES", raising=False)
        monkeypatch.delenv("MASKING_CONFIG", raising=False)
        original = aws.make_clients
        monkeypatch.setattr(aws, "make_clients", lambda *a, **k: self._instrument(original(*a, **k)))

    def _endpoint(self, name: str, kind: str, engine: str) -> str:
        return self.dms.create_endpoint(EndpointIdentifier=name, EndpointType=kind, EngineName=engine)[
            "Endpoint"
        ]["EndpointArn"]

    # -- instrumentation of the clients the handlers create ------------------------------------
    def _instrument(self, clients: aws.Clients) -> aws.Clients:
        for client in (clients.dms, clients.events):
            client.meta.events.register_first("before-parameter-build", self._record)
            client.meta.events.register_first("before-call", self._before_call)
            client.meta.events.register_first("before-send", self._before_send)
        clients.lambda_ = _FakeLambda(self.invocations)
        return clients

    def _record(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.calls.append(operation)
        self.call_args.append((operation, dict(params)))

    def _before_call(self, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        for fault in self.call_faults:
            if fault.fails(operation):
                if fault.crash:
                    raise ProcessDied(f"process died before {operation}")
                return _error_response(fault.code), {
                    "Error": {"Code": fault.code, "Message": f"injected {fault.code}"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                }
        if operation in self.canned:
            return AWSResponse("https://canned", 200, {}, MockRawResponse(b"{}")), self.canned[operation]
        return None

    def _before_send(self, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        for fault in self.send_faults:
            if fault.fails(operation):
                return _error_response(fault.code)
        return None

    # -- state ----------------------------------------------------------------------------------
    @property
    def task(self) -> Any:
        return dms_backends[ACCOUNT][REGION].replication_tasks[self.task_arn]

    def set_task(self, status: str, started_minutes_ago: float | None = None, stopped: bool = False) -> None:
        task = self.task
        task.status = status
        if started_minutes_ago is not None:
            task.start_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=started_minutes_ago)
        if stopped:
            task.stop_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)

    def finish_run(self, status: str = "stopped", stopped_minutes_ago: float = 1) -> None:
        """The run DMS was asked to start has ended."""
        task = self.task
        task.status = status
        task.stop_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=stopped_minutes_ago)

    def delete_task(self) -> None:
        dms_backends[ACCOUNT][REGION].replication_tasks.pop(self.task_arn)

    def rule_enabled(self) -> bool:
        return self.events.describe_rule(Name=RULE)["State"] == "ENABLED"

    def set_rule(self, enabled: bool) -> None:
        (self.events.enable_rule if enabled else self.events.disable_rule)(Name=RULE)

    def tags(self) -> dict[str, str]:
        tags = self.events.list_tags_for_resource(ResourceARN=self.rule_arn)["Tags"]
        return {t["Key"]: t["Value"] for t in tags}

    def tag(self, **tags: str) -> None:
        self.events.tag_resource(
            ResourceARN=self.rule_arn,
            Tags=[{"Key": f"dms-automation:{k}", "Value": v} for k, v in tags.items()],
        )

    def count(self, operation: str) -> int:
        return self.calls.count(operation)

    def starts(self) -> list[dict[str, Any]]:
        return [p for op, p in self.call_args if op == "StartReplicationTask"]


@dataclass
class _FakeLambda:
    invocations: list[dict[str, Any]]

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invocations.append({**kwargs, "Payload": json.loads(kwargs["Payload"])})
        return {"StatusCode": 202}
