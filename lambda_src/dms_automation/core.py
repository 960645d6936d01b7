"""The automation loop's decisions, over injected clients: start, watchdog, pause and reconcile.

Every decision is taken from the run state (``state``: one DynamoDB item, changed only by
compare-and-set) and the task as DMS describes it, never from a notification alone. The trigger
rule's enabled/disabled state follows the record (``Run.sync_rule``), never the other way round.
docs/design.md ("The run state") gives the phases, the transitions and the invariant:

- no second run while one is in flight or before the last one is post-processed;
- the trigger is re-armed only after the latest ended run is post-processed;
- no fault leaves a schedule trigger disabled with nothing in flight, nothing pending and no alarm.

Starting:  claim ``starting`` (lease) → disable rule → StartReplicationTask → ``running``.
           A refused start (judged from the task as described after it) releases the claim.
Finishing: claim ``post-processing`` (lease) → post-processing → ``idle`` with the run handled
           → the rule follows (re-armed in schedule mode) → a failed ending raises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dms_automation import after_load, assessment, aws, state, trigger
from dms_automation import task as dms_task
from dms_automation.aws import Clients
from dms_automation.config import Config
from dms_automation.errors import (
    AutomationError,
    CdcSourceNotReadyError,
    NotSettledError,
    PostProcessingError,
    RearmError,
    ReplicationFailedError,
    StartRefusedError,
    TaskMismatchError,
    TaskNotFoundError,
    WatchdogAlarm,
)
from dms_automation.log import DecisionLog
from dms_automation.notifications import CONTINUE_POST_PROCESSING, MARKER_KEY
from dms_automation.options import CONTINUOUS_TYPES, Options
from dms_automation.state import RunState
from dms_automation.task import TaskState

# A claim outlives the invocation that holds it by this much (clock skew, the last calls).
LEASE_MARGIN = timedelta(minutes=1)
# Without a Lambda context (tests, by hand): Lambda's longest run.
DEFAULT_LEASE = timedelta(minutes=15)
# A continuation is an asynchronous invocation: its holder's lease covers Lambda's queueing too.
CONTINUATION_LEASE = timedelta(minutes=20)
# How many times one invocation re-decides after losing a compare-and-set.
MAX_ROUNDS = 6
SETTLE_POLL_SECONDS = 10
# The coarsest Event Time a notification carries (EventBridge's ``time``: whole seconds).
EVENT_TIME_PRECISION = timedelta(seconds=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Run:
    """What one invocation works with."""

    config: Config
    options: Options
    clients: Clients
    log: DecisionLog
    context: Any = None
    store: state.Store = field(init=False)

    def __post_init__(self) -> None:
        self.store = state.Store(
            self.clients.dynamodb, self.config.state_table_name, self.config.replication_task_arn
        )

    @property
    def holder(self) -> str:
        return str(getattr(self.context, "aws_request_id", "") or "manual")

    def lease_until(self) -> str:
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        lease = timedelta(milliseconds=float(remaining())) if remaining else DEFAULT_LEASE
        return state.iso(utcnow() + lease + LEASE_MARGIN)

    def task(self) -> TaskState:
        found = dms_task.describe_task(self.clients.dms, self.config.replication_task_arn)
        if found is None:
            self.log.error(
                "task-missing",
                seen="DescribeReplicationTasks found no task with the configured ARN",
                done="nothing",
                why="REPLICATION_TASK_ARN names a task that does not exist (deleted?)",
            )
            raise TaskNotFoundError(
                f"replication task {self.config.replication_task_arn} (REPLICATION_TASK_ARN) does not exist; "
                "re-create it or point the automation at the new task"
            )
        self.log.task_id = found.identifier
        return found

    def read(self) -> tuple[RunState, TaskState]:
        """The run state first (a missing table raises before anything else), then the task.

        With no item yet (first run, or a recreated table) the state starts from the task: a run
        in flight is adopted by the caller, and an ended run is taken as handled."""
        current = self.store.read()
        task = self.task()
        if current.version == 0:
            current = RunState(handled_run="" if task.in_flight else task.run_key)
        return current, task

    def paused(self, current: RunState) -> bool:
        return current.paused or not self.options.automation_enabled

    def write(self, read: RunState, new: RunState, decision: str) -> bool:
        if self.store.write(read, new):
            return True
        self.log.info(
            "state-changed-meanwhile",
            seen={"read_version": read.version, "wanted_phase": new.phase},
            done="nothing",
            why=f"another invocation changed the run state first; this one ({decision}) re-decides or stops",
        )
        return False

    # -- the trigger rule follows the record ---------------------------------------------------
    def wants_armed(self, current: RunState, task: TaskState) -> bool | None:
        """Whether the trigger should be enabled; None leaves it as it is (one-time, idle)."""
        if self.paused(current) or current.phase != state.IDLE or pending_run(current, task):
            return False
        return True if self.config.is_schedule else None

    def sync_rule(self, current: RunState, task: TaskState, why: str) -> None:
        """Bring the rule in line with the record, re-reading the record after each change so
        that a writer who overtook this one is followed too (both converge on the last record)."""
        for _ in range(3):
            want = self.wants_armed(current, task)
            rule = trigger.describe_rule(self.clients.events, self.config.event_rule_name)
            if want is None or rule.enabled == want:
                return
            if want:
                try:
                    trigger.enable(self.clients.events, rule)
                except Exception as error:
                    self.log.error("rearm-failed", error=str(error), done="trigger still disabled", why=why)
                    raise RearmError(
                        f"could not re-enable rule {rule.name}: {error}; the invocation is retried, the "
                        "hourly watchdog re-arms it, or enable the rule by hand"
                    ) from error
                self.log.info("trigger-rearmed", done=f"enabled rule {rule.name}", why=why)
            else:
                trigger.disable(self.clients.events, rule)
                self.log.info("trigger-disarmed", done=f"disabled rule {rule.name}", why=why)
            again = self.store.read()
            if again.version == current.version and again.paused == current.paused:
                return
            current = again if again.version else current


def pending_run(current: RunState, task: TaskState) -> bool:
    """A run of the task ended and its post-processing has not finished."""
    return not task.in_flight and bool(task.run_key) and task.run_key != current.handled_run


def _seen(current: RunState, task: TaskState, **extra: Any) -> dict[str, Any]:
    return {**task.summary(), **current.summary(), **extra}


# --------------------------------------------------------------------------------------------
# Starter
# --------------------------------------------------------------------------------------------


def start(run: Run) -> dict[str, Any]:
    log, now = run.log, utcnow()
    current, task = run.read()
    seen = _seen(current, task)
    if task.migration_type != run.config.migration_refresh_type:
        # The start type, what counts as finished and whether after-load masking may run all
        # follow from migration_refresh_type: a task of another type would be run wrongly.
        why = "the task's migration type differs"
        log.error("start-refused", seen=seen, done="nothing started", why=why)
        raise TaskMismatchError(
            f"replication task {task.identifier} has MigrationType {task.migration_type!r} but the "
            f"automation is configured with MIGRATION_REFRESH_TYPE={run.config.migration_refresh_type!r} "
            "(migration_refresh_type); set migration_refresh_type to the task's type or point the "
            "automation at a task of that type"
        )

    def skip(why: str, short: str, level: str = "info") -> dict[str, Any]:
        run.sync_rule(current, task, why)
        getattr(log, level)("start-skipped", seen=seen, done="nothing started", why=why)
        return {"action": "none", "why": short}

    if run.paused(current):
        return skip(
            "the automation is paused (automation_enabled = false, or paused by an operator)", "paused"
        )
    if current.phase == state.STARTING and current.lease_valid(now):
        return skip(f"another invocation is starting a run (lease until {current.lease_until})", "starting")
    if current.phase in (state.POST_PROCESSING, state.POST_PROCESSING_FAILED):
        return skip(
            f"run {current.run} is not post-processed yet ({current.phase}); a new load would overwrite "
            "data nobody has masked",
            "post-processing",
            "warning",
        )
    if task.in_flight:
        if current.phase != state.RUNNING:
            adopted = current.to(state.RUNNING, now, run=current.handled_run)
            if not run.write(current, adopted, "adopt a run in flight"):
                return {"action": "none", "why": "lost-race"}
            current = adopted
        return skip(f"a run is in flight (task {task.status})", "in-flight")
    started_before = current.phase in (state.STARTING, state.RUNNING) and task.run_key == current.run
    if pending_run(current, task) and not started_before:
        return skip(
            f"run {task.run_key} ended and is not post-processed yet; it must be before a new load",
            "post-processing-pending",
            "warning",
        )
    start_type = dms_task.start_type_for(task)
    if start_type is None:
        log.warning(
            "start-skipped",
            seen=seen,
            done="nothing; trigger left as it is",
            why=f"task status {task.status!r} cannot be started (ready, stopped or failed can)",
        )
        return {"action": "none", "why": f"status {task.status}"}

    if _needs_cdc_source_check(run, task, start_type):
        held = _check_cdc_source(run, task, seen)
        if held is not None:
            return held

    if run.options.test_endpoint_connections:
        _test_connections(run, task)

    claim = current.to(
        state.STARTING, now, run=task.run_key, holder=run.holder, lease_until=run.lease_until()
    )
    if not run.write(current, claim, "claim the start"):
        return {"action": "none", "why": "lost-race"}
    run.sync_rule(claim, task, "a run is starting: no second run from the next tick")
    try:
        started = dms_task.start_task(run.clients.dms, task.arn, start_type)
    except Exception as error:
        return _start_failed(run, claim, task, start_type, error, seen)
    _record_running(run, claim)
    log.info(
        "run-started",
        seen=seen,
        done=f"StartReplicationTask {start_type}; trigger disabled",
        why=f"task was {task.status} and no run was in flight or pending",
        start_type=start_type,
        new_status=started.get("Status"),
    )
    return {"action": "started", "start_type": start_type}


def _needs_cdc_source_check(run: Run, task: TaskState, start_type: str) -> bool:
    """A CDC task brought by the user (the module sets the check's bucket and role) that has
    never run: ready, no start date, no stop reason (docs/design.md, "Starter")."""
    return (
        run.options.check_cdc_source
        and run.config.migration_refresh_type in CONTINUOUS_TYPES
        and start_type == "start-replication"
        and task.status == "ready"
        and not task.run_key
        and not task.stop_reason
    )


def _check_cdc_source(run: Run, task: TaskState, seen: dict[str, Any]) -> dict[str, Any] | None:
    """None: the source passed (or DMS has no CDC assessment for it) and the start goes on.
    Otherwise the start waits for the assessment (a result to return), or is refused (raises).
    Nothing here touches the run state or the trigger: nothing is claimed before a start."""
    log, dms = run.log, run.clients.dms
    found = assessment.latest_run(dms, task.arn)
    if found is None:
        names = assessment.applicable(dms, task.arn)
        if not names:
            log.warning(
                "cdc-source-unchecked",
                seen=seen,
                done="the start goes on",
                why="DMS lists none of the Oracle CDC source assessments for this task (source not Oracle?)",
            )
            return None
        found = assessment.start_run(
            dms,
            task.arn,
            task.identifier,
            run.options.cdc_source_assessment_bucket,
            run.options.cdc_source_assessment_role_arn,
            names,
        )
        log.info(
            "cdc-source-assessment-started",
            seen=seen,
            done=f"StartReplicationTaskAssessmentRun {found.arn or found.name}: {', '.join(names)}",
            why="the task has never run: its source is checked for CDC before the first start",
        )
    found = _wait_for_assessment(run, found)
    if found.status in assessment.RUN_UNDER_WAY:
        log.info(
            "start-skipped",
            seen={**seen, "assessment_run": found.arn, "assessment_status": found.status},
            done="nothing started; trigger left as it is",
            why="the CDC source assessment is still running; the next tick (or a start by hand) reads it",
        )
        return {"action": "none", "why": "assessing-cdc-source"}
    if found.status == assessment.RUN_PASSED:
        log.info(
            "cdc-source-checked", seen={"assessment_run": found.arn}, done="the start goes on", why="passed"
        )
        return None
    blocking = assessment.blocking_results(dms, found.arn) if found.status in assessment.RUN_CHECKED else []
    if found.status in assessment.RUN_CHECKED and not blocking:
        log.info(
            "cdc-source-checked",
            seen={"assessment_run": found.arn, "assessment_status": found.status},
            done="the start goes on",
            why="every CDC source assessment passed or does not apply",
        )
        return None
    retry = (
        f"then delete assessment run {found.arn} (aws dms delete-replication-task-assessment-run "
        f"--replication-task-assessment-run-arn {found.arn}) so that the next start checks the source again"
    )
    if blocking:
        message = (
            f"the source of replication task {task.identifier} is not prepared for CDC: "
            f"{assessment.what_to_fix(blocking)} (results in {found.results}); fix it, {retry}"
        )
    elif found.status == assessment.RUN_CANCELLED:
        message = (
            f"the CDC source assessment of replication task {task.identifier} was cancelled "
            f"(CancelReplicationTaskAssessmentRun; status {found.status}), so the source is unchecked and "
            "nothing starts; pause the automation to stop the migration, or let the check run: "
            f"{retry.removeprefix('then ')}"
        )
    else:
        message = (
            f"the CDC source assessment of replication task {task.identifier} did not run "
            f"({found.status}: {found.failure_message or 'no message'}); fix the cause "
            f"(the assessment role, the bucket, the endpoints), {retry}"
        )
    log.error(
        "start-refused",
        seen={**seen, "assessment_run": found.arn, "assessment_status": found.status},
        failing=[name for name, _ in blocking],
        done="nothing started; trigger left as it was",
        why=message,
    )
    raise CdcSourceNotReadyError(message)


def _wait_for_assessment(run: Run, found: assessment.AssessmentRun) -> assessment.AssessmentRun:
    """Look again while the run is under way, as long as the invocation can spare: a minute is
    kept for the start, and the connection tests' own time when they run."""
    remaining = getattr(run.context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return found
    budget = remaining() / 1000 - 60
    if run.options.test_endpoint_connections:
        budget -= run.options.connection_test_timeout_seconds
    step = max(run.options.connection_test_poll_seconds, 1)
    waited = 0
    while found.status in assessment.RUN_UNDER_WAY and waited + step <= budget:
        aws.sleep(step)
        waited += step
        found = assessment.latest_run(run.clients.dms, run.config.replication_task_arn) or found
    return found


def _record_running(run: Run, claim: RunState) -> None:
    if not run.write(claim, claim.to(state.RUNNING, utcnow(), run=claim.run), "record the started run"):
        run.log.warning(
            "run-started-unrecorded", why="the state moved on meanwhile; its new owner follows the run"
        )


def _start_failed(
    run: Run, claim: RunState, before: TaskState, start_type: str, error: Exception, seen: dict[str, Any]
) -> dict[str, Any]:
    """A refusal is judged from the task as described after it: a lost response to a start DMS
    accepted (botocore's retry then gets InvalidResourceStateFault) is a started run."""
    after = run.task()
    if after.in_flight or after.run_key != before.run_key:
        _record_running(run, claim)
        run.log.warning(
            "run-started",
            seen={**seen, "after": after.summary()},
            error=str(error),
            done="the run is followed as started",
            why="StartReplicationTask answered with an error but the task shows the run started",
            start_type=start_type,
        )
        return {"action": "started", "start_type": start_type}
    released = claim.to(state.IDLE, utcnow(), run="")
    schedule = run.config.is_schedule
    run.log.error(
        "start-refused",
        seen=seen,
        start_type=start_type,
        error=str(error),
        done="the schedule trigger stays armed" if schedule else "trigger left disabled (one-time)",
        why="StartReplicationTask failed and the task shows no new run",
    )
    if run.write(claim, released, "release a refused start"):
        try:
            run.sync_rule(released, after, "the start was refused; the next tick tries again")
        except RearmError as rearm_error:
            raise RearmError(
                f"StartReplicationTask failed ({error}) and re-enabling rule {run.config.event_rule_name} "
                f"failed too ({rearm_error}); the hourly watchdog re-arms it, or enable it by hand"
            ) from error
    raise StartRefusedError(
        f"StartReplicationTask ({start_type}) of {before.arn} failed: {error}; "
        + ("the schedule stays armed" if schedule else "one-time trigger left disabled")
    ) from error


def _test_connections(run: Run, task: TaskState) -> None:
    endpoints = {"source": task.source_endpoint_arn, "target": task.target_endpoint_arn}
    timeout = float(run.options.connection_test_timeout_seconds)
    remaining = getattr(run.context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        # Both tests run at once, so they cost one timeout; a minute of the invocation is kept
        # for the start itself, whatever CONNECTION_TEST_TIMEOUT_SECONDS says.
        timeout = max(0.0, min(timeout, remaining() / 1000 - 60))
    try:
        statuses = dms_task.test_endpoints(
            run.clients.dms,
            task.replication_instance_arn,
            list(endpoints.values()),
            timeout,
            run.options.connection_test_poll_seconds,
        )
    except AutomationError as error:
        failing = [role for role, arn in endpoints.items() if arn in str(error)] or list(endpoints)
        run.log.error(
            "start-refused",
            seen=" and ".join(f"{role} endpoint connection test" for role in failing),
            error=str(error),
            done="nothing started; trigger left as it was",
            why=" and ".join(f"the {role} endpoint" for role in failing)
            + " is not reachable from the replication instance, or DMS did not test it",
        )
        raise
    for role, endpoint in endpoints.items():
        run.log.info(
            "endpoint-tested",
            seen=f"{role} endpoint {endpoint}",
            done=statuses[endpoint],
            why="before a start",
        )


# --------------------------------------------------------------------------------------------
# Pause and resume (operators), watchdog
# --------------------------------------------------------------------------------------------


def set_paused(run: Run, paused: bool) -> dict[str, Any]:
    current, task = run.read()
    if current.version == 0 and not run.write(current, current.to(current.phase, utcnow()), "first record"):
        current, task = run.read()
    run.store.set_paused(paused)
    current = run.store.read()
    run.log.info(
        "paused" if paused else "resumed",
        seen=_seen(current, task),
        done="nothing starts and the trigger stays disabled until resumed" if paused else "pause lifted",
        why="asked by an operator",
    )
    if paused or run.config.is_schedule:
        run.sync_rule(current, task, "paused by an operator" if paused else "resumed by an operator")
    elif task.status == "ready" and current.phase == state.IDLE and not run.paused(current):
        # One-time mode: the trigger is armed again only while the task has never run.
        trigger.enable(
            run.clients.events, trigger.describe_rule(run.clients.events, run.config.event_rule_name)
        )
    return {"action": "paused" if paused else "resumed"}


def watchdog(run: Run) -> dict[str, Any]:
    log, now = run.log, utcnow()
    if not run.config.is_schedule:
        log.info("watchdog-ok", done="nothing", why="one-time mode: the trigger is never re-armed")
        return {"action": "none", "why": "one-time"}
    current, task = run.read()
    seen = _seen(current, task)

    def ok(why: str, short: str) -> dict[str, Any]:
        log.info("watchdog-ok", seen=seen, done="nothing", why=why)
        return {"action": "none", "why": short}

    def settle(new: RunState, why: str) -> dict[str, Any]:
        if not run.write(current, new, why):
            return {"action": "none", "why": "lost-race"}
        log.warning("watchdog-repair", seen=seen, done=f"run state {current.phase} -> {new.phase}", why=why)
        run.sync_rule(new, task, why)
        return {"action": "rearmed" if run.wants_armed(new, task) else "repaired"}

    if run.paused(current):
        run.sync_rule(current, task, "paused")
        return ok("the automation is paused", "paused")
    if current.phase == state.POST_PROCESSING_FAILED:
        log.error(
            "watchdog-blocked",
            seen=seen,
            done="nothing",
            why="post-processing failed; re-run it (retry the post-process invocation) before re-arming",
        )
        return {"action": "none", "why": "post-processing-failed"}
    if current.phase == state.POST_PROCESSING:
        if current.lease_valid(now):
            return ok("post-processing is under way", "post-processing")
        raise WatchdogAlarm(
            f"post-processing of run {current.run} of {task.identifier} has made no progress since "
            f"{current.since} (its lease ended {current.lease_until}); its invocations failed or timed out. "
            'Invoke the post-process function with {"dms_automation": "reconcile"} once the cause is fixed'
        )
    if current.phase == state.STARTING:
        if current.lease_valid(now):
            return ok(f"a start is under way (lease until {current.lease_until})", "starting")
        if task.in_flight or task.run_key != current.run:
            return settle(current.to(state.RUNNING, now, run=current.run), "the crashed start took effect")
        return settle(current.to(state.IDLE, now, run=""), "the starter crashed before the task started")
    if task.in_flight:
        if current.phase != state.RUNNING:
            adopted = current.to(state.RUNNING, now, run=current.handled_run)
            if not run.write(current, adopted, "adopt a run in flight"):
                return {"action": "none", "why": "lost-race"}
            run.sync_rule(adopted, task, "a run is in flight")
        return ok(f"a run is in flight (task {task.status})", "in-flight")
    if pending_run(current, task):
        ended = task.stop_date or state.parse_time(current.since) or now
        waited = now - ended
        if waited > timedelta(minutes=run.options.watchdog_grace_minutes):
            log.error(
                "watchdog-alarm", seen=seen, done="nothing", why="the run ended but was never post-processed"
            )
            raise WatchdogAlarm(
                f"run {task.run_key} of {task.identifier} ended ({task.status}) "
                f"{int(waited.total_seconds())} s ago but post-processing never began (notification lost?); "
                "check the DMS event subscription and SNS topic, then invoke the post-process function with "
                '{"dms_automation": "reconcile"}'
            )
        return ok("the run ended; waiting for its notification", "awaiting-post-process")
    if current.phase == state.RUNNING:
        return settle(current.to(state.IDLE, now, run=""), "the recorded run never started")
    rule = trigger.describe_rule(run.clients.events, run.config.event_rule_name)
    if rule.enabled:
        return ok("the trigger is armed", "armed")
    log.warning("watchdog-rearm", seen=seen, why="the trigger is disabled with nothing in flight or pending")
    run.sync_rule(current, task, "nothing in flight or pending")
    return {"action": "rearmed"}


# --------------------------------------------------------------------------------------------
# Post-process
# --------------------------------------------------------------------------------------------


def reconcile(
    run: Run,
    trigger_why: str,
    continuation: int = 0,
    token: str = "",
    ended_at: datetime | None = None,
    announced_end: bool = False,
) -> dict[str, Any]:
    """Bring the state and the trigger in line with the task's latest run (every relevant event).

    ``announced_end``: the notification announced an ending (at ``ended_at``, its Event Time). If
    the task is still in flight although the ending is not older than the run in flight, DMS has
    not caught up yet: the task is looked at again for ``SETTLE_WAIT_SECONDS``, then the
    invocation raises so that Lambda retries it. An ending older than that run is a late
    notification of an earlier run, which changes nothing."""
    failures: list[ReplicationFailedError] = []
    result: dict[str, Any] = {"action": "none", "why": "lost-race"}
    for _ in range(MAX_ROUNDS):
        current, task = run.read()
        early = task.in_flight and announced_end and not _older(ended_at, task.start_date)
        if early:
            task = _wait_until_settled(run, task)
            current = run.store.read() if current.version else current
        step = _reconcile_step(run, current, task, trigger_why, continuation, token, failures)
        if step is None:
            continuation, token, announced_end = 0, "", False
            continue
        result = step
        break
    if failures:
        raise failures[0]
    return result


def _older(ended_at: datetime | None, run_started: datetime | None) -> bool:
    """Whether the announced ending is older than the run in flight. An EventBridge event's
    ``time`` has whole seconds (the guide's example, "1970-01-01T00:00:00Z"), so an ending in the
    second the run started is not taken as older: wrongly waiting costs a retry, wrongly
    dropping an ending leaves it to the watchdog."""
    return ended_at is not None and run_started is not None and ended_at + EVENT_TIME_PRECISION <= run_started


def _wait_until_settled(run: Run, task: TaskState) -> TaskState:
    waited = 0
    while task.in_flight and waited < run.options.settle_wait_seconds:
        from dms_automation import aws

        aws.sleep(SETTLE_POLL_SECONDS)
        waited += SETTLE_POLL_SECONDS
        task = run.task()
    if task.in_flight:
        run.log.warning(
            "task-not-settled",
            seen=task.summary(),
            done="raising so that Lambda retries this invocation",
            why=f"the notification announced an ending but the task is still {task.status} after {waited} s",
        )
        raise NotSettledError(
            f"a notification said task {task.identifier} ended but DMS still shows it {task.status}; "
            "the invocation is retried by Lambda (then kept in the dead-letter queue, which alarms)"
        )
    return task


def _reconcile_step(
    run: Run,
    current: RunState,
    task: TaskState,
    trigger_why: str,
    continuation: int,
    token: str,
    failures: list[ReplicationFailedError],
) -> dict[str, Any] | None:
    """One decision; None means "the state changed: decide again"."""
    log, now = run.log, utcnow()
    seen = _seen(current, task, because=trigger_why)

    def skip(why: str, short: str) -> dict[str, Any]:
        log.info("post-process-skipped", seen=seen, done="nothing", why=why)
        return {"action": "none", "why": short}

    if task.in_flight:
        if current.phase in (state.IDLE,) or (
            current.phase == state.STARTING and not current.lease_valid(now)
        ):
            adopted = current.to(state.RUNNING, now, run=current.handled_run)
            if not run.write(current, adopted, "adopt a run in flight"):
                return None
            run.sync_rule(adopted, task, "a run started outside the automation is in flight")
        return skip("a run is in flight (late or early notification)", "in-flight")
    if task.status not in ("stopped", "failed") or not task.run_key:
        return skip(f"task {task.status}: no finished run", f"status {task.status}")
    if task.run_key == current.handled_run:
        run.sync_rule(current, task, "the run was post-processed")
        return skip("this run was already handled (duplicate)", "duplicate")

    mine = bool(token) and current.holder == token
    if current.phase == state.POST_PROCESSING and current.lease_valid(now) and not mine:
        if current.run == task.run_key:
            return skip("post-processing of this run is under way", "in-progress")
        # A newer run ended while an older one is post-processed: bumping the version makes the
        # holder's next write fail, so it re-reads and post-processes this run as well.
        queued = current.to(current.phase, now, holder=current.holder, lease_until=current.lease_until)
        if not run.write(current, queued, "queue a newer ended run"):
            return None
        return skip(f"run {task.run_key} waits for the post-processing of run {current.run}", "queued")

    holder = token if mine else run.holder
    claim = current.to(
        state.POST_PROCESSING, now, run=task.run_key, holder=holder, lease_until=run.lease_until()
    )
    if not run.write(current, claim, "claim post-processing"):
        return None
    run.sync_rule(claim, task, "a run ended: no new load before it is post-processed")
    try:
        done = after_load.run_post_processing(run.config, task, run.context, run.options, log)
    except Exception as error:
        _post_processing_failed(run, claim, task, error, seen)
        if isinstance(error, AutomationError):
            raise
        raise PostProcessingError(f"post-processing of run {task.run_key} failed: {error}") from error
    if not done:
        return _continue_later(run, claim, task, continuation, seen)

    finished = _finish(run, claim, task)
    if finished is None:
        return None
    handled, latest = finished
    outcome = dms_task.outcome(task, _run_report(run, task))
    rearm = bool(run.wants_armed(handled, latest))
    if outcome.finished:
        log.info(
            "run-finished",
            seen=task.summary(),
            done="trigger re-armed" if rearm else "trigger left disabled",
            why=f"run ended ({outcome.reason}) and post-processing is done"
            + ("" if run.config.is_schedule else "; one-time mode never re-arms"),
        )
        if latest.run_key != task.run_key:
            return None  # another run started or ended meanwhile: decide again
        return {"action": "rearmed" if rearm else "finished", "run": task.run_key}
    if outcome.paused:
        # A pause point the user set (task.PAUSE_REASONS): not a failure, and not the end of the
        # migration either; a resume (resume-processing) continues it.
        log.warning(
            "run-paused",
            seen=task.summary(),
            reason=outcome.reason,
            done="what was loaded is post-processed; "
            + ("trigger re-armed" if rearm else "trigger left as it is; nothing restarts the task"),
            why=f"the task stopped at the pause point its settings ask for ({outcome.reason}); the "
            "migration is not finished: resume the task (StartReplicationTask resume-processing, "
            'or {"dms_automation": "start"} to the starter) to continue it',
        )
        if latest.run_key != task.run_key:
            return None
        return {"action": "paused", "run": task.run_key, "reason": outcome.reason}
    log.error(
        "run-failed",
        seen=task.summary(),
        reason=outcome.reason,
        errored_tables=outcome.errored_tables,
        done="what was loaded is post-processed; "
        + ("trigger re-armed, the next tick retries" if rearm else "trigger left disabled"),
        why="the run did not finish",
    )
    failures.append(
        ReplicationFailedError(
            f"run {task.run_key} of replication task {task.identifier} did not finish: {outcome.reason}"
            + (f"; errored tables: {', '.join(outcome.errored_tables)}" if outcome.errored_tables else "")
            + "; what was loaded is post-processed"
        )
    )
    return None  # a newer run may have ended meanwhile: decide again


def _finish(run: Run, claim: RunState, task: TaskState) -> tuple[RunState, TaskState] | None:
    """Record the run as handled (from whatever version the claim is at now), then the rule
    follows the record and the task as it is now (a newer run may have started or ended)."""
    current = claim
    for _ in range(MAX_ROUNDS):
        done = current.to(state.IDLE, utcnow(), run="", handled_run=task.run_key)
        if run.write(current, done, "record the run as handled"):
            latest = run.task()
            run.sync_rule(done, latest, f"run {task.run_key} is post-processed")
            return done, latest
        current = run.store.read()
        if (
            current.phase != state.POST_PROCESSING
            or current.holder != claim.holder
            or current.run != task.run_key
        ):
            return None
    return None


def _post_processing_failed(
    run: Run, claim: RunState, task: TaskState, error: BaseException, seen: dict[str, Any]
) -> None:
    run.log.error(
        "post-processing-failed",
        seen=seen,
        error=f"{type(error).__name__}: {error}",
        done="trigger left disabled (phase post-processing-failed)",
        why="a refresh must not run again before the copied data is post-processed",
    )
    failed = claim.to(state.POST_PROCESSING_FAILED, utcnow(), run=task.run_key)
    try:
        if not run.store.write(claim, failed):
            current = run.store.read()
            if current.holder == claim.holder:
                run.store.write(current, failed)
    except Exception as write_error:
        run.log.error(
            "state-write-failed", error=str(write_error), why="could not record post-processing-failed"
        )


def _continue_later(
    run: Run, claim: RunState, task: TaskState, continuation: int, seen: dict[str, Any]
) -> dict[str, Any]:
    if continuation >= run.options.max_post_processing_continuations:
        error = PostProcessingError(
            f"post-processing of run {task.run_key} did not finish after {continuation} continuations "
            "(MAX_POST_PROCESSING_CONTINUATIONS); the trigger stays disabled"
        )
        _post_processing_failed(run, claim, task, error, seen)
        raise error
    token = f"{run.holder}/continuation-{continuation + 1}"
    handover = claim.to(
        state.POST_PROCESSING,
        utcnow(),
        run=task.run_key,
        holder=token,
        lease_until=state.iso(utcnow() + CONTINUATION_LEASE),
    )
    if not run.write(claim, handover, "hand post-processing over to a continuation"):
        return {"action": "none", "why": "lost-race"}
    function = getattr(run.context, "invoked_function_arn", "")
    payload = {
        MARKER_KEY: CONTINUE_POST_PROCESSING,
        "run": task.run_key,
        "continuation": continuation + 1,
        "holder": token,
    }
    from dms_automation import aws

    aws.call(
        run.clients.lambda_.invoke, FunctionName=function, InvocationType="Event", Payload=json.dumps(payload)
    )
    run.log.info(
        "post-processing-continues",
        seen=seen,
        done=f"invoked {function} again (continuation {continuation + 1})",
        why="post-processing is not finished and this invocation is close to its time limit",
    )
    return {"action": "continuing", "continuation": continuation + 1}


def _run_report(run: Run, task: TaskState) -> dict[str, Any] | None:
    try:
        report = dms_task.run_report(run.clients.dms, task)
    except Exception as error:
        run.log.warning(
            "run-report-unavailable",
            error=f"{type(error).__name__}: {error}",
            done="continuing without a report",
            why="DescribeTableStatistics failed; the report never blocks re-arming",
        )
        return None
    run.log.info("run-report", seen=f"run {task.run_key} {task.status}", report=report, why="a load ended")
    return report
