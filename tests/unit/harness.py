"""Test harness: a DMS task, its trigger rule and the state table, handlers called from outside,
fault injection, and invocations run inside another invocation's AWS call.

DMS is the project's one DMS model (``scripts/emulator/dms_model.py``, the same the emulator
serves), answered in-process: every DMS client talks to ``DMS_ENDPOINT``, where a botocore
``before-send`` hook hands the serialised request to ``DmsModel.serve`` and returns its answer, so
botocore parses it and retries as on the wire. Tests change what DMS does on its own through the
model's public API (``world.model``: a run ends, a connection test fails, an assessment run takes
time) and assert on the calls the handlers made (a botocore spy) as well as on the model's state.
EventBridge and DynamoDB are moto's (its conditional writes evaluate ``ConditionExpression``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from dms_automation import aws
from scripts.emulator.dms_model import OPERATIONS as DMS_OPERATIONS
from scripts.emulator.dms_model import DmsModel, Task, attach, http_response, operation_of

EVENTS = Path(__file__).resolve().parent.parent / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
TASK_ID = "hello-world"  # the identifier the sample notifications name
RULE = "dms-automation-trigger"
TABLE = "dms-automation-state"
IN_FLIGHT = ("starting", "running", "stopping")
# Where every DMS client of the tests sends its calls: answered by the model, never by the network
# (.invalid never resolves) and never by moto (it answers only AWS's own host names).
DMS_ENDPOINT = "https://dms.model.invalid"
INSTANCE_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:rep:INSTANCEXYZ0000000000000000"
SOURCE_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:endpoint:SOURCE000000000000000000000"
TARGET_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:endpoint:TARGET000000000000000000000"


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


def _error_response(code: str, status: int = 400) -> Any:
    return http_response(
        "https://injected", status, json.dumps({"__type": code, "message": f"injected {code}"}).encode()
    )


class _Canned(dict[str, dict[str, Any]]):
    """Canned answers of other services' operations; DMS answers only from the model."""

    def __setitem__(self, operation: str, answer: dict[str, Any]) -> None:
        if operation in DMS_OPERATIONS:
            raise ValueError(
                f"{operation} is answered by the DMS model: set what DMS does through world.model "
                "(put_task, end_run, set_table_statistics, script_connection, assessments)"
            )
        super().__setitem__(operation, answer)


class World:
    """One automation: its DMS task (the model), trigger rule and state table (moto)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE", DMS_ENDPOINT)
        self.instance_arn, self.source_arn, self.target_arn = INSTANCE_ARN, SOURCE_ARN, TARGET_ARN
        self.engines = {SOURCE_ARN: "oracle", TARGET_ARN: "aurora"}
        self.model = DmsModel(ACCOUNT, REGION, endpoint_engine=self.engines.get)
        self.dms = attach(boto3.client("dms", region_name=REGION), self.model)
        self.events = boto3.client("events", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.calls: list[str] = []
        self.inside: list[Inside] = []
        self.call_args: list[tuple[str, dict[str, Any]]] = []
        self.send_faults: list[Fault] = []  # answered with an HTTP error: botocore's retries apply
        self.call_faults: list[Fault] = []  # short-circuited before sending: no side effect, no retry
        self.canned: dict[str, dict[str, Any]] = _Canned()
        self.invocations: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
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

    # -- instrumentation of the clients the handlers create ------------------------------------
    def _instrument(self, clients: aws.Clients) -> aws.Clients:
        for client in (clients.dms, clients.events, clients.dynamodb):
            client.meta.events.register_first("before-parameter-build", self._record)
            client.meta.events.register_first("before-call", self._before_call)
            client.meta.events.register_first("before-send", self._before_send)
        clients.lambda_ = _FakeLambda(self.invocations)
        return clients

    def _record(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = operation_of(event_name)
        self.calls.append(operation)
        self.call_args.append((operation, dict(params)))

    def _before_call(self, event_name: str, **_: Any) -> Any:
        operation = operation_of(event_name)
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
            return http_response("https://canned", 200, b"{}"), self.canned[operation]
        return None

    def _before_send(self, event_name: str, request: Any, **_: Any) -> Any:
        operation = operation_of(event_name)
        is_dms = ".database-migration-service." in event_name
        for fault in self.send_faults:
            if fault.fails(operation):
                if fault.lost_response:
                    if is_dms:
                        self.model.serve(operation, request.body)  # DMS carries the call out
                    return _error_response(fault.code, 500)  # (and so does moto: its hook runs too)
                # botocore calls every before-send handler and keeps the first answer: moto's
                # handler, which runs after this one, must not carry out an unsent call. It answers
                # only AWS's own host names, so this attempt goes to one it does not know (botocore
                # prepares the request anew for a retry).
                request.url = "https://unsent.invalid/"
                return _error_response(fault.code)
        if is_dms:
            status, body = self.model.serve(operation, request.body)
            return http_response(request.url, status, body)
        return None

    def during(self, operation: str, action: Any, call: int = 1) -> Inside:
        """Run ``action`` (another invocation) inside the ``call``-th ``operation`` of any client,
        before that call is sent: the outer invocation then continues on what it had read."""
        inside = Inside(operation, action, call)
        self.inside.append(inside)
        return inside

    # -- DMS: what it does on its own, through the model's API --------------------------------
    @property
    def task(self) -> Task:
        """The task as DMS shows it now (a look: a start or stop under way has taken effect)."""
        return self.model.look(self.model.task(self.task_arn))

    @property
    def assessments(self) -> Any:
        """The model's premigration assessment runs and how they end (DmsModel.assessments)."""
        return self.model.assessments

    @property
    def stop_reason(self) -> str:
        return self.model.task(self.task_arn).stop_reason

    @stop_reason.setter
    def stop_reason(self, value: str) -> None:
        self.model.task(self.task_arn).stop_reason = value

    def set_task(self, status: str, started_minutes_ago: float | None = None, stopped: bool = False) -> None:
        """DMS shows the task in ``status``; its last run started that long ago (and stopped a
        minute ago)."""
        now = self.model.clock()
        self.model.put_task(
            self.task_arn,
            status,
            started=now - timedelta(minutes=started_minutes_ago) if started_minutes_ago is not None else None,
            stopped=now - timedelta(minutes=1) if stopped else None,
        )

    def finish_run(self, status: str = "stopped", stopped_minutes_ago: float = 1, reason: str = "") -> None:
        """The run DMS was asked to start has ended, with DMS's stop reason for that ending
        (a full load finished; a CDC task stopped at cut-over; a failure)."""
        if (
            not reason
            and status == "stopped"
            and self.model.task(self.task_arn).migration_type != "full-load"
        ):
            reason = "NORMAL"
        at = self.model.clock() - timedelta(minutes=stopped_minutes_ago)
        self.model.end_run(self.task_arn, status, reason=reason, at=at)

    def table_statistics(self, tables: list[dict[str, Any]]) -> None:
        """DescribeTableStatistics shows these tables for the latest run."""
        self.model.set_table_statistics(self.task_arn, tables)

    def start_outside(self) -> None:
        """Someone starts the task from the console or the API, not through the automation."""
        task = self.model.task(self.task_arn)
        start_type = (
            "start-replication"
            if not task.ever_ran
            else "reload-target"
            if task.migration_type == "full-load"
            else "resume-processing"
        )
        self.dms.start_replication_task(ReplicationTaskArn=self.task_arn, StartReplicationTaskType=start_type)

    def delete_task(self) -> None:
        """Someone deletes the task; DMS takes a moment, and it is gone."""
        self.dms.delete_replication_task(ReplicationTaskArn=self.task_arn)
        self.model.look(self.model.task(self.task_arn))

    # -- EventBridge and the state table --------------------------------------------------------
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


