"""Pre-start checks: what must hold before the starter claims a start (docs/design.md, "Starter").

- The CDC source check (``needs_cdc_source_check``, ``check_cdc_source``): a CDC task brought by
  the user that has never run starts only once a DMS premigration assessment run of its source
  passed (``assessment``).
- The endpoint connection tests (``test_connections``): both endpoints tested from the
  replication instance at once (``task.test_endpoints``).

Nothing here touches the run state or the trigger: nothing is claimed before a start, so a check
that refuses or raises leaves both as they were.
"""

from __future__ import annotations

from typing import Any

from dms_automation import assessment, aws
from dms_automation import task as dms_task
from dms_automation.errors import AutomationError, CdcSourceNotReadyError
from dms_automation.options import CONTINUOUS_TYPES
from dms_automation.run import Run
from dms_automation.task import TaskState


def needs_cdc_source_check(run: Run, task: TaskState, start_type: str) -> bool:
    """A CDC task brought by the user (the module sets the check's bucket and role) that has
    never run: ready, no start date, no stop reason (docs/design.md, "Starter")."""
    return (
        run.options.check_cdc_source
        and run.config.migration_refresh_type in CONTINUOUS_TYPES
        and start_type == "start-replication"
        and task.status == "ready"
        and not task.run_key
        and not task.stop_reason
    )


def check_cdc_source(run: Run, task: TaskState, seen: dict[str, Any]) -> dict[str, Any] | None:
    """None: the source passed (or DMS has no CDC assessment for it) and the start goes on.
    Otherwise the start waits for the assessment (a result to return), or is refused (raises).
    Nothing here touches the run state or the trigger: nothing is claimed before a start."""
    log, dms = run.log, run.clients.dms
    found = assessment.latest_run(dms, task.arn)
    if found is None:
        names = assessment.applicable(dms, task.arn)
        if not names:
            log.warning(
                "cdc-source-unchecked",
                seen=seen,
                done="the start goes on",
                why="DMS lists none of the Oracle CDC source assessments for this task (source not Oracle?)",
            )
            return None
        found = assessment.start_run(
            dms,
            task.arn,
            task.identifier,
            run.options.cdc_source_assessment_bucket,
            run.options.cdc_source_assessment_role_arn,
            names,
        )
        log.info(
            "cdc-source-assessment-started",
            seen=seen,
            done=f"StartReplicationTaskAssessmentRun {found.arn or found.name}: {', '.join(names)}",
            why="the task has never run: its source is checked for CDC before the first start",
        )
    found = _wait_for_assessment(run, found)
    if found.status in assessment.RUN_UNDER_WAY:
        log.info(
            "start-skipped",
            seen={**seen, "assessment_run": found.arn, "assessment_status": found.status},
            done="nothing started; trigger left as it is",
            why="the CDC source assessment is still running; the next tick (or a start by hand) reads it",
        )
        return {"action": "none", "why": "assessing-cdc-source"}
    if found.status == assessment.RUN_PASSED:
        log.info(
            "cdc-source-checked", seen={"assessment_run": found.arn}, done="the start goes on", why="passed"
        )
        return None
    blocking = assessment.blocking_results(dms, found.arn) if found.status in assessment.RUN_CHECKED else []
    if found.status in assessment.RUN_CHECKED and not blocking:
        log.info(
            "cdc-source-checked",
            seen={"assessment_run": found.arn, "assessment_status": found.status},
            done="the start goes on",
            why="every CDC source assessment passed or does not apply",
        )
        return None
    retry = (
        f"then delete assessment run {found.arn} (aws dms delete-replication-task-assessment-run "
        f"--replication-task-assessment-run-arn {found.arn}) so that the next start checks the source again"
    )
    if blocking:
        message = (
            f"the source of replication task {task.identifier} is not prepared for CDC: "
            f"{assessment.what_to_fix(blocking)} (results in {found.results}); fix it, {retry}"
        )
    elif found.status == assessment.RUN_CANCELLED:
        message = (
            f"the CDC source assessment of replication task {task.identifier} was cancelled "
            f"(CancelReplicationTaskAssessmentRun; status {found.status}), so the source is unchecked and "
            "nothing starts; pause the automation to stop the migration, or let the check run: "
            f"{retry.removeprefix('then ')}"
        )
    else:
        message = (
            f"the CDC source assessment of replication task {task.identifier} did not run "
            f"({found.status}: {found.failure_message or 'no message'}); fix the cause "
            f"(the assessment role, the bucket, the endpoints), {retry}"
        )
    log.error(
        "start-refused",
        seen={**seen, "assessment_run": found.arn, "assessment_status": found.status},
        failing=[name for name, _ in blocking],
        done="nothing started; trigger left as it was",
        why=message,
    )
    raise CdcSourceNotReadyError(message)


def _wait_for_assessment(run: Run, found: assessment.AssessmentRun) -> assessment.AssessmentRun:
    """Look again while the run is under way, as long as the invocation can spare: a minute is
    kept for the start, and the connection tests' own time when they run."""
    remaining = getattr(run.context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return found
    budget = remaining() / 1000 - 60
    if run.options.test_endpoint_connections:
        budget -= run.options.connection_test_timeout_seconds
    step = max(run.options.connection_test_poll_seconds, 1)
    waited = 0
    while found.status in assessment.RUN_UNDER_WAY and waited + step <= budget:
        aws.sleep(step)
        waited += step
        found = assessment.latest_run(run.clients.dms, run.config.replication_task_arn) or found
    return found


def test_connections(run: Run, task: TaskState) -> None:
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
