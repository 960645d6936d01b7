"""DMS behaviour moto 5.2.5 lacks or gets wrong, patched in-process before the server starts.

What changes, and why (each is something the AWS provider or the automation reads):
- timestamps are epoch numbers, as in DMS's JSON protocol (the Go SDK refuses ISO strings);
- a task's ARN ends in a generated upper-case resource ID (or ``ResourceIdentifier``), not its name;
- a new task is ``creating`` in the create answer and ``ready`` from the next describe on;
- ``StartReplicationTask`` honours and checks ``StartReplicationTaskType``, refuses a running task,
  and the task reports ``StopReason`` / ``LastFailureMessage`` like DMS;
- ``ModifyReplicationTask``, ``ModifyReplicationSubnetGroup`` and the event subscription API
  (Create/Describe/Modify/Delete) exist;
- a subnet group keeps its subnets (VPC and zones from the EC2 backend) and its tags by ARN;
- ``AddTagsToResource`` / ``RemoveTagsFromResource`` exist, and tag look-ups accept an ARN
  without the account (what the provider builds with ``skip_requesting_account_id``);
- ``TestConnection`` of a pair tested before starts a new test (moto fails with a server error);
  it is refused with ``InvalidResourceStateFault`` while a test of the pair is under way, and the
  pair keeps its status meanwhile, as DMS does (API_TestConnection in the DMS API reference,
  https://docs.aws.amazon.com/dms/latest/APIReference/API_TestConnection.html): a client must
  not take the status it reads after a refusal for the result of its own test;
- premigration assessment runs exist (moto has none): ``DescribeApplicableIndividualAssessments``
  lists, as DMS does for the task's engines and migration type, the Oracle CDC checks for an
  Oracle source of a ``cdc`` or ``full-load-and-cdc`` task and a check for every task;
  ``StartReplicationTaskAssessmentRun`` answers with the run ``starting``, and the run has
  ``passed`` by the next look (the emulated source is prepared), as
  ``DescribeReplicationTaskAssessmentRuns`` and ``DescribeReplicationTaskIndividualAssessments``
  report it (API_ReplicationTaskAssessmentRun and API_ReplicationTaskIndividualAssessment in the
  DMS API reference, https://docs.aws.amazon.com/dms/latest/APIReference/).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from moto.core.utils import utcnow
from moto.dms import models, responses
from moto.dms.exceptions import (
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
    ValidationError,
)
from moto.dms.models import (
    DatabaseMigrationServiceBackend,
    FakeReplicationInstance,
    FakeReplicationSubnetGroup,
    FakeReplicationTask,
    dms_backends,
)
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.dms.utils import random_id
from moto.utilities.utils import get_partition

from . import dataplane

# Response keys that DMS's API types as Timestamp (SubscriptionCreationTime is a String in DMS).
TIMESTAMP_KEYS = frozenset(
    {
        "ReplicationTaskCreationDate",
        "ReplicationTaskStartDate",
        "FreshStartDate",
        "StartDate",
        "StopDate",
        "FullLoadStartDate",
        "FullLoadFinishDate",
        "InstanceCreateTime",
        "FreeUntil",
        "Date",
        "ReplicationTaskAssessmentRunCreationDate",
        "ReplicationTaskIndividualAssessmentStartDate",
    }
)

START_TYPES = ("start-replication", "resume-processing", "reload-target")
SOURCE_TYPES = ("replication-instance", "replication-task")
EVENT_CATEGORIES = {
    "replication-instance": (
        "configuration change",
        "creation",
        "deletion",
        "maintenance",
        "low storage",
        "failover",
        "failure",
    ),
    "replication-task": ("configuration change", "state change", "creation", "deletion", "failure"),
}
# Statuses from which a task may be started again.
STARTABLE = ("ready", "stopped", "failed")
_ARN = re.compile(r"^arn:(?P<partition>[^:]+):dms:(?P<region>[^:]+):(?P<account>[^:]*):(?P<rest>.+)$")


def epoch_timestamps(value: Any, key: str | None = None) -> Any:
    """Walk a JSON value and turn ISO-8601 strings under TIMESTAMP_KEYS into epoch seconds."""
    if isinstance(value, dict):
        return {k: epoch_timestamps(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [epoch_timestamps(v, key) for v in value]
    if key in TIMESTAMP_KEYS and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            # moto's utcnow() is naive UTC
            parsed = parsed.replace(tzinfo=UTC)
        return round(parsed.timestamp(), 3)
    return value


# ---------------------------------------------------------------------------------------------
# Replication tasks
# ---------------------------------------------------------------------------------------------
_original_task_init = FakeReplicationTask.__init__
_original_task_to_dict = FakeReplicationTask.to_dict


def _task_init(self: FakeReplicationTask, *args: Any, **kwargs: Any) -> None:
    resource_identifier = kwargs.pop("resource_identifier", None)
    _original_task_init(self, *args, **kwargs)
    account_id = kwargs.get("account_id") or args[7]
    region = self.region
    self.resource_id = resource_identifier or random_id(True, 26)
    self.arn = f"arn:{get_partition(region)}:dms:{region}:{account_id}:task:{self.resource_id}"
    self.stop_reason: str | None = None
    self.last_failure_message: str | None = None
    self.last_start_type: str | None = None
    self.start_count = 0
    self.full_load_percent = 0
    self.cdc_start_position: str | None = None


def _task_to_dict(self: FakeReplicationTask) -> dict[str, Any]:
    data = _original_task_to_dict(self)
    data["ReplicationTaskStats"]["FullLoadProgressPercent"] = self.full_load_percent
    data["ReplicationTaskStats"]["TablesLoaded"] = 1 if self.full_load_percent == 100 else 0
    if self.stop_date is None:
        data["ReplicationTaskStats"].pop("FullLoadFinishDate", None)
    if self.stop_reason:
        data["StopReason"] = self.stop_reason
    if self.last_failure_message:
        data["LastFailureMessage"] = self.last_failure_message
    if self.cdc_start_position:
        data["CdcStartPosition"] = self.cdc_start_position
    return {k: v for k, v in data.items() if v is not None}


def _task_start(self: FakeReplicationTask, start_type: str = "start-replication") -> FakeReplicationTask:
    if start_type not in START_TYPES:
        raise ValidationError(
            f"StartReplicationTaskType {start_type!r} is not valid; use one of: {', '.join(START_TYPES)}"
        )
    if self.status not in STARTABLE:
        raise InvalidResourceStateFault(
            f"Replication task {self.id} is in status {self.status}; it can be started only when "
            f"{', '.join(STARTABLE)}"
        )
    if start_type == "start-replication" and self.start_count > 0:
        raise InvalidResourceStateFault(
            f"Start type start-replication is valid only for the first run of task {self.id}; "
            "use resume-processing or reload-target"
        )
    self.last_start_type = start_type
    self.start_count += 1
    self.start_date = utcnow()
    self.stop_date = None
    self.stop_reason = None
    self.last_failure_message = None
    if start_type != "resume-processing":
        self.full_load_percent = 0
    self.status = "running"
    dataplane.on_task_start(self, start_type)  # a full load copies rows (MySQL endpoints only)
    return self


def _task_stop(self: FakeReplicationTask) -> FakeReplicationTask:
    if self.status != "running":
        raise InvalidResourceStateFault(f"Replication task {self.id} is not running (status {self.status})")
    self.status = "stopped"
    self.stop_reason = "Stop Reason NORMAL"
    self.stop_date = utcnow()
    return self


def finish_task(task: FakeReplicationTask, outcome: str, message: str | None = None) -> FakeReplicationTask:
    """What DMS does when a running task ends on its own: the full load finished, or it failed."""
    if task.status != "running":
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is not running (status {task.status}); only a running task can end"
        )
    task.stop_date = utcnow()
    if outcome == "stopped":
        if task.migration_type != "full-load":
            raise InvalidResourceStateFault(
                f"Replication task {task.id} has migration type {task.migration_type}; only a full-load task "
                "stops on its own after the full load (CDC keeps running until stopped)"
            )
        task.status = "stopped"
        task.full_load_percent = 100
        task.stop_reason = "Stop Reason FULL_LOAD_ONLY_FINISHED"
    elif outcome == "failed":
        task.status = "failed"
        task.stop_reason = "Stop Reason RECOVERABLE_ERROR"
        task.last_failure_message = message or "Last Error Task error notification received. Task: FAILED"
    else:
        raise ValidationError(f"outcome {outcome!r} is not valid; use stopped or failed")
    return task


def find_task(arn: str) -> FakeReplicationTask:
    match = _ARN.match(arn)
    if not match:
        raise ValidationError(f"{arn!r} is not a DMS task ARN")
    backend = dms_backends[match["account"]][match["region"]]
    task = backend.replication_tasks.get(arn)
    if task is None:
        raise ResourceNotFoundFault(f"Replication task {arn} could not be found.")
    return task


# ---------------------------------------------------------------------------------------------
# Connection tests: testing the same endpoint from the same instance again starts a new test
# ---------------------------------------------------------------------------------------------
_original_test_connection = DatabaseMigrationServiceBackend.test_connection


def _test_connection(
    self: DatabaseMigrationServiceBackend, replication_instance_arn: str, endpoint_arn: str
) -> Any:
    for connection in self.connections:
        pair = (connection.replication_instance_arn, connection.endpoint_arn)
        if pair == (replication_instance_arn, endpoint_arn) and connection.status == "testing":
            raise InvalidResourceStateFault(
                f"A connection test of endpoint {endpoint_arn} from {replication_instance_arn} "
                "is already under way"
            )
    for connection in self.connections:
        if (connection.replication_instance_arn, connection.endpoint_arn) == (
            replication_instance_arn,
            endpoint_arn,
        ):
            connection.status = "testing"
            connection._tick = 0
            return connection
    return _original_test_connection(self, replication_instance_arn, endpoint_arn)


# ---------------------------------------------------------------------------------------------
# Subnet groups
# ---------------------------------------------------------------------------------------------
def _subnet_group_to_dict(self: FakeReplicationSubnetGroup) -> dict[str, Any]:
    from moto.ec2.models import ec2_backends

    subnets = []
    vpc_id = None
    ec2 = ec2_backends[self.account_id][self.region] if getattr(self, "account_id", None) else None
    for subnet_id in self.subnetIds or []:
        zone = None
        if ec2 is not None:
            try:
                subnet = ec2.get_subnet(subnet_id)
                zone, vpc_id = subnet.availability_zone, subnet.vpc_id
            except Exception:  # an unknown subnet keeps its id, as DMS shows it
                zone = None
        subnets.append(
            {
                "SubnetIdentifier": subnet_id,
                "SubnetAvailabilityZone": {"Name": zone or f"{self.region}a"},
                "SubnetStatus": "Active",
            }
        )
    return {
        "ReplicationSubnetGroupIdentifier": self.replication_subnet_group_identifier,
        "ReplicationSubnetGroupDescription": self.description,
        "VpcId": vpc_id or "vpc-12345",
        "SubnetGroupStatus": "Complete",
        "Subnets": subnets,
        "SupportedNetworkTypes": ["IPV4"],
    }


def _subnet_group_arn(backend: DatabaseMigrationServiceBackend, identifier: str) -> str:
    return (
        f"arn:{get_partition(backend.region_name)}:dms:{backend.region_name}:"
        f"{backend.account_id}:subgrp:{identifier}"
    )


def _create_replication_subnet_group(
    self: DatabaseMigrationServiceBackend,
    replication_subnet_group_identifier: str,
    replication_subnet_group_description: str,
    subnet_ids: list[str],
    tags: list[dict[str, str]] | None = None,
) -> FakeReplicationSubnetGroup:
    if replication_subnet_group_identifier in self.replication_subnet_groups:
        raise ResourceAlreadyExistsFault("The resource you are attempting to create already exists.")
    if not subnet_ids:
        raise ValidationError("SubnetIds must name at least one subnet")
    group = FakeReplicationSubnetGroup(
        replication_subnet_group_identifier=replication_subnet_group_identifier,
        replication_subnet_group_description=replication_subnet_group_description,
        subnetIds=list(subnet_ids),
    )
    group.account_id = self.account_id
    group.region = self.region_name
    if tags:
        self.tagger.tag_resource(_subnet_group_arn(self, replication_subnet_group_identifier), tags)
    self.replication_subnet_groups[replication_subnet_group_identifier] = group
    return group


def _modify_replication_subnet_group(
    self: DatabaseMigrationServiceBackend, identifier: str, description: str | None, subnet_ids: list[str]
) -> FakeReplicationSubnetGroup:
    group = self.replication_subnet_groups.get(identifier)
    if group is None:
        raise ResourceNotFoundFault(f"Replication subnet group {identifier} could not be found.")
    if description is not None:
        group.description = description
    if subnet_ids:
        group.subnetIds = list(subnet_ids)
    return group


# ---------------------------------------------------------------------------------------------
# Replication instances: show the real subnet group
# ---------------------------------------------------------------------------------------------
_original_instance_to_dict = FakeReplicationInstance.to_dict
_original_create_instance = DatabaseMigrationServiceBackend.create_replication_instance


def _instance_to_dict(self: FakeReplicationInstance) -> dict[str, Any]:
    data = _original_instance_to_dict(self)
    groups = getattr(self, "subnet_groups", {})
    group = groups.get(self.replication_subnet_group_identifier)
    if group is not None:
        data["ReplicationSubnetGroup"] = group.to_dict()
    return data


def _create_replication_instance(
    self: DatabaseMigrationServiceBackend, *args: Any, **kwargs: Any
) -> FakeReplicationInstance:
    group_id = kwargs.get("replication_subnet_group_identifier")
    if group_id and group_id not in self.replication_subnet_groups:
        raise ResourceNotFoundFault(f"Replication subnet group {group_id} could not be found.")
    instance = _original_create_instance(self, *args, **kwargs)
    instance.subnet_groups = self.replication_subnet_groups
    return instance


# ---------------------------------------------------------------------------------------------
# Event subscriptions
# ---------------------------------------------------------------------------------------------
class FakeEventSubscription:
    def __init__(
        self,
        account_id: str,
        region: str,
        name: str,
        sns_topic_arn: str,
        source_type: str | None,
        event_categories: list[str],
        source_ids: list[str],
        enabled: bool,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.name = name
        self.sns_topic_arn = sns_topic_arn
        self.source_type = source_type
        self.event_categories = event_categories
        self.source_ids = source_ids
        self.enabled = enabled
        self.status = "creating"
        self.created = utcnow()

    @property
    def arn(self) -> str:
        return f"arn:{get_partition(self.region)}:dms:{self.region}:{self.account_id}:es:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "CustomerAwsId": self.account_id,
            "CustSubscriptionId": self.name,
            "SnsTopicArn": self.sns_topic_arn,
            "Status": self.status,
            "SubscriptionCreationTime": self.created.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "SourceIdsList": self.source_ids,
            "EventCategoriesList": self.event_categories,
            "Enabled": self.enabled,
        }
        if self.source_type:
            data["SourceType"] = self.source_type
        return data


def _subscriptions(backend: DatabaseMigrationServiceBackend) -> dict[str, FakeEventSubscription]:
    if not hasattr(backend, "event_subscriptions"):
        backend.event_subscriptions = {}
    return backend.event_subscriptions  # type: ignore[no-any-return]


def _check_subscription(
    backend: DatabaseMigrationServiceBackend,
    sns_topic_arn: str,
    source_type: str | None,
    categories: list[str],
) -> None:
    from moto.sns.models import sns_backends

    match = re.match(
        r"^arn:[^:]+:sns:(?P<region>[^:]+):(?P<account>\d{12}):(?P<name>.+)$", sns_topic_arn or ""
    )
    if not match or sns_topic_arn not in sns_backends[match["account"]][match["region"]].topics:
        raise ResourceNotFoundFault(f"SNS topic {sns_topic_arn!r} does not exist (SNSInvalidTopic)")
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise ValidationError(
            f"SourceType {source_type!r} is not valid; use one of: {', '.join(SOURCE_TYPES)}"
        )
    allowed = EVENT_CATEGORIES.get(source_type or "", sum(EVENT_CATEGORIES.values(), ()))
    unknown = [c for c in categories if c not in allowed]
    if unknown:
        raise ValidationError(
            f"event categories {unknown} are not valid for source type {source_type}; "
            f"use any of: {', '.join(allowed)}"
        )


def _create_event_subscription(self: DatabaseMigrationServiceResponse) -> str:
    backend = self.dms_backend
    params = json.loads(self.body)
    name = params.get("SubscriptionName") or ""
    if not re.match(r"^[A-Za-z][A-Za-z0-9-]{0,254}$", name):
        raise ValidationError(
            f"SubscriptionName {name!r} is not valid: "
            "1-255 letters, digits or hyphens, starting with a letter"
        )
    subscriptions = _subscriptions(backend)
    if name in subscriptions:
        raise ResourceAlreadyExistsFault(f"Event subscription {name} already exists.")
    categories = params.get("EventCategories") or []
    _check_subscription(backend, params.get("SnsTopicArn", ""), params.get("SourceType"), categories)
    subscription = FakeEventSubscription(
        account_id=backend.account_id,
        region=backend.region_name,
        name=name,
        sns_topic_arn=params["SnsTopicArn"],
        source_type=params.get("SourceType"),
        event_categories=categories,
        source_ids=params.get("SourceIds") or [],
        enabled=params.get("Enabled", True),
    )
    subscriptions[name] = subscription
    if params.get("Tags"):
        backend.tagger.tag_resource(subscription.arn, params["Tags"])
    answer = subscription.to_dict()
    subscription.status = "active"  # DMS reports creating, then active
    return json.dumps({"EventSubscription": answer})


def _describe_event_subscriptions(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body or "{}")
    subscriptions = _subscriptions(self.dms_backend)
    name = params.get("SubscriptionName")
    if name:
        if name not in subscriptions:
            raise ResourceNotFoundFault(f"Event subscription {name} could not be found.")
        found = [subscriptions[name]]
    else:
        found = list(subscriptions.values())
    for f in params.get("Filters") or []:
        if f.get("Name") == "event-subscription-arn":
            found = [s for s in found if s.arn in f.get("Values", [])]
        elif f.get("Name") == "event-subscription-id":
            found = [s for s in found if s.name in f.get("Values", [])]
    return json.dumps({"EventSubscriptionsList": [s.to_dict() for s in found]})


def _modify_event_subscription(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    subscriptions = _subscriptions(self.dms_backend)
    name = params.get("SubscriptionName")
    subscription = subscriptions.get(name)
    if subscription is None:
        raise ResourceNotFoundFault(f"Event subscription {name} could not be found.")
    topic = params.get("SnsTopicArn", subscription.sns_topic_arn)
    source_type = params.get("SourceType", subscription.source_type)
    categories = params.get("EventCategories", subscription.event_categories)
    _check_subscription(self.dms_backend, topic, source_type, categories)
    subscription.sns_topic_arn = topic
    subscription.source_type = source_type
    subscription.event_categories = categories
    if "Enabled" in params:
        subscription.enabled = params["Enabled"]
    return json.dumps({"EventSubscription": subscription.to_dict()})


def _delete_event_subscription(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    subscriptions = _subscriptions(self.dms_backend)
    name = params.get("SubscriptionName")
    subscription = subscriptions.pop(name, None)
    if subscription is None:
        raise ResourceNotFoundFault(f"Event subscription {name} could not be found.")
    answer = subscription.to_dict()
    answer["Status"] = "deleting"
    return json.dumps({"EventSubscription": answer})


# ---------------------------------------------------------------------------------------------
# Task API additions
# ---------------------------------------------------------------------------------------------
def _create_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    backend = self.dms_backend
    identifier = params.get("ReplicationTaskIdentifier")
    if any(t.id == identifier for t in backend.replication_tasks.values()):
        raise ResourceAlreadyExistsFault(f"Replication task {identifier} already exists.")
    migration_type = params.get("MigrationType")
    if migration_type not in ("full-load", "cdc", "full-load-and-cdc"):
        raise ValidationError(
            f"MigrationType {migration_type!r} is not valid; use one of: full-load, cdc, full-load-and-cdc"
        )
    task = FakeReplicationTask(
        replication_task_identifier=identifier,
        source_endpoint_arn=params.get("SourceEndpointArn"),
        target_endpoint_arn=params.get("TargetEndpointArn"),
        replication_instance_arn=params.get("ReplicationInstanceArn"),
        migration_type=migration_type,
        table_mappings=params.get("TableMappings"),
        replication_task_settings=params.get("ReplicationTaskSettings"),
        account_id=backend.account_id,
        region_name=backend.region_name,
        resource_identifier=params.get("ResourceIdentifier"),
    )
    task.cdc_start_position = params.get("CdcStartPosition")
    backend.replication_tasks[task.arn] = task
    if params.get("Tags"):
        backend.tagger.tag_resource(task.arn, params["Tags"])
    return json.dumps({"ReplicationTask": task.to_dict()})


def _describe_replication_tasks(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body or "{}")
    tasks = self.dms_backend.describe_replication_tasks(
        filters=params.get("Filters") or [], max_records=params.get("MaxRecords") or 100
    )
    for task in tasks:
        if task.status == "creating":
            task.status = "ready"  # DMS takes a minute; the first look after creation sees it ready
        elif task.status == "modifying":
            task.status = "ready" if task.start_count == 0 else "stopped"
    if not tasks and any(f.get("Name") == "replication-task-arn" for f in params.get("Filters") or []):
        # DMS answers a filter on an unknown ARN with ResourceNotFoundFault
        raise ResourceNotFoundFault("No Tasks found matching provided filters")
    return json.dumps({"ReplicationTasks": [t.to_dict() for t in tasks]})


# ---------------------------------------------------------------------------------------------
# Premigration assessment runs
# ---------------------------------------------------------------------------------------------
# The Oracle checks that decide whether DMS can capture changes ("Oracle assessments",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport.Oracle.html), and
# one check DMS offers for every task.
ORACLE_CDC_ASSESSMENTS = (
    "oracle-check-archivelog-mode",
    "oracle-check-archivelog-retention-rds",
    "oracle-supplemental-db-level",
    "oracle-validate-supplemental-logging-for-pk",
    "oracle-validate-supplemental-logging-all-columns",
    "oracle-validate-permissions-on-source",
)
GENERAL_ASSESSMENTS = ("all-check-source-selection-rules",)


def _assessment_runs(backend: DatabaseMigrationServiceBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "assessment_runs"):
        backend.assessment_runs = {}
    return backend.assessment_runs  # type: ignore[no-any-return]


def _task_of(backend: DatabaseMigrationServiceBackend, arn: str | None) -> FakeReplicationTask:
    task = backend.replication_tasks.get(arn or "")
    if task is None:
        raise ResourceNotFoundFault("Replication task could not be found.")
    return task


def _describe_applicable_individual_assessments(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body or "{}")
    backend = self.dms_backend
    task = _task_of(backend, params.get("ReplicationTaskArn"))
    source = next((e for e in backend.endpoints.values() if e.endpoint_arn == task.source_endpoint_arn), None)
    names = list(GENERAL_ASSESSMENTS)
    if source is not None and source.engine_name == "oracle" and task.migration_type != "full-load":
        names += ORACLE_CDC_ASSESSMENTS
    return json.dumps({"IndividualAssessmentNames": sorted(names)})


def _start_replication_task_assessment_run(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    backend = self.dms_backend
    task = _task_of(backend, params.get("ReplicationTaskArn"))
    for required in ("ServiceAccessRoleArn", "ResultLocationBucket", "AssessmentRunName"):
        if not params.get(required):
            raise ValidationError(f"{required} is required")
    runs = _assessment_runs(backend)
    if any(r["AssessmentRunName"] == params["AssessmentRunName"] for r in runs.values()):
        raise ResourceAlreadyExistsFault(f"Assessment run {params['AssessmentRunName']} already exists.")
    prefix = f"arn:{get_partition(backend.region_name)}:dms:{backend.region_name}:{backend.account_id}"
    arn = f"{prefix}:assessment-run:{random_id(uppercase=True, length=26)}"
    run = {
        "ReplicationTaskAssessmentRunArn": arn,
        "ReplicationTaskArn": task.arn,
        "Status": "starting",
        "ReplicationTaskAssessmentRunCreationDate": utcnow().isoformat(),
        "ServiceAccessRoleArn": params["ServiceAccessRoleArn"],
        "ResultLocationBucket": params["ResultLocationBucket"],
        "ResultLocationFolder": params.get("ResultLocationFolder", ""),
        "AssessmentRunName": params["AssessmentRunName"],
        "IncludeOnly": list(params.get("IncludeOnly") or []),
    }
    runs[arn] = run
    return json.dumps({"ReplicationTaskAssessmentRun": _public_run(run)})


def _public_run(run: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in run.items() if key != "IncludeOnly"}


def _describe_replication_task_assessment_runs(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body or "{}")
    found = list(_assessment_runs(self.dms_backend).values())
    for f in params.get("Filters") or []:
        key = {
            "replication-task-arn": "ReplicationTaskArn",
            "replication-task-assessment-run-arn": "ReplicationTaskAssessmentRunArn",
            "status": "Status",
        }.get(f.get("Name", ""))
        if key:
            found = [r for r in found if r[key] in f.get("Values", [])]
    for run in found:
        if run["Status"] == "starting":
            run["Status"] = "passed"  # the emulated source is prepared: every check passes
    return json.dumps({"ReplicationTaskAssessmentRuns": [_public_run(r) for r in found]})


def _describe_replication_task_individual_assessments(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body or "{}")
    runs = list(_assessment_runs(self.dms_backend).values())
    for f in params.get("Filters") or []:
        if f.get("Name") == "replication-task-assessment-run-arn":
            runs = [r for r in runs if r["ReplicationTaskAssessmentRunArn"] in f.get("Values", [])]
        elif f.get("Name") == "replication-task-arn":
            runs = [r for r in runs if r["ReplicationTaskArn"] in f.get("Values", [])]
    items = [
        {
            "ReplicationTaskIndividualAssessmentArn": f"{run['ReplicationTaskAssessmentRunArn']}:{name}",
            "ReplicationTaskAssessmentRunArn": run["ReplicationTaskAssessmentRunArn"],
            "IndividualAssessmentName": name,
            "Status": "passed" if run["Status"] == "passed" else "pending",
            "ReplicationTaskIndividualAssessmentStartDate": run["ReplicationTaskAssessmentRunCreationDate"],
        }
        for run in runs
        for name in run["IncludeOnly"]
    ]
    return json.dumps({"ReplicationTaskIndividualAssessments": items})


def _start_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    task = self.dms_backend.replication_tasks.get(params.get("ReplicationTaskArn"))
    if task is None:
        raise ResourceNotFoundFault("Replication task could not be found.")
    start_type = params.get("StartReplicationTaskType")
    if not start_type:
        raise ValidationError(
            "StartReplicationTaskType is required: start-replication, resume-processing or reload-target"
        )
    task.start(start_type)
    return json.dumps({"ReplicationTask": task.to_dict()})


def _modify_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    task = self.dms_backend.replication_tasks.get(params.get("ReplicationTaskArn"))
    if task is None:
        raise ResourceNotFoundFault("Replication task could not be found.")
    if task.status in ("running", "starting", "stopping", "creating", "deleting"):
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is {task.status}; "
            "it can be modified only when stopped, failed or ready"
        )
    if params.get("ReplicationTaskIdentifier"):
        task.id = params["ReplicationTaskIdentifier"]
    if params.get("MigrationType"):
        task.migration_type = params["MigrationType"]
    if params.get("TableMappings"):
        task.table_mappings = params["TableMappings"]
    if params.get("ReplicationTaskSettings"):
        task.replication_task_settings = params["ReplicationTaskSettings"]
    if params.get("CdcStartPosition"):
        task.cdc_start_position = params["CdcStartPosition"]
    task.status = "modifying"
    return json.dumps({"ReplicationTask": task.to_dict()})


def _modify_replication_subnet_group_response(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    group = _modify_replication_subnet_group(
        self.dms_backend,
        params.get("ReplicationSubnetGroupIdentifier"),
        params.get("ReplicationSubnetGroupDescription"),
        params.get("SubnetIds") or [],
    )
    return json.dumps({"ReplicationSubnetGroup": group.to_dict()})


def _normalise_arn(backend: DatabaseMigrationServiceBackend, arn: str) -> str:
    match = _ARN.match(arn or "")
    if match and not match["account"]:
        return f"arn:{match['partition']}:dms:{match['region']}:{backend.account_id}:{match['rest']}"
    return arn


def _add_tags_to_resource(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    self.dms_backend.tagger.tag_resource(
        _normalise_arn(self.dms_backend, params["ResourceArn"]), params["Tags"]
    )
    return json.dumps({})


def _remove_tags_from_resource(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    self.dms_backend.tagger.untag_resource_using_names(
        _normalise_arn(self.dms_backend, params["ResourceArn"]), params["TagKeys"]
    )
    return json.dumps({})


def _list_tags_for_resource(self: DatabaseMigrationServiceResponse) -> str:
    params = json.loads(self.body)
    arns = params.get("ResourceArnList") or [params.get("ResourceArn")]
    tags = self.dms_backend.list_tags_for_resource([_normalise_arn(self.dms_backend, a) for a in arns if a])
    return json.dumps({"TagList": tags})


_original_call_action = DatabaseMigrationServiceResponse.call_action


def _call_action(self: DatabaseMigrationServiceResponse) -> Any:
    status, headers, body = _original_call_action(self)
    if status == 200 and isinstance(body, str) and body.startswith("{"):
        body = json.dumps(epoch_timestamps(json.loads(body)))
    return status, headers, body


def apply() -> None:
    """Install the DMS patches (idempotent)."""
    if getattr(models, "_dms_automation_patched", False):
        return
    FakeReplicationTask.__init__ = _task_init  # type: ignore[method-assign]
    FakeReplicationTask.to_dict = _task_to_dict  # type: ignore[method-assign]
    FakeReplicationTask.start = _task_start  # type: ignore[method-assign,assignment]
    FakeReplicationTask.stop = _task_stop  # type: ignore[method-assign]
    FakeReplicationSubnetGroup.to_dict = _subnet_group_to_dict  # type: ignore[method-assign]
    FakeReplicationInstance.to_dict = _instance_to_dict  # type: ignore[method-assign]
    DatabaseMigrationServiceBackend.create_replication_subnet_group = _create_replication_subnet_group  # type: ignore[method-assign]
    DatabaseMigrationServiceBackend.create_replication_instance = _create_replication_instance  # type: ignore[method-assign]
    DatabaseMigrationServiceBackend.test_connection = _test_connection  # type: ignore[method-assign]
    added = {
        "create_replication_task": _create_replication_task,
        "describe_replication_tasks": _describe_replication_tasks,
        "start_replication_task": _start_replication_task,
        "modify_replication_task": _modify_replication_task,
        "modify_replication_subnet_group": _modify_replication_subnet_group_response,
        "create_event_subscription": _create_event_subscription,
        "describe_event_subscriptions": _describe_event_subscriptions,
        "modify_event_subscription": _modify_event_subscription,
        "delete_event_subscription": _delete_event_subscription,
        "add_tags_to_resource": _add_tags_to_resource,
        "remove_tags_from_resource": _remove_tags_from_resource,
        "list_tags_for_resource": _list_tags_for_resource,
        "describe_applicable_individual_assessments": _describe_applicable_individual_assessments,
        "start_replication_task_assessment_run": _start_replication_task_assessment_run,
        "describe_replication_task_assessment_runs": _describe_replication_task_assessment_runs,
        "describe_replication_task_individual_assessments": _describe_replication_task_individual_assessments,
        "call_action": _call_action,
    }
    for name, function in added.items():
        setattr(DatabaseMigrationServiceResponse, name, function)
    models._dms_automation_patched = True  # type: ignore[attr-defined]
    _ = responses  # the module is patched through its class
