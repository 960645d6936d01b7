"""The project's one model of AWS DMS: replication tasks, connection tests, premigration assessment
runs and table statistics, as the automation sees them through the DMS API.

A plain Python class with no moto in it. The emulator's server answers these operations from it
(``scripts/emulator/dms.py``), and the unit tests answer them in-process from it (``attach``, a
botocore ``before-send`` hook: the request is serialised and the answer parsed by botocore exactly
as on the wire, and botocore's retries apply). ``serve`` is that wire: DMS's JSON protocol in, JSON
out, errors as ``{"__type", "message"}`` with HTTP 400.

Time in DMS passes between two looks: what AWS does on its own (a task becoming ready after
creation, running after a start, stopped after a stop; a connection test or an assessment run
ending) happens at the next ``Describe*`` of that resource. What AWS does at a moment only the test
knows (a full load ends, a run fails, a task is found in some state) are the model's own methods,
its public test API: ``put_task``, ``end_run``, ``set_table_statistics``, ``put_connection``,
``script_connection`` and the ``assessments`` script. Docs: docs/design.md, "The emulator".

Each behaviour cites the AWS page it stands for; tests/aws_examples holds AWS's recorded answers
and tests/emulator/test_dms_model.py checks the model against them.
"""

from __future__ import annotations

import json
import random
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

API = "https://docs.aws.amazon.com/dms/latest/APIReference/"
# The operations the model answers; every other DMS operation is the emulator's moto.
OPERATIONS = frozenset(
    {
        "CreateReplicationTask",
        "DescribeReplicationTasks",
        "ModifyReplicationTask",
        "StartReplicationTask",
        "StopReplicationTask",
        "DeleteReplicationTask",
        "DescribeTableStatistics",
        "TestConnection",
        "DescribeConnections",
        "DescribeApplicableIndividualAssessments",
        "StartReplicationTaskAssessmentRun",
        "DescribeReplicationTaskAssessmentRuns",
        "DescribeReplicationTaskIndividualAssessments",
        "CancelReplicationTaskAssessmentRun",
        "DeleteReplicationTaskAssessmentRun",
    }
)

MIGRATION_TYPES = ("full-load", "cdc", "full-load-and-cdc")
# StartReplicationTaskType (API_StartReplicationTask.html).
START_TYPES = ("start-replication", "resume-processing", "reload-target")
# A task can be started from these statuses; "starting", "running", "stopping" refuse a start
# with InvalidResourceStateFault ("The resource is in a state that prevents it from being used",
# API_StartReplicationTask.html, Errors).
STARTABLE = ("ready", "stopped", "failed")
IN_FLIGHT = ("starting", "running", "stopping")
# What a status becomes at the next look: the task statuses of "Monitoring DMS tasks"
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html, "Task status").
SETTLES_TO = {"creating": "ready", "starting": "running", "stopping": "stopped"}

# ReplicationTaskAssessmentRun.Status and ReplicationTaskIndividualAssessment.Status ("Specifying,
# starting, and viewing premigration assessment runs",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport1.html).
RUN_UNDER_WAY = ("starting", "provisioning", "running")
# The Oracle checks that decide whether DMS can capture changes ("Oracle assessments",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport.Oracle.html), and
# one check DMS offers for every task.
ORACLE_CDC_ASSESSMENTS = (
    "oracle-check-archivelog-mode",
    "oracle-check-archivelog-retention-rds",
    "oracle-supplemental-db-level",
    "oracle-validate-supplemental-logging-for-pk",
    "oracle-validate-supplemental-logging-all-columns",
    "oracle-validate-permissions-on-source",
)
GENERAL_ASSESSMENTS = ("all-check-source-selection-rules",)

Clock = Callable[[], datetime]