class ScriptedDms:
    """A DMS client of a model with one replication instance (``INSTANCE`` of the connection
    tests), for calling ``dms_automation.task`` functions directly.

    status: what DescribeConnections shows per endpoint before any test; refuse: endpoints not
    available (TestConnection refused); after_tests: the status each accepted test ends in
    (default "successful"), reached after ``ticks`` looks that show it "testing"; ``_running``:
    set an endpoint's test under way for that many more looks. ``calls`` lists what was asked."""

    INSTANCE = "arn:aws:dms:eu-west-1:123456789012:rep:INSTANCE"
    FAILURE = "ORA-12541: TNS:no listener"

    def __init__(
        self,
        status: dict[str, str] | None = None,
        refuse: set[str] | None = None,
        after_tests: dict[str, str] | None = None,
        ticks: int = 1,
    ) -> None:
        from scripts.emulator.dms_model import ConnectionScript

        self.model = DmsModel(ACCOUNT, REGION)
        self.client = attach(
            boto3.client(
                "dms",
                region_name=REGION,
                endpoint_url=DMS_ENDPOINT,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            ),
            self.model,
        )
        self.calls: list[tuple[str, str]] = []
        self.model.unavailable.update(refuse or ())
        self.refuse = self.model.unavailable
        self.model.default_connection = ConnectionScript(looks=ticks)
        for arn, result in (after_tests or {}).items():
            self.model.script_connection(
                arn, result=result, looks=ticks, message=self.FAILURE if result == "failed" else ""
            )
        for arn, shown in (status or {}).items():
            self.model.put_connection(
                self.INSTANCE, arn, shown, message=self.FAILURE if shown == "failed" else ""
            )
        self._running = _UnderWay(self)

    @property
    def status(self) -> dict[str, str]:
        return {endpoint: c.status for (_, endpoint), c in self.model.connections.items()}

    def test_connection(self, ReplicationInstanceArn: str, EndpointArn: str) -> dict[str, Any]:
        self.calls.append(("TestConnection", EndpointArn))
        return self.client.test_connection(  # type: ignore[no-any-return]
            ReplicationInstanceArn=ReplicationInstanceArn, EndpointArn=EndpointArn
        )

    def describe_connections(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("DescribeConnections", ""))
        return self.client.describe_connections(Filters=Filters)  # type: ignore[no-any-return]


@dataclass
class _UnderWay:
    dms: ScriptedDms

    def __setitem__(self, endpoint_arn: str, looks: int) -> None:
        self.dms.model.put_connection(self.dms.INSTANCE, endpoint_arn, "testing", looks=looks)
