"""The post-process decision: bring the state and the trigger in line with the task's latest run.

Decided from the record and the task, never from the notification alone (docs/design.md,
"Post-process"): a run in flight is adopted (and an ending announced ahead of DMS is waited for,
then retried), a duplicate only brings the rule in line, a run held by a live claim is left to
its holder (a newer one is queued by a version bump), anything else is claimed and handed to
``finish``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dms_automation import aws, finish, state
from dms_automation.errors import NotSettledError, ReplicationFailedError
from dms_automation.run import MAX_ROUNDS, Run, summary
from dms_automation.state import RunState
from dms_automation.task import TaskState

SETTLE_POLL_SECONDS = 10
# The coarsest Event Time a notification carries (EventBridge's ``time``: whole seconds).
EVENT_TIME_PRECISION = timedelta(seconds=1)


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
    log, now = run.log, run.now()
    seen = summary(current, task, because=trigger_why)

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
    return finish.post_process(run, claim, task, continuation, seen, failures)
