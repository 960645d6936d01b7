"""Test harness: a DMS task, its trigger rule and the state table in moto, handlers called from
outside, fault injection, and invocations run inside another invocation's AWS call.

moto's DMS is thin: a new task stays ``creating`` and a start jumps to ``running`` whatever the
start type, so the tests set the task's state through moto's backend ("the run finished") and
assert on the calls the handlers made (a botocore spy) as well as on moto's state. Where moto
differs from DMS in a way the automation relies on, the harness answers as DMS does:

- ``StartReplicationTask`` of a task that is starting, running or stopping is refused with
  ``InvalidResourceStateFault`` (moto starts it again; DMS's API reference lists the fault for a
  resource "in a state that prevents it from being used",
  https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html);
- an ended run reports ``StopReason`` ("Stop Reason FULL_LOAD_ONLY_FINISHED" for a full load
  that finished, https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html),
  which moto never sets.

- premigration assessment runs, which moto does not implement, are answered by
  ``FakeAssessments`` as the DMS API reference describes them (see there).

DynamoDB's conditional writes are moto's own (it evaluates ``ConditionExpression``).
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
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.dms.models import dms_backends

from dms_automation import aws

EVENTS = Path(__file__).resolve().parent.parent / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
TASK_ID = "hello-world"  # the identifier the sample notifications name
RULE = "dms-automation-trigger"
TABLE = "dms-automation-state"
IN_FLIGHT = ("starting", "running", "stopping")


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
    lost_response: bool = False  # the call takes effect, then its answer is lost (HTTP 500)
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
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.calls: list[str] = []
        self.inside: list[Inside] = []
        self.stop_reason = ""
        self.stats: dict[str, Any] = {}
        self.call_args: list[tuple[str, dict[str, Any]]] = []
        self.send_faults: list[Fault] = []  # answered with an HTTP error: botocore's retries apply
        self.call_faults: list[Fault] = []  # short-circuited before sending: no side effect, no retry
        self.canned: dict[str, dict[str, Any]] = {}
        self.invocations: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.assessments = FakeAssessments()
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
        self.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.rule_arn = self.events.put_rule(
            Name=RULE, ScheduleExpression="cron(0 0 * * ? *)", State="ENABLED"
        )["RuleArn"]
        for name, value in {
            "REPLICATION_TASK_ARN": self.task_arn,
            "EVENT_RULE_NAME": RULE,
            "MIGRATION_REFRESH_INDICATOR": "data-refresh",
            "MIGRATION_REFRESH_TYPE": "full-load",
            "SCHEDULE_OR_ONE_TIME": "schedule",
            "STATE_TABLE_NAME": TABLE,
            "TEST_ENDPOINT_CONNECTIONS": "false",
            "CONNECTION_TEST_POLL_SECONDS": "0",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("MASKING_RULES", raising=False)
        monkeypatch.delenv("MASKING_RULES_PARAMETER", raising=False)
        original = aws.make_clients
        monkeypatch.setattr(aws, "make_clients", lambda *a, **k: self._instrument(original(*a, **k)))
        # botocore calls every before-send handler and keeps the first answer, so moto's own
        # handler runs even after ours answered: an injected error must stop it, or the call
        # would take effect behind the error.
        self._unsent = False
        stub = BotocoreStubber.__call__

        def stubber(stubber_self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            if self._unsent:
                self._unsent = False
                return None
            return stub(stubber_self, event_name, request, **kwargs)

        monkeypatch.setattr(BotocoreStubber, "__call__", stubber)

    def _endpoint(self, name: str, kind: str, engine: str) -> str:
        return self.dms.create_endpoint(EndpointIdentifier=name, EndpointType=kind, EngineName=engine)[
            "Endpoint"
        ]["EndpointArn"]

    # -- instrumentation of the clients the handlers create ------------------------------------
    def _instrument(self, clients: aws.Clients) -> aws.Clients:
        for client in (clients.dms, clients.events, clients.dynamodb):
            client.meta.events.register_first("before-parameter-build", self._record)
            client.meta.events.register_first("before-call", self._before_call)
            client.meta.events.register_first("before-send", self._before_send)
            client.meta.events.register("after-call", self._after_call)
        clients.lambda_ = _FakeLambda(self.invocations)
        return clients

    def _record(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.calls.append(operation)
        self.call_args.append((operation, dict(params)))

    def _before_call(self, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        for inside in self.inside:
            inside.maybe_run(operation)
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
        if operation in ASSESSMENT_OPERATIONS:
            params = next(p for op, p in reversed(self.call_args) if op == operation)
            answer = self.assessments.answer(operation, params)  # it takes effect here
            for fault in self.send_faults:
                if fault.lost_response and fault.fails(operation):
                    return _error_response(fault.code, 500), {
                        "Error": {"Code": fault.code, "Message": f"injected {fault.code}"},
                        "ResponseMetadata": {"HTTPStatusCode": 500},
                    }
            if "Error" in answer:
                code = answer["Error"]
                return _error_response(code), {
                    "Error": {"Code": code, "Message": f"refused: {code}"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                }
            return AWSResponse("https://assessments", 200, {}, MockRawResponse(b"{}")), answer
        return None

    def _before_send(self, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        for fault in self.send_faults:
            if fault.fails(operation):
                if fault.lost_response:
                    return _error_response(fault.code, 500)  # moto still carries the call out
                self._unsent = True
                return _error_response(fault.code)
        if operation == "StartReplicationTask" and self.task.status in IN_FLIGHT:
            self._unsent = True
            return _error_response("InvalidResourceStateFault")  # DMS refuses; moto would start again
        return None

    def _after_call(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        if event_name.rsplit(".", 1)[-1] != "DescribeReplicationTasks":
            return
        for task in parsed.get("ReplicationTasks", []):
            if self.stop_reason and task.get("Status") in ("stopped", "failed"):
                task["StopReason"] = self.stop_reason
            task.setdefault("ReplicationTaskStats", {}).update(self.stats)

    def during(self, operation: str, action: Any, call: int = 1) -> Inside:
        """Run ``action`` (another invocation) inside the ``call``-th ``operation`` of any client,
        before that call is sent: the outer invocation then continues on what it had read."""
        inside = Inside(operation, action, call)
        self.inside.append(inside)
        return inside

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

    def finish_run(self, status: str = "stopped", stopped_minutes_ago: float = 1, reason: str = "") -> None:
        """The run DMS was asked to start has ended, with DMS's stop reason for that ending."""
        task = self.task
        task.status = status
        task.stop_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=stopped_minutes_ago)
        default = (
            "RECOVERABLE_ERROR"
            if status == "failed"
            else ("FULL_LOAD_ONLY_FINISHED" if task.migration_type == "full-load" else "NORMAL")
        )
        self.stop_reason = f"Stop Reason {reason or default}"

    def start_outside(self) -> None:
        """Someone starts the task from the console or the API, not through the automation."""
        dms_backends[ACCOUNT][REGION].start_replication_task(self.task_arn)

    def delete_task(self) -> None:
        dms_backends[ACCOUNT][REGION].replication_tasks.pop(self.task_arn)

    def rule_enabled(self) -> bool:
        return self.events.describe_rule(Name=RULE)["State"] == "ENABLED"

    def set_rule(self, enabled: bool) -> None:
        (self.events.enable_rule if enabled else self.events.disable_rule)(Name=RULE)

    def state(self) -> dict[str, Any]:
        """The run state item as plain values ({} when there is none)."""
        item = self.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": self.task_arn}}).get("Item", {})
        return {name: next(iter(value.values())) for name, value in item.items()}

    def phase(self) -> str:
        return str(self.state().get("phase", ""))

    def pending(self) -> bool:
        """A run ended and is not post-processed."""
        task = self.task
        return (
            task.status in ("stopped", "failed")
            and task.start_date is not None
            and (self.state().get("handled_run") != self.task_run_key())
        )

    def task_run_key(self) -> str:
        found = self.dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [self.task_arn]}]
        )["ReplicationTasks"][0]
        from dms_automation.task import TaskState

        return TaskState.from_api(found).run_key

    def count(self, operation: str) -> int:
        return self.calls.count(operation)

    def starts(self) -> list[dict[str, Any]]:
        return [p for op, p in self.call_args if op == "StartReplicationTask"]


