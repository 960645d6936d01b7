"""The automation loop's decisions, over injected clients: start, watchdog and post-process.

Every decision is taken from the task as DMS describes it and the trigger rule's state and
markers (see ``trigger``), never from a notification alone, so duplicate, late and
out-of-order deliveries change nothing. The order of the calls keeps DESIGN.md's invariant
under any single fault: no schedule trigger left disabled with no run in flight and no alarm,
no second run while one is in flight.

Starting:  tag phase=running (+ the run before it) → disable rule → StartReplicationTask.
           A refused start re-enables a schedule trigger and raises. A crash after the tag
           leaves a marker the watchdog reads to re-arm.
Finishing: tag phase=post-processing → post-processing → enable rule (schedule) → tag
           processed-run, clear the phase. A crash anywhere repeats idempotent steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dms_automation import post_processing, trigger
from dms_automation import task as dms_task
from dms_automation.aws import Clients
from dms_automation.config import Config
from dms_automation.errors import (
    AutomationError,
    PostProcessingError,
    RearmError,
    ReplicationFailedError,
    StartRefusedError,
    TaskNotFoundError,
    WatchdogAlarm,
)
from dms_automation.log import DecisionLog
from dms_automation.notifications import CONTINUE_POST_PROCESSING, MARKER_KEY
from dms_automation.options import Options
from dms_automation.task import TaskState

RUN_BEFORE_START = "dms-automation:run-before-start"
POST_PROCESSED_RUN = "dms-automation:post-processed-run"  # post-processing done, re-arm pending
PHASE_SINCE = "dms-automation:phase-since"
ANY_RUN = "-"  # run-before-start of an adopted run: whatever run the task shows is that run
# Lambda runs at most 15 minutes; a post-processing phase not refreshed for longer has no owner.
POST_PROCESSING_STALE = timedelta(minutes=16)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Run:
    """What one invocation works with."""

    config: Config
    options: Options
    clients: Clients
    log: DecisionLog
    context: Any = None

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

    def rule(self) -> trigger.RuleState:
        return trigger.describe_rule(self.clients.events, self.config.event_rule_name)

    def rearm(self, rule: trigger.RuleState, why: str, extra_clear: tuple[str, ...] = ()) -> None:
        trigger.enable(self.clients.events, rule)
        keys = [
            trigger.PHASE,
            PHASE_SINCE,
            trigger.REQUESTED_AT,
            RUN_BEFORE_START,
            POST_PROCESSED_RUN,
            *extra_clear,
        ]
        trigger.clear_tags(self.clients.events, rule, keys)  # tags set since ``rule`` was read too
        self.log.info("trigger-rearmed", done=f"enabled rule {rule.name}", why=why)


# --------------------------------------------------------------------------------------------
# Starter
# --------------------------------------------------------------------------------------------


def start(run: Run) -> dict[str, Any]:
    config, log = run.config, run.log
    task = run.task()
    rule = run.rule()
    seen = {**task.summary(), **rule.summary()}
    phase = rule.phase

    if phase == trigger.PAUSED:
        log.info(
            "start-skipped", seen=seen, done="nothing", why="an operator paused the automation (phase=paused)"
        )
        return {"action": "none", "why": "paused"}
    if phase == trigger.POST_PROCESSING and not _stale(rule):
        if rule.enabled:
            trigger.disable(run.clients.events, rule)
        log.warning(
            "start-skipped",
            seen=seen,
            done="trigger disabled" if rule.enabled else "nothing",
            why="post-processing of the previous run is under way; a new load would race it",
        )
        return {"action": "none", "why": "post-processing"}

    if task.in_flight:
        done = "nothing"
        if rule.enabled:
            # Adopt the run: from now on it is handled like one the starter began.
            trigger.set_tags(
                run.clients.events,
                rule,
                {trigger.PHASE: trigger.RUNNING, PHASE_SINCE: _iso(utcnow()), RUN_BEFORE_START: ANY_RUN},
            )
            trigger.disable(run.clients.events, rule)
            done = "trigger disabled"
        log.info("start-skipped", seen=seen, done=done, why=f"a run is in flight (task {task.status})")
        return {"action": "none", "why": "in-flight"}

    start_type = dms_task.start_type_for(task)
    if start_type is None:
        log.warning(
            "start-skipped",
            seen=seen,
            done="nothing; trigger left as it is",
            why=f"task status {task.status!r} cannot be started (ready, stopped or failed can)",
        )
        return {"action": "none", "why": f"status {task.status}"}
    if phase == trigger.POST_PROCESSING_FAILED:
        log.warning(
            "start-after-failed-post-processing",
            seen=seen,
            why="the trigger was re-enabled after post-processing failed; starting as asked",
        )

    if run.options.test_endpoint_connections:
        _test_connections(run, task)

    requested = utcnow()
    trigger.set_tags(
        run.clients.events,
        rule,
        {
            trigger.PHASE: trigger.RUNNING,
            PHASE_SINCE: _iso(requested),
            trigger.REQUESTED_AT: _iso(requested),
            RUN_BEFORE_START: task.run_key or ANY_RUN,
        },
    )
    if rule.enabled:
        trigger.disable(run.clients.events, rule)
    try:
        started = dms_task.start_task(run.clients.dms, task.arn, start_type)
    except Exception as error:
        log.error(
            "start-refused",
            seen=seen,
            start_type=start_type,
            error=str(error),
            done="re-arming the schedule trigger"
            if config.is_schedule
            else "trigger left disabled (one-time)",
            why="StartReplicationTask failed",
        )
        if config.is_schedule:
            try:
                run.rearm(rule, "the start was refused, so the schedule must stay armed for the next tick")
            except Exception as rearm_error:
                raise RearmError(
                    f"StartReplicationTask failed ({error}) and re-enabling rule {rule.name} failed too "
                    f"({rearm_error}); the hourly watchdog re-arms it, or enable it by hand"
                ) from error
        raise StartRefusedError(
            f"StartReplicationTask ({start_type}) of {task.arn} failed: {error}; "
            + ("the schedule stays armed" if config.is_schedule else "one-time trigger left disabled")
        ) from error
    log.info(
        "run-started",
        seen=seen,
        done=f"StartReplicationTask {start_type}; trigger disabled",
        why=f"task was {task.status} and no run was in flight",
        start_type=start_type,
        new_status=started.get("Status"),
    )
    return {"action": "started", "start_type": start_type}


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
# Watchdog
# --------------------------------------------------------------------------------------------


def watchdog(run: Run) -> dict[str, Any]:
    log = run.log
    if not run.config.is_schedule:
        log.info("watchdog-ok", done="nothing", why="one-time mode: the trigger is never re-armed")
        return {"action": "none", "why": "one-time"}
    task = run.task()
    rule = run.rule()
    seen = {**task.summary(), **rule.summary()}
    phase = rule.phase
    if rule.enabled:
        log.info("watchdog-ok", seen=seen, done="nothing", why="the trigger is armed")
        return {"action": "none", "why": "armed"}
    if phase == trigger.PAUSED:
        log.info("watchdog-ok", seen=seen, done="nothing", why="an operator paused the automation")
        return {"action": "none", "why": "paused"}
    if phase == trigger.POST_PROCESSING_FAILED:
        log.error(
            "watchdog-blocked",
            seen=seen,
            done="nothing",
            why="post-processing failed; re-run it (retry the post-process invocation) before re-arming",
        )
        return {"action": "none", "why": "post-processing-failed"}
    if phase == trigger.POST_PROCESSING and rule.tags.get(POST_PROCESSED_RUN) == task.run_key:
        why = "post-processing of the run finished but re-arming was interrupted"
        log.warning("watchdog-rearm", seen=seen, why=why)
        run.rearm(rule, why)
        return {"action": "rearmed"}
    if phase == trigger.POST_PROCESSING:
        if _stale(rule):
            raise WatchdogAlarm(
                f"post-processing of {task.identifier} has made no progress since "
                f"{rule.tags.get(PHASE_SINCE, '?')}; its invocations failed or timed out. Invoke the "
                'post-process function with {"dms_automation": "reconcile"} once the cause is fixed'
            )
        log.info("watchdog-ok", seen=seen, done="nothing", why="post-processing is under way")
        return {"action": "none", "why": "post-processing"}
    if task.in_flight:
        log.info("watchdog-ok", seen=seen, done="nothing", why=f"a run is in flight (task {task.status})")
        return {"action": "none", "why": "in-flight"}

    before = rule.tags.get(RUN_BEFORE_START)
    ran = bool(task.run_key) and before is not None and (before == ANY_RUN or task.run_key != before)
    if phase == trigger.RUNNING and ran and rule.tags.get(trigger.PROCESSED_RUN) != task.run_key:
        ended = task.stop_date or _parse(rule.tags.get(PHASE_SINCE, "")) or utcnow()
        waited = utcnow() - ended
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
        log.info("watchdog-ok", seen=seen, done="nothing", why="the run ended; waiting for its notification")
        return {"action": "none", "why": "awaiting-post-process"}

    why = (
        "the starter disabled the trigger but the task never started (crash or refused start)"
        if phase == trigger.RUNNING
        else "the trigger is disabled with no run in flight and no post-processing pending"
    )
    log.warning("watchdog-rearm", seen=seen, why=why)
    run.rearm(rule, why)
    return {"action": "rearmed"}


def _stale(rule: trigger.RuleState) -> bool:
    since = _parse(rule.tags.get(PHASE_SINCE, ""))
    return since is None or utcnow() - since > POST_PROCESSING_STALE


# --------------------------------------------------------------------------------------------
# Post-process
# --------------------------------------------------------------------------------------------


def reconcile(run: Run, trigger_why: str, continuation: int = 0) -> dict[str, Any]:
    """Bring the trigger in line with the task's latest run (called for every relevant event)."""
    config, log = run.config, run.log
    task = run.task()
    rule = run.rule()
    seen = {**task.summary(), **rule.summary(), "because": trigger_why}

    def skip(why: str, short: str) -> dict[str, Any]:
        log.info("post-process-skipped", seen=seen, done="nothing", why=why)
        return {"action": "none", "why": short}

    if task.in_flight:
        return skip("a run is in flight (late or early notification)", "in-flight")
    if task.status not in ("stopped", "failed") or not task.run_key:
        return skip(f"task {task.status}: no finished run", f"status {task.status}")
    if rule.tags.get(trigger.PROCESSED_RUN) == task.run_key:
        return skip("this run was already handled (duplicate)", "duplicate")
    post_processed = rule.tags.get(POST_PROCESSED_RUN) == task.run_key
    if (
        rule.phase == trigger.POST_PROCESSING
        and continuation == 0
        and not post_processed
        and not _stale(rule)
    ):
        return skip("post-processing of this run is under way", "in-progress")

    if continuation == 0 and not post_processed:
        _log_run_report(run, task)

    if task.status == "failed":
        rearm = config.is_schedule
        _finish(run, rule, task, rearm, f"run failed: {task.last_failure_message or task.stop_reason or '?'}")
        log.error(
            "run-failed",
            seen=seen,
            done="trigger re-armed, the next tick retries" if rearm else "trigger left disabled (one-time)",
            why="the replication task failed",
        )
        raise ReplicationFailedError(
            f"replication task {task.identifier} failed: {task.last_failure_message or 'no failure message'}"
        )

    if not post_processed:
        later = _post_process(run, rule, task, continuation, seen)
        if later is not None:
            return later
    _finish(run, rule, task, config.is_schedule, "run stopped and post-processing is done")
    return {"action": "rearmed" if config.is_schedule else "finished", "run": task.run_key}


