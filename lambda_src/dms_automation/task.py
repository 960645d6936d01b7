"""The replication task as DMS describes it, and the DMS calls the handlers make."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dms_automation import aws
from dms_automation.errors import EndpointConnectionError

IN_FLIGHT = frozenset({"starting", "running", "stopping"})
STARTABLE = frozenset({"ready", "stopped", "failed"})
FULL_LOAD = "full-load"


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _latest(*values: Any) -> datetime | None:
    """The latest of the task's start dates: DMS updates StartDate on a fresh start or a reload
    and FreshStartDate on a fresh start or a resume, so the latest one is the latest run."""
    dates = [d for d in (_utc(v) for v in values) if d is not None]
    return max(dates) if dates else None


@dataclass(frozen=True)
class TaskState:
    arn: str
    identifier: str
    status: str
    migration_type: str
    replication_instance_arn: str = ""
    source_endpoint_arn: str = ""
    target_endpoint_arn: str = ""
    stop_reason: str = ""
    last_failure_message: str = ""
    start_date: datetime | None = None
    stop_date: datetime | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def run_key(self) -> str:
        """A stable id of the task's latest run: its start time (empty when it never ran)."""
        return self.start_date.astimezone(UTC).isoformat() if self.start_date else ""

    @classmethod
    def from_api(cls, task: dict[str, Any]) -> TaskState:
        stats = task.get("ReplicationTaskStats") or {}
        return cls(
            arn=task.get("ReplicationTaskArn", ""),
            identifier=task.get("ReplicationTaskIdentifier", ""),
            status=task.get("Status", ""),
            migration_type=task.get("MigrationType", ""),
            replication_instance_arn=task.get("ReplicationInstanceArn", ""),
            source_endpoint_arn=task.get("SourceEndpointArn", ""),
            target_endpoint_arn=task.get("TargetEndpointArn", ""),
            stop_reason=task.get("StopReason", "") or "",
            last_failure_message=task.get("LastFailureMessage", "") or "",
            start_date=_latest(
                task.get("ReplicationTaskStartDate"), stats.get("StartDate"), stats.get("FreshStartDate")
            ),
            stop_date=_utc(stats.get("StopDate")),
            stats=dict(stats),
        )

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "migration_type": self.migration_type,
            "stop_reason": self.stop_reason or None,
            "last_failure_message": self.last_failure_message or None,
            "run_key": self.run_key or None,
        }


def describe_task(dms: Any, arn: str) -> TaskState | None:
    """The task with this ARN, or None when DMS has no such task."""
    from botocore.exceptions import ClientError

    try:
        response = aws.call(
            dms.describe_replication_tasks,
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
            WithoutSettings=True,
        )
    except ClientError as error:
        if aws.is_not_found(error):
            return None
        raise
    for task in response.get("ReplicationTasks", []):
        if task.get("ReplicationTaskArn") == arn:
            return TaskState.from_api(task)
    return None


def start_type_for(task: TaskState) -> str | None:
    """docs/design.md's starter decision: the StartReplicationTaskType, or None (nothing to start)."""
    # start-replication is for a task's first run; resume-processing and reload-target "only for
    # previously executed tasks" (API_StartReplicationTask, StartReplicationTaskType). A task that
    # ran and was modified since shows "ready" again, so the first run is told by its start date.
    if task.status == "ready" and not task.run_key:
        return "start-replication"
    if task.status in ("ready", "stopped", "failed"):
        return "reload-target" if task.migration_type == FULL_LOAD else "resume-processing"
    return None


def start_task(dms: Any, arn: str, start_type: str) -> dict[str, Any]:
    response = aws.call(
        dms.start_replication_task, ReplicationTaskArn=arn, StartReplicationTaskType=start_type
    )
    return dict(response.get("ReplicationTask", {}))


# TestConnection and DescribeConnections, as the DMS API reference describes them:
# https://docs.aws.amazon.com/dms/latest/APIReference/API_TestConnection.html — TestConnection
# answers with the pair's Connection, whose Status is "testing" while the test runs, or refuses
# with InvalidResourceStateFault (a test of the pair already under way, and also an instance or
# endpoint that is not available);
# https://docs.aws.amazon.com/dms/latest/APIReference/API_Connection.html — Status is one of
# "successful", "testing", "failed", "deleting"; a pair keeps the result of its *last* test, so a
# "successful" read after a refused call may be days old.
CONNECTION_RESULTS = frozenset({"successful", "failed"})


