"""Post-process Lambda: DMS task notifications, and its own continuations.

    SNS event with DMS notifications                     -> reconcile, when one concerns this task
    EventBridge DMS event, direct or as an SNS message   -> the same
    {"dms_automation": "continue-post-processing", ...}  -> continue unfinished post-processing
    {"dms_automation": "reconcile"}                      -> reconcile by hand (e.g. a lost notification)

What is done is decided from the run state and the described task (see ``reconcile``).
"""

from __future__ import annotations

from typing import Any

from dms_automation import notifications, reconcile, runtime
from dms_automation.notifications import DmsNotification, Ignored
from dms_automation.run import Clock


def handler(event: Any, context: Any, clock: Clock | None = None) -> dict[str, Any]:
    """Lambda calls it with the event and the context; ``clock`` is the run's clock (tests)."""
    run = runtime.prepare("post_process", context, clock)
    kind = notifications.marker(event)
    if kind == notifications.CONTINUE_POST_PROCESSING:
        count = event.get("continuation", 1)
        continuation = count if isinstance(count, int) and count > 0 else 1
        token = event.get("holder")
        why = f"continuation {continuation} of run {event.get('run')}"
        return reconcile.reconcile(run, why, continuation, token if isinstance(token, str) else "")
    if kind == "reconcile":
        return reconcile.reconcile(run, "reconcile requested by hand")

    relevant: list[DmsNotification] = []
    for item in notifications.parse_event(event):
        if isinstance(item, Ignored):
            run.log.info(
                "notification-ignored", seen=item.sns_message_id or None, done="nothing", why=item.why
            )
        elif not item.is_task_event:
            run.log.info(
                "notification-ignored",
                seen={
                    "event_source": item.event_source,
                    "event_id": item.event_id,
                    "source_id": item.source_id,
                },
                done="nothing",
                why="not a replication-task event",
            )
        else:
            relevant.append(item)
    if not relevant:
        return {"action": "none", "why": "no task notification"}

    # SNS notifications name the task by identifier, EventBridge events by ARN: learn ours from DMS.
    task = run.task()
    mine = [n for n in relevant if n.concerns(task.arn, task.identifier)]
    for other in relevant:
        if not other.concerns(task.arn, task.identifier):
            run.log.info(
                "notification-ignored",
                seen={
                    "source_id": other.source_id or None,
                    "task_arn": other.task_arn or None,
                    "event_id": other.event_id,
                    "via": other.via,
                },
                done="nothing",
                why=f"concerns another task (this automation's task is {task.identifier})",
            )
    if not mine:
        return {"action": "none", "why": "another task"}
    why = ", ".join(f"{n.event_id or '?'} {n.event_message}".strip() for n in mine)
    endings = [n for n in mine if n.event_id in notifications.ENDING_EVENT_IDS]
    times = [t for t in (notifications.event_time(n) for n in endings) if t is not None]
    ended_at = max(times) if len(times) == len(endings) and times else None
    return reconcile.reconcile(run, why, ended_at=ended_at, announced_end=bool(endings))