def _post_process(
    run: Run, rule: trigger.RuleState, task: TaskState, continuation: int, seen: dict[str, Any]
) -> dict[str, Any] | None:
    """Run post-processing; None when it is done, else the result of continuing later."""
    config, log = run.config, run.log
    phase = {trigger.PHASE: trigger.POST_PROCESSING, PHASE_SINCE: _iso(utcnow())}
    trigger.set_tags(run.clients.events, rule, phase)
    if rule.enabled and config.is_schedule:
        # Someone re-enabled the trigger mid-run: a tick must not reload over unmasked data.
        trigger.disable(run.clients.events, rule)
    try:
        done = post_processing.run_post_processing(config, task, run.context, run.options, log)
    except Exception as error:
        log.error(
            "post-processing-failed",
            seen=seen,
            error=f"{type(error).__name__}: {error}",
            done="trigger left disabled (phase post-processing-failed)",
            why="a refresh must not run again before the copied data is post-processed",
        )
        try:
            trigger.set_tags(
                run.clients.events,
                rule,
                {trigger.PHASE: trigger.POST_PROCESSING_FAILED, PHASE_SINCE: _iso(utcnow())},
            )
        except Exception as tag_error:
            log.error("marker-failed", error=str(tag_error), why="could not record post-processing-failed")
        if isinstance(error, AutomationError):
            raise
        raise PostProcessingError(f"post-processing of run {task.run_key} failed: {error}") from error
    if not done:
        return _continue_later(run, rule, task, continuation, seen)
    # Recorded before re-arming: a retry after a failed re-arm does not post-process again.
    trigger.set_tags(run.clients.events, rule, {POST_PROCESSED_RUN: task.run_key})
    return None