@dataclass
class _PairTest:
    endpoint_arn: str
    accepted: bool = False  # TestConnection of this test was accepted: the next result is ours
    seen_testing: bool = False  # DescribeConnections showed "testing" after our call
    refusal: str = ""  # the last InvalidResourceStateFault, while not accepted
    status: str = ""
    message: str = ""

    @property
    def current(self) -> bool:
        """Whether a result read now belongs to a test that ran after this invocation asked."""
        return self.accepted or self.seen_testing


def _ask(dms: Any, replication_instance_arn: str, pair: _PairTest) -> None:
    from botocore.exceptions import ClientError

    try:
        response = aws.call(
            dms.test_connection,
            ReplicationInstanceArn=replication_instance_arn,
            EndpointArn=pair.endpoint_arn,
        )
    except ClientError as error:
        if aws.error_code(error) != "InvalidResourceStateFault":
            raise EndpointConnectionError(
                f"could not test endpoint {pair.endpoint_arn} from {replication_instance_arn}: {error}"
            ) from error
        pair.refusal = str(error)
        return
    pair.accepted, pair.refusal = True, ""
    connection = response.get("Connection") or {}
    if connection.get("Status") == "testing":
        pair.seen_testing = True


def test_endpoints(
    dms: Any,
    replication_instance_arn: str,
    endpoint_arns: list[str],
    timeout_seconds: float,
    poll_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, str]:
    """Test every endpoint from the replication instance at once; return each final status or raise.

    All TestConnection calls are made first, then DescribeConnections is polled until every pair
    has a result of *this* test: after an accepted call, or after "testing" was seen following a
    refused one (someone else's test, still under way when we asked). A refused call whose pair
    does not show "testing" is asked again on the next poll; if it is still refused at the
    deadline the endpoint is reported as not tested, never as the stale result it shows. The
    whole wait is bounded by ``timeout_seconds``, however many endpoints there are.
    """
    deadline = clock() + timeout_seconds
    pairs = {arn: _PairTest(arn) for arn in dict.fromkeys(endpoint_arns)}
    for pair in pairs.values():
        _ask(dms, replication_instance_arn, pair)
    while True:
        response = aws.call(
            dms.describe_connections,
            Filters=[
                {"Name": "endpoint-arn", "Values": list(pairs)},
                {"Name": "replication-instance-arn", "Values": [replication_instance_arn]},
            ],
        )
        for connection in response.get("Connections", []):
            found = pairs.get(connection.get("EndpointArn", ""))
            if found is None or connection.get("ReplicationInstanceArn") != replication_instance_arn:
                continue
            found.status = connection.get("Status", "") or ""
            found.message = connection.get("LastFailureMessage", "") or ""
            if found.status == "testing":
                found.seen_testing = True
        for pair in pairs.values():
            if pair.current and pair.status == "failed":
                raise EndpointConnectionError(
                    f"connection test of endpoint {pair.endpoint_arn} failed: "
                    f"{pair.message or 'no message'}; "
                    "fix the endpoint (network, credentials) before the next run"
                )
        if all(pair.current and pair.status == "successful" for pair in pairs.values()):
            return {arn: pair.status for arn, pair in pairs.items()}
        if clock() >= deadline:
            late = [pair for pair in pairs.values() if not (pair.current and pair.status == "successful")]
            details = "; ".join(
                f"{pair.endpoint_arn}: "
                + (
                    f"last status {pair.status or 'unknown'!r}"
                    if pair.current
                    else f"DMS refused the test ({pair.refusal or 'no answer'}) and shows no test under way "
                    f"(status {pair.status or 'unknown'!r} is from an earlier test)"
                )
                for pair in late
            )
            raise EndpointConnectionError(
                f"connection test did not finish within {timeout_seconds:g} s: {details}; "
                "check that the replication instance and the endpoints are available"
            )
        aws.sleep(poll_seconds)
        for pair in pairs.values():
            if not pair.current:
                _ask(dms, replication_instance_arn, pair)  # refused and nothing under way: ask again


