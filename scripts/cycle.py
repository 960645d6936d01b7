"""One automation cycle driven on an emulated stack as AWS would drive it: the schedule fires the
starter, DMS ends the run, SNS delivers DMS's notification to the post-process Lambda.

With sample data, the task's start runs the emulated full load (production -> staging on the
local MariaDB); the target's rows are read as DMS loaded them and again after post-processing,
and every sensitive production value still readable in the target is listed (``readable``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from scripts.emulator.lambdas import Invocation
from scripts.sample_data import format_rows, readable_production_values
from scripts.stack import Combination, EmulatedStack, Timeline


@dataclass
class CycleResult:
    rule_after_start: str
    task_after_start: str
    start_type: str | None
    task_after_run: str
    rule_after_post_process: str
    starter: Invocation
    post_process: list[Invocation]
    # With sample data: what the full load copied, the target's rows as loaded and after
    # post-processing, and the production values still readable after it (empty: all masked).
    loaded_tables: list[dict[str, Any]] = field(default_factory=list)
    rows_loaded: list[dict[str, Any]] | None = None
    rows_after: list[dict[str, Any]] | None = None
    readable: list[str] = field(default_factory=list)


def _show_invocation(timeline: Timeline, invocation: Invocation, seconds: float) -> None:
    took = f" ({seconds:.1f}s)"
    if invocation.failed:
        assert invocation.error is not None
        timeline.detail(
            f"{invocation.function_name} raised {invocation.error['errorType']}: "
            f"{invocation.error['errorMessage']}{took}"
        )
    else:
        payload = json.dumps(invocation.payload, default=str)
        timeline.detail(f"{invocation.function_name} returned {payload}{took}")


def run_cycle(
    stack: EmulatedStack, combination: Combination, task_arn: str, outcome: str = "stopped"
) -> CycleResult:
    timeline = stack.timeline
    rule = stack.outputs["event_rule_name"]
    data = stack.data if stack.with_data(combination) else None
    if data is not None:
        data.ready()  # started with the emulator; long ready by now
        timeline.detail(
            f"MariaDB on {data.host}:{data.port} ready after {data.started_in or 0:.1f}s "
            "(in the background): production.customers seeded"
        )

    timeline.step(
        f"The schedule fires: EventBridge rule {rule} invokes {stack.outputs['starter_function_name']}"
    )
    timeline.detail("(the handler runs from the package the module deployed, downloaded from the emulator)")
    started = time.monotonic()
    starter = stack.fire_schedule()
    _show_invocation(timeline, starter, time.monotonic() - started)
    task = stack.describe_task(task_arn)
    state = stack.emulator.task_state(task_arn)
    rule_after_start = stack.rule_state()
    timeline.detail(
        f"StartReplicationTask({state['LastStartType']}) -> task {task['Status']}; "
        f"rule {rule} {rule_after_start}; run state {_run_state(stack, task_arn)}"
    )

    what = (
        "fails"
        if outcome == "failed"
        else "finishes the full load"
        if combination.stops_on_its_own
        else ("is stopped at cut-over (StopReplicationTask)")
    )
    timeline.step(f"DMS {what}")
    task = stack.end_run(combination, task_arn, outcome)
    reason = task.get("LastFailureMessage") or task.get("StopReason", "")
    timeline.detail(f"task {task['Status']}: {reason}")
    loaded_tables: list[dict[str, Any]] = state.get("LoadedTables") or []
    rows_loaded = None
    if data is not None:
        for table in loaded_tables:
            copied = f"{table['source']} -> {table['target']}: {table['rows']} rows"
            timeline.detail(f"the full load copied {copied}")
        rows_loaded = data.rows()
        timeline.detail("staging.customers as DMS loaded it (production values):")
        timeline.detail(_indent(format_rows(rows_loaded)))

    timeline.step(
        "DMS publishes its event notification to the SNS topic; SNS delivers it to the post-process Lambda"
    )
    published = stack.publish_dms_event(task, outcome)
    timeline.detail(f"SNS Publish {published['topic']}")
    timeline.detail(json.dumps(json.loads(published["message"]), indent=2))
    post = []
    for function_name, event in published["deliveries"]:
        started = time.monotonic()
        invocation = stack.deliver(function_name, event)
        _show_invocation(timeline, invocation, time.monotonic() - started)
        post.append(invocation)

    rule_after = stack.rule_state()
    expected = "ENABLED" if combination.is_schedule else "DISABLED"
    timeline.step(
        f"After post-processing: rule {rule} is {rule_after} (expected {expected} for {combination.mode})"
    )
    timeline.detail(f"run state {_run_state(stack, task_arn)}")
    rows_after, readable = None, []
    if data is not None:
        rows_after = data.rows()
        readable = readable_production_values(rows_after)
        timeline.detail("staging.customers after post-processing:")
        timeline.detail(_indent(format_rows(rows_after)))
        if readable:
            timeline.detail("PRODUCTION DATA IS READABLE IN THE COPY:\n  " + "\n  ".join(readable))
        else:
            timeline.detail("no production name, e-mail or phone number is readable in the copy")
    return CycleResult(
        rule_after_start=rule_after_start,
        task_after_start=stack.describe_task(task_arn)["Status"] if False else state["Status"],
        start_type=state["LastStartType"],
        task_after_run=task["Status"],
        rule_after_post_process=rule_after,
        starter=starter,
        post_process=post,
        loaded_tables=loaded_tables,
        rows_loaded=rows_loaded,
        rows_after=rows_after,
        readable=readable,
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _run_state(stack: EmulatedStack, task_arn: str) -> str:
    item = stack.run_state(task_arn)
    handled = item.get("handled_run") or "-"
    phase, version = item.get("phase", "none"), item.get("version", 0)
    return f"{phase} (version {version}, last run post-processed: {handled})"
