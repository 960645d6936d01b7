"""The starter's decision: start a run of the task, or say why not (docs/design.md, "Starter").

claim ``starting`` (a lease) → disable the rule → StartReplicationTask → ``running``. A start
that answers with an error is judged from the task as described after it: a task in flight or
with a newer run means DMS accepted it (a lost response); otherwise the claim is released and
the rule follows the record. The pre-start checks (``checks``) run before the claim.
"""

from __future__ import annotations

from typing import Any

from dms_automation import checks, state
from dms_automation import task as dms_task
from dms_automation.errors import RearmError, StartRefusedError, TaskMismatchError
from dms_automation.run import Run, pending_run, summary
from dms_automation.state import RunState
from dms_automation.task import TaskState


def start(run: Run) -> dict[str, Any]:
    log, now = run.log, run.now()
    current, task = run.read()
    seen = summary(current, task)
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

    if checks.needs_cdc_source_check(run, task, start_type):
        held = checks.check_cdc_source(run, task, seen)
        if held is not None:
            return held

    if run.options.test_endpoint_connections:
        checks.test_connections(run, task)

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


def _record_running(run: Run, claim: RunState) -> None:
    if not run.write(claim, claim.to(state.RUNNING, run.now(), run=claim.run), "record the started run"):
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
    released = claim.to(state.IDLE, run.now(), run="")
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
