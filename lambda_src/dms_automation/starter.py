"""Starter Lambda: invoked by the trigger rule (start a run) or the watchdog rule (repair).

{"source": "aws.events", "detail-type": "Scheduled Event", ...}  -> start a run if none is in flight
{"dms_automation": "start"} or {}                                 -> the same, by hand
{"dms_automation": "watchdog"}                                    -> re-arm a trigger a fault left disabled
{"dms_automation": "pause"} / {"dms_automation": "resume"}        -> an operator pauses or resumes
"""

from __future__ import annotations

from typing import Any

from dms_automation import notifications, runtime, start, watchdog
from dms_automation.run import Clock


def handler(event: Any, context: Any, clock: Clock | None = None) -> dict[str, Any]:
    """Lambda calls it with the event and the context; ``clock`` is the run's clock (tests)."""
    run = runtime.prepare("starter", context, clock)
    kind = notifications.marker(event)
    if kind == notifications.WATCHDOG:
        return watchdog.watchdog(run)
    if kind in (notifications.PAUSE, notifications.RESUME):
        return watchdog.set_paused(run, kind == notifications.PAUSE)
    if notifications.is_schedule_trigger(event):
        return start.start(run)
    run.log.warning(
        "event-ignored",
        seen={"keys": sorted(event)[:20] if isinstance(event, dict) else type(event).__name__},
        done="nothing",
        why='not a scheduled event, nor {"dms_automation": "start" | "watchdog" | "pause" | "resume"}',
    )
    return {"action": "none", "why": "unrecognised event"}
