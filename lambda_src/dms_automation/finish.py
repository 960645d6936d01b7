"""After the claim: post-processing, then the run recorded as handled and its ending reported.

Post-processing (``after_load``) runs first for every ending; then the run is recorded as handled
(``idle``), the rule follows the record, and the ending is reported from DMS's stop reason
(``task.outcome``, docs/design.md "What counts as finished"): finished, paused at a pause point
the user set, or failed (raised, so it alarms). Post-processing that fails leaves
``post-processing-failed``; unfinished post-processing is handed to a fresh invocation.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from dms_automation import after_load, aws, state
from dms_automation import task as dms_task
from dms_automation.errors import AutomationError, PostProcessingError, ReplicationFailedError
from dms_automation.notifications import CONTINUE_POST_PROCESSING, MARKER_KEY
from dms_automation.run import MAX_ROUNDS, Run
from dms_automation.state import RunState
from dms_automation.task import TaskState

# A continuation is an asynchronous invocation: its holder's lease covers Lambda's queueing too.
CONTINUATION_LEASE = timedelta(minutes=20)


def post_process(
    run: Run,
    claim: RunState,
    task: TaskState,
    continuation: int,
    seen: dict[str, Any],
    failures: list[ReplicationFailedError],
) -> dict[str, Any] | None:
    """Post-process the claimed run, then record it as handled and report how it ended.

    Returns the invocation's result, or None: "decide again" (the state moved on, or a run that
    did not finish was recorded in ``failures``, raised once nothing newer is left)."""
    log = run.log
    try:
        done = after_load.run_post_processing(run.config, task, run.context, run.options, log)
    except Exception as error:
        _failed(run, claim, task, error, seen)
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
        done = current.to(state.IDLE, run.now(), run="", handled_run=task.run_key)
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


def _failed(run: Run, claim: RunState, task: TaskState, error: BaseException, seen: dict[str, Any]) -> None:
    run.log.error(
        "post-processing-failed",
        seen=seen,
        error=f"{type(error).__name__}: {error}",
        done="trigger left disabled (phase post-processing-failed)",
        why="a refresh must not run again before the copied data is post-processed",
    )
    failed = claim.to(state.POST_PROCESSING_FAILED, run.now(), run=task.run_key)
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
        _failed(run, claim, task, error, seen)
        raise error
    token = f"{run.holder}/continuation-{continuation + 1}"
    handover = claim.to(
        state.POST_PROCESSING,
        run.now(),
        run=task.run_key,
        holder=token,
        lease_until=state.iso(run.now() + CONTINUATION_LEASE),
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