def _finish(run: Run, rule: trigger.RuleState, task: TaskState, rearm: bool, why: str) -> None:
    if rearm:
        try:
            trigger.enable(run.clients.events, rule)
        except Exception as error:
            run.log.error("rearm-failed", error=str(error), done="trigger still disabled", why=why)
            raise RearmError(
                f"could not re-enable rule {rule.name} after run {task.run_key}: {error}; the invocation is "
                "retried, or enable the rule by hand"
            ) from error
    trigger.set_tags(run.clients.events, rule, {trigger.PROCESSED_RUN: task.run_key})
    keys = [trigger.PHASE, PHASE_SINCE, trigger.REQUESTED_AT, RUN_BEFORE_START, POST_PROCESSED_RUN]
    trigger.clear_tags(run.clients.events, rule, keys)
    run.log.info(
        "run-finished",
        seen=task.summary(),
        done=f"trigger {rule.name} enabled" if rearm else "trigger left disabled",
        why=why + ("" if rearm else "; one-time mode never re-arms"),
    )


def _continue_later(
    run: Run, rule: trigger.RuleState, task: TaskState, continuation: int, seen: dict[str, Any]
) -> dict[str, Any]:
    if continuation >= run.options.max_post_processing_continuations:
        trigger.set_tags(
            run.clients.events,
            rule,
            {trigger.PHASE: trigger.POST_PROCESSING_FAILED, PHASE_SINCE: _iso(utcnow())},
        )
        raise PostProcessingError(
            f"post-processing of run {task.run_key} did not finish after {continuation} continuations "
            "(MAX_POST_PROCESSING_CONTINUATIONS); the trigger stays disabled"
        )
    function = getattr(run.context, "invoked_function_arn", "")
    payload = {MARKER_KEY: CONTINUE_POST_PROCESSING, "run": task.run_key, "continuation": continuation + 1}
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


def _log_run_report(run: Run, task: TaskState) -> None:
    try:
        report = dms_task.run_report(run.clients.dms, task)
    except Exception as error:
        run.log.warning(
            "run-report-unavailable",
            error=f"{type(error).__name__}: {error}",
            done="continuing without a report",
            why="DescribeTableStatistics failed; the report never blocks re-arming",
        )
        return
    run.log.info("run-report", seen=f"run {task.run_key} {task.status}", report=report, why="a load ended")