def run_report(dms: Any, task: TaskState, max_pages: int = 20) -> dict[str, Any]:
    """Tables, rows loaded, errors and duration of the latest run (DescribeTableStatistics)."""
    tables: list[dict[str, Any]] = aws.pages(
        dms.describe_table_statistics,
        "TableStatistics",
        max_pages,
        ReplicationTaskArn=task.arn,
        MaxRecords=500,
    )
    errored = [
        f"{t.get('SchemaName', '')}.{t.get('TableName', '')}"
        for t in tables
        if "error" in str(t.get("TableState", "")).lower() or t.get("ValidationState") == "Error"
    ]
    duration = None
    if task.start_date and task.stop_date:
        duration = round((task.stop_date - task.start_date).total_seconds(), 3)
    elif task.stats.get("ElapsedTimeMillis") is not None:
        duration = round(float(task.stats["ElapsedTimeMillis"]) / 1000, 3)
    return {
        "tables": len(tables),
        "rows_loaded": sum(int(t.get("FullLoadRows", 0) or 0) for t in tables),
        "rows_inserted": sum(int(t.get("Inserts", 0) or 0) for t in tables),
        "tables_errored": len(errored),
        "errored_tables": errored[:50],
        "duration_seconds": duration,
    }


# How a run ended, from StopReason (DMS API reference, ReplicationTask.StopReason:
# https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html). DMS writes the
# values as "Stop Reason <NAME>". A full load is finished only when DMS says so; a CDC migration
# (full-load-and-cdc, cdc) never stops by itself, so a stop by hand (NORMAL, the cutover) or at
# the configured CDC stop position (CdcStopPosition: server or commit time) is its end.
# Everything else (low disk or memory, recoverable or fatal errors, a full load stopped by hand, a
# failed task) is a failure for every type.
FINISHED_REASONS = {
    FULL_LOAD: frozenset({"FULL_LOAD_ONLY_FINISHED"}),
    "full-load-and-cdc": frozenset({"NORMAL", "STOPPED_AT_SERVER_TIME", "STOPPED_AT_COMMIT_TIME"}),
    "cdc": frozenset({"NORMAL", "STOPPED_AT_SERVER_TIME", "STOPPED_AT_COMMIT_TIME"}),
}
# Pause points of a full-load-and-cdc task, set by the user in the task's full-load settings
# (DMS user guide, "Full-load task settings",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.FullLoad.html):
# StopTaskCachedChangesNotApplied stops "before cached changes are applied"
# (STOPPED_AFTER_FULL_LOAD), StopTaskCachedChangesApplied "after a full load completes and cached
# changes are applied" (STOPPED_AFTER_CACHED_EVENTS). The migration is not over: resuming the task
# (resume-processing) continues it, and ongoing replication follows. Such a run is post-processed
# like every ending (the copy holds production rows), then reported as paused: neither finished
# nor failed (docs/design.md, "What counts as finished").
PAUSE_REASONS = {"full-load-and-cdc": frozenset({"STOPPED_AFTER_FULL_LOAD", "STOPPED_AFTER_CACHED_EVENTS"})}


@dataclass(frozen=True)
class Outcome:
    """``finished``: the run did what it was started for. ``paused``: it stopped at a pause point
    the user set (``PAUSE_REASONS``), cleanly; neither is a failure. Anything else is."""

    finished: bool
    reason: str
    errored_tables: tuple[str, ...] = ()
    paused: bool = False

    @property
    def failed(self) -> bool:
        return not (self.finished or self.paused)


def stop_reason_name(raw: str) -> str:
    """``"Stop Reason FULL_LOAD_ONLY_FINISHED"`` → ``"FULL_LOAD_ONLY_FINISHED"``."""
    text = raw.strip()
    return text[len("Stop Reason ") :].strip() if text.startswith("Stop Reason ") else text


def outcome(task: TaskState, report: dict[str, Any] | None = None) -> Outcome:
    """Whether the ended run finished, judged from the task and its table statistics."""
    reason = stop_reason_name(task.stop_reason)
    errored = tuple((report or {}).get("errored_tables", ()))
    tables_errored = max(int(task.stats.get("TablesErrored", 0) or 0), len(errored))
    if task.status == "failed":
        return Outcome(
            False, f"task failed: {task.last_failure_message or reason or 'no failure message'}", errored
        )
    paused = reason in PAUSE_REASONS.get(task.migration_type, frozenset())
    if not paused and reason not in FINISHED_REASONS.get(task.migration_type, frozenset()):
        return Outcome(False, f"stopped with reason {reason or 'unknown'} ({task.migration_type})", errored)
    percent = task.stats.get("FullLoadProgressPercent")
    if task.migration_type == FULL_LOAD and percent is not None and int(percent) < 100:
        return Outcome(False, f"full load stopped at {percent}%", errored)
    if tables_errored:
        return Outcome(False, f"{tables_errored} table(s) errored ({reason})", errored)
    if paused:
        return Outcome(False, reason, paused=True)
    return Outcome(True, reason)
