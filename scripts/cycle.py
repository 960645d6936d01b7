"""One automation cycle driven on an emulated stack as AWS would drive it: the schedule fires the
starter, DMS ends the run, SNS delivers DMS's notification to the post-process Lambda."""

from __future__ import annotations

import json
from dataclasses import dataclass

from scripts.emulator.lambdas import Invocation
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


def _show_invocation(timeline: Timeline, invocation: Invocation) -> None:
    if invocation.failed:
        assert invocation.error is not None
        timeline.detail(
            f"{invocation.function_name} raised {invocation.error['errorType']}: "
            f"{invocation.error['errorMessage']}"
        )
    else:
        timeline.detail(f"{invocation.function_name} returned {json.dumps(invocation.payload, default=str)}")


def run_cycle(
    stack: EmulatedStack, combination: Combination, task_arn: str, outcome: str = "stopped"
) -> CycleResult:
    timeline = stack.timeline
    rule = stack.outputs["event_rule_name"]

    timeline.step(
        f"The schedule fires: EventBridge rule {rule} invokes {stack.outputs['starter_function_name']}"
    )
    timeline.detail("(the handler runs from the package the module deployed, downloaded from the emulator)")
    starter = stack.fire_schedule()
    _show_invocation(timeline, starter)
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

    timeline.step(
        "DMS publishes its event notification to the SNS topic; SNS delivers it to the post-process Lambda"
    )
    published = stack.publish_dms_event(task, outcome)
    timeline.detail(f"SNS Publish {published['topic']}")
    timeline.detail(json.dumps(json.loads(published["message"]), indent=2))
    post = []
    for function_name, event in published["deliveries"]:
        invocation = stack.deliver(function_name, event)
        _show_invocation(timeline, invocation)
        post.append(invocation)

    rule_after = stack.rule_state()
    expected = "ENABLED" if combination.is_schedule else "DISABLED"
    timeline.step(
        f"After post-processing: rule {rule} is {rule_after} (expected {expected} for {combination.mode})"
    )
    timeline.detail(f"run state {_run_state(stack, task_arn)}")
    return CycleResult(
        rule_after_start=rule_after_start,
        task_after_start=stack.describe_task(task_arn)["Status"] if False else state["Status"],
        start_type=state["LastStartType"],
        task_after_run=task["Status"],
        rule_after_post_process=rule_after,
        starter=starter,
        post_process=post,
    )


def _run_state(stack: EmulatedStack, task_arn: str) -> str:
    item = stack.run_state(task_arn)
    handled = item.get("handled_run") or "-"
    phase, version = item.get("phase", "none"), item.get("version", 0)
    return f"{phase} (version {version}, last run post-processed: {handled})"
