"""Operators' pause and resume, and the hourly watchdog (docs/design.md, "Watchdog", "Pause").

The watchdog repairs what a crash or a lost notification left behind, in schedule mode: a start
past its lease took effect or died, post-processing past its lease or an ended run never
post-processed alarms (raises), and a trigger disabled with nothing in flight or pending is
re-armed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dms_automation import state, trigger
from dms_automation.errors import WatchdogAlarm
from dms_automation.run import Run, pending_run, summary
from dms_automation.state import RunState


def set_paused(run: Run, paused: bool) -> dict[str, Any]:
    current, task = run.read()
    if current.version == 0 and not run.write(current, current.to(current.phase, run.now()), "first record"):
        current, task = run.read()
    run.store.set_paused(paused)
    current = run.store.read()
    run.log.info(
        "paused" if paused else "resumed",
        seen=summary(current, task),
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
    log, now = run.log, run.now()
    if not run.config.is_schedule:
        log.info("watchdog-ok", done="nothing", why="one-time mode: the trigger is never re-armed")
        return {"action": "none", "why": "one-time"}
    current, task = run.read()
    seen = summary(current, task)

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
