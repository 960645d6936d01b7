"""The post-processing seam: what runs after a load and before the trigger is re-armed.

``run_post_processing(config, task, context) -> bool`` is called by the post-process handler
once a run of the task has stopped (once per run; duplicate notifications skip it):

- ``True``: post-processing is done; the handler records the run as processed and re-arms the
  trigger (schedule mode only).
- ``False``: not done yet, continue later; the handler keeps the trigger disabled under the
  phase marker ``post-processing`` and invokes itself again, asynchronously, with
  ``{"dms_automation": "continue-post-processing", ...}``, which calls this function again for
  the same run. Work must be resumable and safe to repeat (chunked, idempotent SQL) and return
  ``False`` before the Lambda timeout (``context.get_remaining_time_in_millis()``).
- an exception: post-processing failed; the trigger stays disabled (phase
  ``post-processing-failed``), the error is logged and re-raised, so the invocation fails, Lambda
  retries it, and the error alarm fires.

With no masking configured (``MASKING_RULES_PARAMETER`` and ``MASKING_RULES`` absent or empty) it does
nothing and returns True. Otherwise it calls ``dms_automation.masking.mask_after_load(run_id,
context)`` with the run's stable id (the task's latest start time), so every continuation of
one run resumes the same progress; ``Progress.done`` is the result. The masking package is
imported only then, so a handler without masking imports nothing more.
"""

from __future__ import annotations

import importlib
from typing import Any

from dms_automation.config import Config
from dms_automation.errors import PostProcessingError
from dms_automation.log import DecisionLog
from dms_automation.options import Options
from dms_automation.task import TaskState


def run_post_processing(
    config: Config,
    task: TaskState,
    context: Any,
    options: Options | None = None,
    log: DecisionLog | None = None,
) -> bool:
    options = options or Options.from_env()
    if not options.masking_config:
        if log:
            log.info(
                "post-processing", seen="no masking configured", done="nothing", why="MASKING_RULES is empty"
            )
        return True
    try:
        masking = importlib.import_module("dms_automation.masking")
    except ImportError as error:
        raise PostProcessingError(f"masking is configured but cannot be imported: {error}") from error
    if not task.run_key:
        # Without the run's own id every load would share one progress record, and the next
        # refresh would count as already masked.
        raise PostProcessingError(f"task {task.identifier} has no start time to key this run's masking by")
    progress = masking.mask_after_load(task.run_key, context)
    if log:
        summary = progress.summary() if hasattr(progress, "summary") else {"done": bool(progress.done)}
        log.info(
            "post-processing",
            seen=f"masking of run {task.run_key}",
            done="masked" if progress.done else "masked part, continuing in a fresh invocation",
            why="after-load masking rules are configured",
            progress=summary,
        )
    return bool(progress.done)
