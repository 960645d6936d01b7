"""The CDC source check: a DMS premigration assessment run before a CDC task's first start.

The starter has no database access, so it asks DMS to check the source: a premigration assessment
run (``StartReplicationTaskAssessmentRun``) limited with ``IncludeOnly`` to the individual Oracle
assessments that decide whether DMS can capture changes. Their API keys are those of the DMS user
guide's "Oracle assessments" page,
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport.Oracle.html, and only
those DMS lists as applicable to the task (``DescribeApplicableIndividualAssessments``) are asked
for; the run and its results are read with ``DescribeReplicationTaskAssessmentRuns`` and
``DescribeReplicationTaskIndividualAssessments`` ("Specifying, starting, and viewing premigration
assessment runs", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport1.html;
API reference, https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTaskAssessmentRun.html
and API_ReplicationTaskIndividualAssessment.html for the statuses).

The record of the check is DMS's own list of the task's assessment runs: the automation's runs are
named ``RUN_NAME_PREFIX`` + a time, so a crash between starting a run and logging it loses nothing
(the next invocation finds the run), and a run of the user's own is never taken for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dms_automation import aws

# API key -> what to fix when it does not pass (the "Oracle assessments" page, one section each).
CDC_SOURCE_ASSESSMENTS: dict[str, str] = {
    "oracle-check-archivelog-mode": "turn on ARCHIVELOG mode on the source database",
    "oracle-check-archivelog-retention-rds": (
        "keep archived redo logs for at least 24 hours (RDS for Oracle: "
        "rdsadmin.rdsadmin_util.set_configuration('archivelog retention hours', 24))"
    ),
    "oracle-supplemental-db-level": (
        "turn on minimal supplemental logging at database level (ALTER DATABASE ADD SUPPLEMENTAL LOG DATA)"
    ),
    "oracle-validate-supplemental-logging-for-pk": (
        "add supplemental logging on the primary or unique key of the replicated tables, or set the "
        "source endpoint's AddSupplementalLogging = true"
    ),
    "oracle-validate-supplemental-logging-all-columns": (
        "add supplemental logging on all columns of replicated tables without a primary or unique key"
    ),
    "oracle-validate-permissions-on-source": (
        "grant the DMS user every privilege DMS needs on an Oracle source, LogMiner's included"
    ),
}

RUN_NAME_PREFIX = "dms-automation-cdc-source-"

# ReplicationTaskAssessmentRun.Status (API_ReplicationTaskAssessmentRun.html).
RUN_UNDER_WAY = frozenset({"provisioning", "starting", "running"})
RUN_PASSED = "passed"
RUN_CHECKED = frozenset({"warning", "failed"})  # the checks ran and some did not pass
# "cancelling": "The assessment run was canceled by the CancelReplicationTaskAssessmentRun
# operation" (the same page). Someone stopped the check on purpose: it is no pass, and the
# starter does not start another behind the canceller's back; it refuses the start, like a run
# that did not check the source, until the run is deleted (docs/design.md, "Starter").
RUN_CANCELLED = "cancelling"
# Anything else ("error-provisioning", "error-executing", "invalid state", "deleting", ...) means
# the run did not check the source at all.

# ReplicationTaskIndividualAssessment.Status that block a start ("skipped": not applicable).
BLOCKING = frozenset({"failed", "warning", "error", "cancelled"})


@dataclass(frozen=True)
class AssessmentRun:
    arn: str
    name: str
    status: str
    created: datetime | None
    failure_message: str = ""
    bucket: str = ""
    folder: str = ""

    @classmethod
    def from_api(cls, run: dict[str, Any]) -> AssessmentRun:
        created = run.get("ReplicationTaskAssessmentRunCreationDate")
        if isinstance(created, datetime) and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return cls(
            arn=str(run.get("ReplicationTaskAssessmentRunArn", "")),
            name=str(run.get("AssessmentRunName", "")),
            status=str(run.get("Status", "")),
            created=created if isinstance(created, datetime) else None,
            failure_message=str(run.get("LastFailureMessage", "") or ""),
            bucket=str(run.get("ResultLocationBucket", "") or ""),
            folder=str(run.get("ResultLocationFolder", "") or ""),
        )

    @property
    def results(self) -> str:
        return f"s3://{self.bucket}/{self.folder}".rstrip("/") if self.bucket else "the DMS console"


def latest_run(dms: Any, task_arn: str, max_pages: int = 10) -> AssessmentRun | None:
    """The automation's latest assessment run of the task, or None."""
    found = aws.pages(
        dms.describe_replication_task_assessment_runs,
        "ReplicationTaskAssessmentRuns",
        max_pages,
        Filters=[{"Name": "replication-task-arn", "Values": [task_arn]}],
        MaxRecords=100,
    )
    ours = [r for r in found if str(r.get("AssessmentRunName", "")).startswith(RUN_NAME_PREFIX)]
    runs = [AssessmentRun.from_api(r) for r in ours]
    if not runs:
        return None
    oldest = datetime.min.replace(tzinfo=UTC)
    return max(runs, key=lambda r: (r.created or oldest, r.name))


def applicable(dms: Any, task_arn: str, max_pages: int = 10) -> list[str]:
    """The CDC source assessments DMS can run for this task (none for a source that is not Oracle)."""
    names = aws.pages(
        dms.describe_applicable_individual_assessments,
        "IndividualAssessmentNames",
        max_pages,
        ReplicationTaskArn=task_arn,
        MaxRecords=100,
    )
    return [name for name in CDC_SOURCE_ASSESSMENTS if name in names]


def start_run(
    dms: Any, task_arn: str, task_id: str, bucket: str, role_arn: str, names: list[str]
) -> AssessmentRun:
    """Start a run; when DMS refuses it but a run of ours exists by now, follow that one.

    The name is unique per run (``AssessmentRunName``, "Unique name to identify the assessment
    run", API_StartReplicationTaskAssessmentRun.html): a second starter in the same second, or
    botocore's retry of a start whose response was lost, is refused, and the run that the other
    call started is the one to wait for."""
    from botocore.exceptions import ClientError

    now = datetime.now(UTC)
    try:
        response = aws.call(
            dms.start_replication_task_assessment_run,
            ReplicationTaskArn=task_arn,
            ServiceAccessRoleArn=role_arn,
            ResultLocationBucket=bucket,
            ResultLocationFolder=task_id,
            AssessmentRunName=f"{RUN_NAME_PREFIX}{now:%Y%m%d-%H%M%S}",
            IncludeOnly=names,
        )
    except ClientError:
        started = latest_run(dms, task_arn)
        if started is None:
            raise
        return started
    return AssessmentRun.from_api(response.get("ReplicationTaskAssessmentRun", {}))


def blocking_results(dms: Any, run_arn: str, max_pages: int = 10) -> list[tuple[str, str]]:
    """(assessment, status) of the CDC source assessments of the run that did not pass."""
    items = aws.pages(
        dms.describe_replication_task_individual_assessments,
        "ReplicationTaskIndividualAssessments",
        max_pages,
        Filters=[{"Name": "replication-task-assessment-run-arn", "Values": [run_arn]}],
        MaxRecords=100,
    )
    found = [(str(i.get("IndividualAssessmentName", "")), str(i.get("Status", ""))) for i in items]
    return sorted((n, status) for n, status in found if n in CDC_SOURCE_ASSESSMENTS and status in BLOCKING)


def what_to_fix(blocking: list[tuple[str, str]]) -> str:
    return "; ".join(f"{name} {status}: {CDC_SOURCE_ASSESSMENTS[name]}" for name, status in blocking)