@dataclass
class Inside:
    operation: str
    action: Any
    call: int = 1
    seen: int = 0
    result: Any = None
    error: BaseException | None = None

    def maybe_run(self, operation: str) -> None:
        if operation != self.operation:
            return
        self.seen += 1
        if self.seen != self.call:
            return
        try:
            self.result = self.action()
        except Exception as error:  # the inner invocation's own failure, asserted by the test
            self.error = error

    @property
    def ran(self) -> bool:
        return self.seen >= self.call


@dataclass
class _FakeLambda:
    invocations: list[dict[str, Any]]

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invocations.append({**kwargs, "Payload": json.loads(kwargs["Payload"])})
        return {"StatusCode": 202}


ASSESSMENT_OPERATIONS = frozenset(
    {
        "DescribeApplicableIndividualAssessments",
        "StartReplicationTaskAssessmentRun",
        "DescribeReplicationTaskAssessmentRuns",
        "DescribeReplicationTaskIndividualAssessments",
    }
)


@dataclass
class FakeAssessments:
    """Premigration assessment runs, answered as the DMS API reference describes them (moto has
    none): ``StartReplicationTaskAssessmentRun`` answers with the run in status "starting"
    (https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTaskAssessmentRun.html);
    the run ends "passed" when every individual assessment passed or was skipped, "failed" when one
    failed or errored, "warning" otherwise
    (https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTaskAssessmentRun.html,
    API_ReplicationTaskIndividualAssessment.html); ``DescribeApplicableIndividualAssessments``
    lists what DMS could run for the task.

    ``outcome`` gives an individual assessment's final status (default "passed"); ``ends_after``
    is how many looks at the run it stays under way (None: it never ends); ``run_error`` makes
    the run itself end in that status (e.g. "error-provisioning")."""

    applicable: list[str] = field(
        default_factory=lambda: [
            "oracle-check-archivelog-mode",
            "oracle-supplemental-db-level",
            "oracle-validate-supplemental-logging-for-pk",
            "oracle-validate-supplemental-logging-all-columns",
            "oracle-validate-permissions-on-source",
            "oracle-check-archivelog-retention-rds",
            "oracle-check-secondary-indexes",  # not a CDC check: never asked for
        ]
    )
    outcome: dict[str, str] = field(default_factory=dict)
    ends_after: int | None = 0
    run_error: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "DescribeApplicableIndividualAssessments":
            return {"IndividualAssessmentNames": list(self.applicable)}
        if operation == "StartReplicationTaskAssessmentRun":
            # AssessmentRunName is a "Unique name to identify the assessment run"
            # (API_StartReplicationTaskAssessmentRun.html): a second run of that name is refused.
            if any(r["AssessmentRunName"] == params["AssessmentRunName"] for r in self.runs):
                return {"Error": "ResourceAlreadyExistsFault"}
            run = {
                "ReplicationTaskAssessmentRunArn": f"arn:aws:dms:{REGION}:{ACCOUNT}:assessment-run:RUN{len(self.runs) + 1}",
                "ReplicationTaskArn": params["ReplicationTaskArn"],
                "Status": "starting",
                "ReplicationTaskAssessmentRunCreationDate": datetime.now(UTC)
                + timedelta(seconds=len(self.runs)),
                "AssessmentRunName": params["AssessmentRunName"],
                "ResultLocationBucket": params["ResultLocationBucket"],
                "ResultLocationFolder": params.get("ResultLocationFolder", ""),
                "ServiceAccessRoleArn": params["ServiceAccessRoleArn"],
                "_include": list(params.get("IncludeOnly", [])),
                "_looks": 0,
            }
            self.runs.append(run)
            return {"ReplicationTaskAssessmentRun": self._public(run)}
        if operation == "DescribeReplicationTaskAssessmentRuns":
            (task_filter,) = params["Filters"]
            found = [r for r in self.runs if r["ReplicationTaskArn"] in task_filter["Values"]]
            for run in found:
                self._look(run)
            return {"ReplicationTaskAssessmentRuns": [self._public(r) for r in found]}
        (run_filter,) = params["Filters"]
        run = next(r for r in self.runs if r["ReplicationTaskAssessmentRunArn"] in run_filter["Values"])
        return {
            "ReplicationTaskIndividualAssessments": [
                {
                    "ReplicationTaskAssessmentRunArn": run["ReplicationTaskAssessmentRunArn"],
                    "IndividualAssessmentName": name,
                    "Status": self.outcome.get(name, "passed") if run["Status"] != "running" else "pending",
                }
                for name in run["_include"]
            ]
        }

    def _look(self, run: dict[str, Any]) -> None:
        if run["Status"] not in ("starting", "running"):
            return
        run["_looks"] += 1
        if self.ends_after is None or run["_looks"] <= self.ends_after:
            run["Status"] = "running"
            return
        if self.run_error:
            run["Status"], run["LastFailureMessage"] = self.run_error, f"injected {self.run_error}"
            return
        statuses = {self.outcome.get(name, "passed") for name in run["_include"]}
        run["Status"] = (
            "failed"
            if statuses & {"failed", "error"}
            else "warning"
            if statuses - {"passed", "skipped"}
            else "passed"
        )

    @staticmethod
    def _public(run: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in run.items() if not key.startswith("_")}

    def delete_runs(self) -> None:
        """An operator deletes the automation's assessment runs (DeleteReplicationTaskAssessmentRun)."""
        self.runs.clear()