class DmsError(Exception):
    """A refusal DMS answers with HTTP 400 and this error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _resource_id() -> str:
    """DMS's generated resource ID: 26 upper-case letters and digits, the last part of the ARN."""
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=26))


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------
@dataclass
class Task:
    arn: str
    identifier: str
    source_endpoint_arn: str
    target_endpoint_arn: str
    replication_instance_arn: str
    migration_type: str
    table_mappings: str
    settings: str | None
    created: datetime
    status: str = "creating"
    settles_to: str | None = "ready"  # what the next look shows; None: the status holds
    start_date: datetime | None = None  # ReplicationTaskStartDate: the latest start
    fresh_start_date: datetime | None = None
    stats_start_date: datetime | None = None
    stop_date: datetime | None = None
    full_load_finish_date: datetime | None = None
    stop_reason: str = ""
    last_failure_message: str = ""
    full_load_percent: int = 0
    last_start_type: str | None = None
    start_count: int = 0
    cdc_start_position: str | None = None
    table_statistics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ever_ran(self) -> bool:
        return self.start_count > 0 or self.start_date is not None

    def to_api(self, with_settings: bool = True) -> dict[str, Any]:
        """The ReplicationTask object (API_ReplicationTask.html)."""
        loaded = sum(1 for t in self.table_statistics if t.get("TableState") == "Table completed")
        errored = sum(1 for t in self.table_statistics if "error" in str(t.get("TableState", "")).lower())
        stats: dict[str, Any] = {
            "FullLoadProgressPercent": self.full_load_percent,
            "ElapsedTimeMillis": (
                int(((self.stop_date or _now()) - self.stats_start_date).total_seconds() * 1000)
                if self.stats_start_date
                else 0
            ),
            "TablesLoaded": loaded,
            "TablesLoading": 0,
            "TablesQueued": 0,
            "TablesErrored": errored,
            "FreshStartDate": self.fresh_start_date,
            "StartDate": self.stats_start_date,
            "StopDate": self.stop_date,
            "FullLoadStartDate": self.stats_start_date if self.migration_type != "cdc" else None,
            "FullLoadFinishDate": self.full_load_finish_date,
        }
        data: dict[str, Any] = {
            "ReplicationTaskIdentifier": self.identifier,
            "SourceEndpointArn": self.source_endpoint_arn,
            "TargetEndpointArn": self.target_endpoint_arn,
            "ReplicationInstanceArn": self.replication_instance_arn,
            "MigrationType": self.migration_type,
            "TableMappings": self.table_mappings,
            "ReplicationTaskSettings": self.settings if with_settings else None,
            "Status": self.status,
            "StopReason": self.stop_reason or None,
            "LastFailureMessage": self.last_failure_message or None,
            "ReplicationTaskCreationDate": self.created,
            "ReplicationTaskStartDate": self.start_date,
            "CdcStartPosition": self.cdc_start_position,
            "ReplicationTaskArn": self.arn,
            "ReplicationTaskStats": {k: v for k, v in stats.items() if v is not None}
            if self.ever_ran
            else None,
        }
        return {k: v for k, v in data.items() if v is not None}


@dataclass
class Connection:
    replication_instance_arn: str
    endpoint_arn: str
    status: str
    message: str = ""
    looks_left: int = 0  # while "testing": how many more looks show it testing

    def to_api(self) -> dict[str, Any]:
        """The Connection object (API_Connection.html)."""
        data = {
            "ReplicationInstanceArn": self.replication_instance_arn,
            "EndpointArn": self.endpoint_arn,
            "Status": self.status,
            "LastFailureMessage": self.message if self.status == "failed" else "",
        }
        return data


@dataclass
class ConnectionScript:
    """How the next tests of an endpoint end: ``result`` after ``looks`` looks that show "testing"."""

    result: str = "successful"
    message: str = ""
    looks: int = 0


@dataclass
class AssessmentRun:
    arn: str
    task_arn: str
    name: str
    created: datetime
    bucket: str
    folder: str
    role_arn: str
    include: list[str]
    status: str = "starting"
    failure_message: str = ""
    looks: int = 0
    results: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        """The ReplicationTaskAssessmentRun object (API_ReplicationTaskAssessmentRun.html)."""
        done = [s for s in self.results.values() if s not in ("pending", "running")]
        data: dict[str, Any] = {
            "ReplicationTaskAssessmentRunArn": self.arn,
            "ReplicationTaskArn": self.task_arn,
            "Status": self.status,
            "ReplicationTaskAssessmentRunCreationDate": self.created,
            "AssessmentProgress": {
                "IndividualAssessmentCount": len(self.include),
                "IndividualAssessmentCompletedCount": len(done),
            },
            "LastFailureMessage": self.failure_message or None,
            "ServiceAccessRoleArn": self.role_arn,
            "ResultLocationBucket": self.bucket,
            "ResultLocationFolder": self.folder,
            "AssessmentRunName": self.name,
            "ResultStatistic": {
                "Passed": done.count("passed"),
                "Failed": done.count("failed"),
                "Error": done.count("error"),
                "Warning": done.count("warning"),
                "Cancelled": done.count("cancelled"),
            },
        }
        return {k: v for k, v in data.items() if v is not None}


@dataclass
class Assessments:
    """Premigration assessment runs and how they end (moto has none).

    ``applicable``: what DescribeApplicableIndividualAssessments lists (None: as DMS decides from
    the task's source engine and migration type); ``outcome``: an individual assessment's final
    status (default "passed"); ``ends_after``: how many looks a run stays under way (None: it never
    ends); ``run_error``: the run itself ends in that status (e.g. "error-provisioning")."""

    applicable: list[str] | None = None
    outcome: dict[str, str] = field(default_factory=dict)
    ends_after: int | None = 0
    run_error: str = ""
    runs: dict[str, AssessmentRun] = field(default_factory=dict)

    def delete_runs(self) -> None:
        """Someone deletes every assessment run (DeleteReplicationTaskAssessmentRun)."""
        self.runs.clear()


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------
class DmsModel:
    """One account and region of DMS. ``endpoint_engine`` names an endpoint's engine (None: no
    such endpoint); without it every endpoint is taken to exist, of an unknown engine."""

    def __init__(
        self,
        account: str = "123456789012",
        region: str = "eu-west-1",
        endpoint_engine: Callable[[str], str | None] | None = None,
        clock: Clock = _now,
    ) -> None:
        self.account, self.region = account, region
        self.endpoint_engine = endpoint_engine
        self.clock = clock
        self.tasks: dict[str, Task] = {}
        self.connections: dict[tuple[str, str], Connection] = {}
        self.connection_scripts: dict[str, ConnectionScript] = {}
        self.default_connection = ConnectionScript()
        self.unavailable: set[str] = set()  # instances and endpoints that are not available
        self.assessments = Assessments()
        # The emulator's server answers requests on several threads; one at a time here.
        self.lock = threading.RLock()

    @property
    def prefix(self) -> str:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        return f"arn:{partition}:dms:{self.region}:{self.account}"

    # -- the wire ----------------------------------------------------------------------------
    def serve(self, operation: str, body: bytes | str | None) -> tuple[int, bytes]:
        """Answer one DMS JSON-protocol request: (HTTP status, JSON body)."""
        try:
            params = json.loads(body or b"{}")
            with self.lock:
                answer = self.handle(operation, params)
        except DmsError as error:
            return 400, json.dumps({"__type": error.code, "message": error.message}).encode()
        except json.JSONDecodeError as error:
            return 400, json.dumps({"__type": "ValidationException", "message": str(error)}).encode()
        return 200, json.dumps(to_wire(answer)).encode()

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in OPERATIONS:
            raise DmsError("InvalidAction", f"the DMS model does not answer {operation}")
        method: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, "_" + _snake(operation))
        return method(params)

    # -- replication tasks --------------------------------------------------------------------
    def task(self, arn: str) -> Task:
        found = self.tasks.get(arn or "")
        if found is None:
            raise DmsError("ResourceNotFoundFault", f"Replication task {arn} could not be found.")
        return found

    def look(self, task: Task) -> Task:
        """What passed since the last look: a task that was creating, starting or stopping is now
        ready, running or stopped; a modified task is back where it was; a deleted one is gone."""
        if task.settles_to is None:
            return task
        if task.settles_to == "deleted":
            self.tasks.pop(task.arn, None)
            return task
        task.status, task.settles_to = task.settles_to, None
        if task.status == "stopped" and not task.stop_reason:
            # A stop by hand (StopReplicationTask): "Stop Reason NORMAL" (API_ReplicationTask.html,
            # StopReason).
            task.stop_reason = "Stop Reason NORMAL"
        return task

    def _create_replication_task(self, params: dict[str, Any]) -> dict[str, Any]:
        """CreateReplicationTask answers with the task "creating" (API_CreateReplicationTask.html;
        tests/aws_examples/create_replication_task.json); it is "ready" at the next look."""
        identifier = params.get("ReplicationTaskIdentifier") or ""
        if any(t.identifier == identifier for t in self.tasks.values()):
            raise DmsError("ResourceAlreadyExistsFault", f"Replication task {identifier} already exists.")
        migration_type = params.get("MigrationType")
        if migration_type not in MIGRATION_TYPES:
            raise DmsError(
                "InvalidParameterValueException",
                f"MigrationType {migration_type!r} is not valid; use one of: {', '.join(MIGRATION_TYPES)}",
            )
        for required in ("SourceEndpointArn", "TargetEndpointArn", "ReplicationInstanceArn", "TableMappings"):
            if not params.get(required):
                raise DmsError("InvalidParameterValueException", f"{required} is required")
        for key in ("SourceEndpointArn", "TargetEndpointArn"):
            if self.endpoint_engine is not None and self.endpoint_engine(params[key]) is None:
                raise DmsError("ResourceNotFoundFault", f"Endpoint {params[key]} could not be found.")
        # The ARN ends in a generated resource ID, or the ResourceIdentifier given
        # (API_CreateReplicationTask.html, ResourceIdentifier).
        arn = f"{self.prefix}:task:{params.get('ResourceIdentifier') or _resource_id()}"
        task = Task(
            arn=arn,
            identifier=identifier,
            source_endpoint_arn=params["SourceEndpointArn"],
            target_endpoint_arn=params["TargetEndpointArn"],
            replication_instance_arn=params["ReplicationInstanceArn"],
            migration_type=migration_type,
            table_mappings=params["TableMappings"],
            settings=params.get("ReplicationTaskSettings"),
            created=self.clock(),
            cdc_start_position=params.get("CdcStartPosition"),
        )
        self.tasks[arn] = task
        return {"ReplicationTask": task.to_api()}

    def _describe_replication_tasks(self, params: dict[str, Any]) -> dict[str, Any]:
        """Filters replication-task-arn, replication-task-id, migration-type, endpoint-arn and
        replication-instance-arn (API_DescribeReplicationTasks.html); no match for a filter is
        ResourceNotFoundFault ("No Tasks found matching provided filters"), as DMS answers."""
        found = list(self.tasks.values())
        filters = params.get("Filters") or []
        for f in filters:
            values = f.get("Values") or []
            name = f.get("Name")
            if name == "replication-task-arn":
                found = [t for t in found if t.arn in values]
            elif name == "replication-task-id":
                found = [t for t in found if t.identifier in values]
            elif name == "migration-type":
                found = [t for t in found if t.migration_type in values]
            elif name == "endpoint-arn":
                found = [t for t in found if {t.source_endpoint_arn, t.target_endpoint_arn} & set(values)]
            elif name == "replication-instance-arn":
                found = [t for t in found if t.replication_instance_arn in values]
            else:
                raise DmsError("InvalidParameterValueException", f"filter {name!r} is not valid")
        found = [self.look(t) for t in found]
        found = [t for t in found if t.arn in self.tasks]
        if filters and not found:
            raise DmsError("ResourceNotFoundFault", "No Tasks found matching provided filters")
        with_settings = not params.get("WithoutSettings")
        page, marker = _page(found, params)
        return {"ReplicationTasks": [t.to_api(with_settings) for t in page], **marker}

    def _modify_replication_task(self, params: dict[str, Any]) -> dict[str, Any]:
        """A task can be modified only when it is not running (API_ModifyReplicationTask.html:
        "You can't modify the task endpoints. The task must be stopped before you can modify it");
        it shows "modifying", then the status it had."""
        task = self.task(params.get("ReplicationTaskArn", ""))
        if task.status not in STARTABLE:
            raise DmsError(
                "InvalidResourceStateFault",
                f"Replication task {task.identifier} is {task.status}; "
                "it can be modified only when stopped, failed or ready",
            )
        for key, attribute in (
            ("ReplicationTaskIdentifier", "identifier"),
            ("MigrationType", "migration_type"),
            ("TableMappings", "table_mappings"),
            ("ReplicationTaskSettings", "settings"),
            ("CdcStartPosition", "cdc_start_position"),
        ):
            if params.get(key):
                setattr(task, attribute, params[key])
        task.status, task.settles_to = "modifying", task.status
        return {"ReplicationTask": task.to_api()}

    def _start_replication_task(self, params: dict[str, Any]) -> dict[str, Any]:
        """StartReplicationTask (API_StartReplicationTask.html). The answer shows the task
        "starting", with the dates of the run before (tests/aws_examples/start_replication_task.json);
        the next look shows it running. A task starting, running or stopping refuses a second start
        with InvalidResourceStateFault. "start-replication" is the type for the task's first run;
        resume-processing and reload-target are "only available for previously executed tasks"
        (StartReplicationTaskType); AWS documents no refusal of start-replication later."""
        task = self.task(params.get("ReplicationTaskArn", ""))
        start_type = params.get("StartReplicationTaskType")
        if start_type not in START_TYPES:
            raise DmsError(
                "InvalidParameterValueException",
                f"StartReplicationTaskType {start_type!r} is not valid; use one of: {', '.join(START_TYPES)}",
            )
        if task.status not in STARTABLE:
            raise DmsError(
                "InvalidResourceStateFault",
                f"Replication task {task.identifier} is in status {task.status}; it can be started "
                f"only when {', '.join(STARTABLE)}",
            )
        # resume-processing and reload-target need a task that ran before; start-replication is
        # the first run's type, and is also taken later (a CDC task restarted from a position).
        if start_type != "start-replication" and not task.ever_ran:
            raise DmsError(
                "InvalidResourceStateFault",
                f"Task {task.identifier} has never run: its first run is start-replication, not {start_type}",
            )
        answer = task.to_api()
        answer.update(Status="starting")
        answer.pop("StopReason", None)
        now = self.clock()
        task.status, task.settles_to = "starting", "running"
        task.last_start_type, task.start_count = start_type, task.start_count + 1
        task.start_date = now
        # ReplicationTaskStats (API_ReplicationTaskStats.html): FreshStartDate, "started either
        # with a fresh start or a target reload"; StartDate, "with a fresh start or a resume".
        if start_type in ("start-replication", "reload-target"):
            task.fresh_start_date = now
            task.full_load_percent = 0
            task.table_statistics = []
            task.full_load_finish_date = None
        if start_type in ("start-replication", "resume-processing") or task.stats_start_date is None:
            task.stats_start_date = now
        task.stop_date, task.stop_reason, task.last_failure_message = None, "", ""
        return {"ReplicationTask": answer}

    def _stop_replication_task(self, params: dict[str, Any]) -> dict[str, Any]:
        """StopReplicationTask answers with the task "stopping" (API_StopReplicationTask.html;
        tests/aws_examples/stop_replication_task.json); the next look shows it stopped, "Stop
        Reason NORMAL"."""
        task = self.look(self.task(params.get("ReplicationTaskArn", "")))
        if task.status != "running":
            raise DmsError(
                "InvalidResourceStateFault",
                f"Replication task {task.identifier} is not running (status {task.status})",
            )
        task.status, task.settles_to = "stopping", "stopped"
        task.stop_date, task.stop_reason = self.clock(), "Stop Reason NORMAL"
        answer = task.to_api()
        answer.pop("StopReason", None)
        return {"ReplicationTask": answer}

    def _delete_replication_task(self, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteReplicationTask: "deleting", gone at the next look (API_DeleteReplicationTask.html).
        A running task must be stopped first (InvalidResourceStateFault)."""
        task = self.look(self.task(params.get("ReplicationTaskArn", "")))
        if task.status in IN_FLIGHT:
            raise DmsError(
                "InvalidResourceStateFault", f"Replication task {task.identifier} is {task.status}"
            )
        task.status, task.settles_to = "deleting", "deleted"
        return {"ReplicationTask": task.to_api()}

    def _describe_table_statistics(self, params: dict[str, Any]) -> dict[str, Any]:
        """One TableStatistics entry per table of the latest run (API_DescribeTableStatistics.html,
        API_TableStatistics.html; tests/aws_examples/describe_table_statistics.json), paged."""
        task = self.task(params.get("ReplicationTaskArn", ""))
        page, marker = _page(task.table_statistics, params, maximum=500)
        return {"ReplicationTaskArn": task.arn, "TableStatistics": page, **marker}

    # -- what DMS does on its own: the test API --------------------------------------------
    def put_task(
        self,
        arn: str,
        status: str,
        started: datetime | None = None,
        stopped: datetime | None = None,
        stop_reason: str | None = None,
    ) -> Task:
        """The task is found in ``status`` (which holds until something changes it), its last run
        started and stopped at those times."""
        task = self.task(arn)
        task.status, task.settles_to = status, None
        if started is not None:
            task.start_date = task.fresh_start_date = task.stats_start_date = started
        if stopped is not None:
            task.stop_date = stopped
        if stop_reason is not None:
            task.stop_reason = stop_reason
        return task

    def end_run(
        self,
        arn: str,
        status: str = "stopped",
        reason: str = "",
        message: str = "",
        at: datetime | None = None,
    ) -> Task:
        """The running task ends on its own, as DMS ends it (API_ReplicationTask.html, StopReason):
        ``stopped`` with no reason is a finished full load ("FULL_LOAD_ONLY_FINISHED", 100 %; a
        CDC task never stops on its own); ``failed`` defaults to "RECOVERABLE_ERROR" with a
        LastFailureMessage; any other ``reason`` (``STOPPED_DUE_TO_LOW_DISK``, ``NORMAL`` for a stop
        at cut-over, ``STOPPED_AFTER_FULL_LOAD`` ...) is written as DMS writes it,
        "Stop Reason <NAME>"."""
        task = self.look(self.task(arn))
        if task.status not in IN_FLIGHT:
            raise DmsError(
                "InvalidResourceStateFault",
                f"Replication task {task.identifier} is not running (status {task.status}); "
                "only a running task can end",
            )
        if status not in ("stopped", "failed"):
            raise DmsError(
                "InvalidParameterValueException", f"status {status!r} is not valid; use stopped or failed"
            )
        if status == "stopped" and not reason:
            if task.migration_type != "full-load":
                raise DmsError(
                    "InvalidResourceStateFault",
                    f"Replication task {task.identifier} has migration type {task.migration_type}; only a "
                    "full-load task stops on its own after the full load (CDC keeps running until stopped)",
                )
            reason = "FULL_LOAD_ONLY_FINISHED"
        if status == "failed":
            reason = reason or "RECOVERABLE_ERROR"
            task.last_failure_message = (
                message or f"Last Error {reason}: Task error notification received. Task: FAILED"
            )
        ended = at or self.clock()
        task.status, task.settles_to = status, None
        task.stop_date, task.stop_reason = ended, f"Stop Reason {reason}"
        if reason in (
            "FULL_LOAD_ONLY_FINISHED",
            "STOPPED_AFTER_FULL_LOAD",
            "STOPPED_AFTER_CACHED_EVENTS",
        ) or (task.migration_type != "full-load" and status == "stopped"):
            task.full_load_percent, task.full_load_finish_date = 100, ended
        return task

    def set_table_statistics(self, arn: str, tables: list[dict[str, Any]]) -> None:
        """The latest run's tables as DMS counts them; missing counters are 0 (API_TableStatistics.html)."""
        task = self.task(arn)
        now = self.clock()
        task.table_statistics = [
            {
                "Inserts": 0,
                "Deletes": 0,
                "Updates": 0,
                "Ddls": 0,
                "FullLoadRows": 0,
                "FullLoadCondtnlChkFailedRows": 0,
                "FullLoadErrorRows": 0,
                "LastUpdateTime": now,
                "TableState": "Table completed",
                "ValidationPendingRecords": 0,
                "ValidationFailedRecords": 0,
                "ValidationSuspendedRecords": 0,
                "ValidationState": "Not enabled",
                **table,
            }
            for table in tables
        ]

    # -- connection tests -------------------------------------------------------------------
    def put_connection(
        self, instance_arn: str, endpoint_arn: str, status: str, message: str = "", looks: int = 0
    ) -> Connection:
        """The pair shows ``status`` (its last test's result, or "testing" for ``looks`` more looks)."""
        connection = Connection(instance_arn, endpoint_arn, status, message, looks)
        self.connections[(instance_arn, endpoint_arn)] = connection
        return connection

    def script_connection(self, endpoint_arn: str, **how: Any) -> ConnectionScript:
        """How the next tests of this endpoint go (see ConnectionScript)."""
        script = self.connection_scripts[endpoint_arn] = ConnectionScript(**how)
        return script

    def _test_connection(self, params: dict[str, Any]) -> dict[str, Any]:
        """TestConnection answers with the pair's Connection "testing" (API_TestConnection.html;
        tests/aws_examples/test_connection.json). It is refused with InvalidResourceStateFault
        while a test of the pair is under way, and when the instance or endpoint is not available;
        the pair keeps its last result meanwhile, so a status read after a refusal may be old."""
        instance, endpoint = params.get("ReplicationInstanceArn", ""), params.get("EndpointArn", "")
        if self.endpoint_engine is not None and self.endpoint_engine(endpoint) is None:
            raise DmsError("ResourceNotFoundFault", f"Endpoint {endpoint} could not be found.")
        script = self.connection_scripts.get(endpoint, self.default_connection)
        if {instance, endpoint} & self.unavailable:
            raise DmsError(
                "InvalidResourceStateFault",
                f"Replication instance {instance} or endpoint {endpoint} is not available",
            )
        current = self.connections.get((instance, endpoint))
        if current is not None and current.status == "testing":
            raise DmsError(
                "InvalidResourceStateFault",
                f"A connection test of endpoint {endpoint} from {instance} is already under way",
            )
        connection = self.put_connection(instance, endpoint, "testing", looks=script.looks)
        return {"Connection": connection.to_api()}

    def _describe_connections(self, params: dict[str, Any]) -> dict[str, Any]:
        """Filters endpoint-arn and replication-instance-arn (API_DescribeConnections.html); a test
        under way ends, as its endpoint's script says, once its looks are used up."""
        found = list(self.connections.values())
        for f in params.get("Filters") or []:
            values = f.get("Values") or []
            if f.get("Name") == "endpoint-arn":
                found = [c for c in found if c.endpoint_arn in values]
            elif f.get("Name") == "replication-instance-arn":
                found = [c for c in found if c.replication_instance_arn in values]
        for connection in found:
            if connection.status != "testing":
                continue
            if connection.looks_left > 0:
                connection.looks_left -= 1
                continue
            script = self.connection_scripts.get(connection.endpoint_arn, self.default_connection)
            connection.status, connection.message = script.result, script.message
        page, marker = _page(found, params)
        return {"Connections": [c.to_api() for c in page], **marker}

    # -- premigration assessment runs ---------------------------------------------------------
    def _describe_applicable_individual_assessments(self, params: dict[str, Any]) -> dict[str, Any]:
        """What DMS can assess "depend[s] on the source and target database engine and the migration
        type" (API_StartReplicationTaskAssessmentRun.html): the Oracle CDC checks
        for an Oracle source of a cdc or full-load-and-cdc task, one general check for every task."""
        task = self.task(params.get("ReplicationTaskArn", ""))
        if self.assessments.applicable is not None:
            names = list(self.assessments.applicable)
        else:
            engine = self.endpoint_engine(task.source_endpoint_arn) if self.endpoint_engine else None
            names = list(GENERAL_ASSESSMENTS)
            if engine == "oracle" and task.migration_type != "full-load":
                names += ORACLE_CDC_ASSESSMENTS
        page, marker = _page(sorted(names), params)
        return {"IndividualAssessmentNames": page, **marker}

    def _start_replication_task_assessment_run(self, params: dict[str, Any]) -> dict[str, Any]:
        """The run answers "starting" (API_StartReplicationTaskAssessmentRun.html); AssessmentRunName
        is a "Unique name to identify the assessment run": a second run of the name is refused."""
        task = self.task(params.get("ReplicationTaskArn", ""))
        for required in ("ServiceAccessRoleArn", "ResultLocationBucket", "AssessmentRunName"):
            if not params.get(required):
                raise DmsError("InvalidParameterValueException", f"{required} is required")
        name = params["AssessmentRunName"]
        if any(r.name == name for r in self.assessments.runs.values()):
            raise DmsError("ResourceAlreadyExistsFault", f"Assessment run {name} already exists.")
        if params.get("IncludeOnly") and params.get("Exclude"):
            raise DmsError(
                "InvalidParameterCombinationException", "IncludeOnly and Exclude cannot be used together"
            )
        run = AssessmentRun(
            arn=f"{self.prefix}:assessment-run:{_resource_id()}",
            task_arn=task.arn,
            name=name,
            created=self.clock(),
            bucket=params["ResultLocationBucket"],
            folder=params.get("ResultLocationFolder", ""),
            role_arn=params["ServiceAccessRoleArn"],
            include=list(params.get("IncludeOnly") or []),
        )
        run.results = dict.fromkeys(run.include, "pending")
        self.assessments.runs[run.arn] = run
        return {"ReplicationTaskAssessmentRun": run.to_api()}

    def _look_at_run(self, run: AssessmentRun) -> None:
        """A run takes time: it is under way for ``ends_after`` looks, then ends as scripted. Its
        status follows its individual assessments (ReplicationTaskAssessmentRun.Status,
        API_ReplicationTaskAssessmentRun.html): "failed" when one failed, "warning" when one warned
        or all were skipped, "passed" otherwise."""
        script = self.assessments
        if run.status not in RUN_UNDER_WAY:
            return
        run.looks += 1
        if script.ends_after is None or run.looks <= script.ends_after:
            run.status = "running"
            return
        if script.run_error:
            run.status, run.failure_message = script.run_error, f"injected {script.run_error}"
            run.results = dict.fromkeys(run.include, "error")
            return
        run.results = {name: script.outcome.get(name, "passed") for name in run.include}
        statuses = set(run.results.values())
        run.status = (
            "failed"
            if statuses & {"failed", "error"}
            else "warning"
            if "warning" in statuses or statuses == {"skipped"}
            else "passed"
        )

    def _describe_replication_task_assessment_runs(self, params: dict[str, Any]) -> dict[str, Any]:
        """Filters replication-task-assessment-run-arn, replication-task-arn, status
        (API_DescribeReplicationTaskAssessmentRuns.html)."""
        found = list(self.assessments.runs.values())
        for f in params.get("Filters") or []:
            values = f.get("Values") or []
            if f.get("Name") == "replication-task-arn":
                found = [r for r in found if r.task_arn in values]
            elif f.get("Name") == "replication-task-assessment-run-arn":
                found = [r for r in found if r.arn in values]
            elif f.get("Name") == "status":
                found = [r for r in found if r.status in values]
        for run in found:
            self._look_at_run(run)
        page, marker = _page(found, params)
        return {"ReplicationTaskAssessmentRuns": [r.to_api() for r in page], **marker}

    def _describe_replication_task_individual_assessments(self, params: dict[str, Any]) -> dict[str, Any]:
        """Filters replication-task-assessment-run-arn, replication-task-arn
        (API_DescribeReplicationTaskIndividualAssessments.html)."""
        runs = list(self.assessments.runs.values())
        for f in params.get("Filters") or []:
            values = f.get("Values") or []
            if f.get("Name") == "replication-task-assessment-run-arn":
                runs = [r for r in runs if r.arn in values]
            elif f.get("Name") == "replication-task-arn":
                runs = [r for r in runs if r.task_arn in values]
        items = [
            {
                "ReplicationTaskIndividualAssessmentArn": f"{run.arn}:{name}",
                "ReplicationTaskAssessmentRunArn": run.arn,
                "IndividualAssessmentName": name,
                "Status": status,
                "ReplicationTaskIndividualAssessmentStartDate": run.created,
            }
            for run in runs
            for name, status in run.results.items()
        ]
        page, marker = _page(items, params)
        return {"ReplicationTaskIndividualAssessments": page, **marker}

    def _run(self, arn: str) -> AssessmentRun:
        run = self.assessments.runs.get(arn or "")
        if run is None:
            raise DmsError("ResourceNotFoundFault", f"Assessment run {arn} could not be found.")
        return run

    def _cancel_replication_task_assessment_run(self, params: dict[str, Any]) -> dict[str, Any]:
        """CancelReplicationTaskAssessmentRun "prevents any individual assessments from running if
        they haven't started running" (API_CancelReplicationTaskAssessmentRun.html): the run's
        status is "cancelling" from then on ("The assessment run was canceled",
        API_ReplicationTaskAssessmentRun.html; there is no "cancelled" run status), its individual
        assessments not yet run "cancelled". A run that ended cannot be cancelled
        (InvalidResourceStateFault)."""
        run = self._run(params.get("ReplicationTaskAssessmentRunArn", ""))
        if run.status not in RUN_UNDER_WAY:
            raise DmsError("InvalidResourceStateFault", f"Assessment run {run.name} is {run.status}")
        run.status = "cancelling"
        run.results = {n: ("cancelled" if s in ("pending", "running") else s) for n, s in run.results.items()}
        return {"ReplicationTaskAssessmentRun": run.to_api()}

    def _delete_replication_task_assessment_run(self, params: dict[str, Any]) -> dict[str, Any]:
        """ "Deletes the record of a single premigration assessment run"
        (API_DeleteReplicationTaskAssessmentRun.html): the answer shows it "deleting"; it is gone."""
        run = self._run(params.get("ReplicationTaskAssessmentRunArn", ""))
        del self.assessments.runs[run.arn]
        answer = run.to_api()
        answer["Status"] = "deleting"
        return {"ReplicationTaskAssessmentRun": answer}


# ---------------------------------------------------------------------------------------------
# Helpers: paging, the JSON wire, botocore in-process
# ---------------------------------------------------------------------------------------------
def _page(items: list[Any], params: dict[str, Any], maximum: int = 100) -> tuple[list[Any], dict[str, str]]:
    """``Marker`` paging, ``MaxRecords`` per page (DMS's Describe* operations)."""
    start = int(params.get("Marker") or 0)
    size = min(int(params.get("MaxRecords") or maximum), maximum)
    page = items[start : start + size]
    return page, ({"Marker": str(start + size)} if start + size < len(items) else {})


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def to_wire(value: Any) -> Any:
    """DMS's JSON protocol: timestamps are epoch seconds (numbers)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return round(moment.timestamp(), 3)
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def http_response(url: str, status: int, body: bytes) -> Any:
    """A botocore HTTP response carrying ``body`` (for a ``before-send`` handler to return)."""
    import io

    from botocore.awsrequest import AWSResponse

    class _Raw(io.BytesIO):
        def stream(self, **_: Any) -> Any:
            yield self.read()

    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "dms-model"}
    return AWSResponse(url, status, headers, _Raw(body))


def operation_of(event_name: str) -> str:
    return event_name.rsplit(".", 1)[-1]


def attach(client: Any, model: DmsModel) -> Any:
    """Answer ``client``'s DMS calls from ``model`` in-process (botocore serialises the request
    and parses the answer as on the wire; its retries apply). An operation the model does not
    answer is refused, so nothing reaches AWS."""

    def before_send(event_name: str, request: Any, **_: Any) -> Any:
        status, body = model.serve(operation_of(event_name), request.body)
        return http_response(request.url, status, body)

    client.meta.events.register_first("before-send.database-migration-service", before_send)
    return client
