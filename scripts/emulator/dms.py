"""The emulator's DMS: moto 5.2.5's server, with the replication tasks, connection tests,
premigration assessment runs and table statistics answered by the project's DMS model
(``scripts/emulator/dms_model.py``, the same model the unit tests use in-process), and what else
the AWS provider reads patched into moto here:

- timestamps are epoch numbers, as in DMS's JSON protocol (the Go SDK refuses ISO strings);
- ``ModifyReplicationSubnetGroup`` and the event subscription API (Create/Describe/Modify/Delete)
  exist;
- a subnet group keeps its subnets (VPC and zones from the EC2 backend) and its tags by ARN;
- ``AddTagsToResource`` / ``RemoveTagsFromResource`` exist, and tag look-ups accept an ARN
  without the account (what the provider builds with ``skip_requesting_account_id``); a task's
  tags given at creation are kept by ARN like every other resource's.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from moto.core.utils import utcnow
from moto.dms import models, responses
from moto.dms.exceptions import (
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
    ValidationError,
)
from moto.dms.models import (
    DatabaseMigrationServiceBackend,
    FakeReplicationInstance,
    FakeReplicationSubnetGroup,
    dms_backends,
)
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.utilities.utils import get_partition

from . import dataplane
from .dms_model import OPERATIONS, DmsModel

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
# The DMS model, one per account and region
# ---------------------------------------------------------------------------------------------
MODELS: dict[tuple[str, str], DmsModel] = {}


def model_for(account: str, region: str) -> DmsModel:
    """The account's and region's DMS model; endpoints are moto's (what the provider creates)."""
    if (account, region) not in MODELS:

        def engine(arn: str) -> str | None:
            endpoints = dms_backends[account][region].endpoints.values()
            return next((e.engine_name for e in endpoints if e.endpoint_arn == arn), None)

        MODELS[(account, region)] = DmsModel(account, region, endpoint_engine=engine)
    return MODELS[(account, region)]


def model_of_task(arn: str) -> DmsModel:
    """The model that holds the task with this ARN (ValidationError for what is no task ARN)."""
    match = _ARN.match(arn or "")
    if not match or not match["rest"].startswith("task:"):
        raise ValidationError(f"{arn!r} is not a DMS task ARN")
    return model_for(match["account"], match["region"])


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
    operation = self._get_action()
    if operation in OPERATIONS:
        model = model_for(self.current_account, self.region)
        status, answer = model.serve(operation, self.body)
        params = json.loads(self.body or "{}")
        if status == 200 and operation == "CreateReplicationTask" and params.get("Tags"):
            arn = json.loads(answer)["ReplicationTask"]["ReplicationTaskArn"]
            self.dms_backend.tagger.tag_resource(arn, params["Tags"])
        if status == 200 and operation == "StartReplicationTask":
            # The emulator's data plane: a full load between MySQL-family endpoints copies rows
            # (scripts/emulator/dataplane.py), and DescribeTableStatistics then counts them.
            with model.lock:
                task = model.task(params["ReplicationTaskArn"])
                report = dataplane.on_task_start(task, params["StartReplicationTaskType"])
                if report is not None:
                    model.set_table_statistics(task.arn, dataplane.table_statistics(report))
        return status, {"Content-Type": "application/x-amz-json-1.1"}, answer.decode()
    status, headers, body = _original_call_action(self)
    if status == 200 and isinstance(body, str) and body.startswith("{"):
        body = json.dumps(epoch_timestamps(json.loads(body)))
    return status, headers, body


def apply() -> None:
    """Install the DMS patches (idempotent)."""
    if getattr(models, "_dms_automation_patched", False):
        return
    FakeReplicationSubnetGroup.to_dict = _subnet_group_to_dict  # type: ignore[method-assign]
    FakeReplicationInstance.to_dict = _instance_to_dict  # type: ignore[method-assign]
    DatabaseMigrationServiceBackend.create_replication_subnet_group = _create_replication_subnet_group  # type: ignore[method-assign]
    DatabaseMigrationServiceBackend.create_replication_instance = _create_replication_instance  # type: ignore[method-assign]
    added = {
        "modify_replication_subnet_group": _modify_replication_subnet_group_response,
        "create_event_subscription": _create_event_subscription,
        "describe_event_subscriptions": _describe_event_subscriptions,
        "modify_event_subscription": _modify_event_subscription,
        "delete_event_subscription": _delete_event_subscription,
        "add_tags_to_resource": _add_tags_to_resource,
        "remove_tags_from_resource": _remove_tags_from_resource,
        "list_tags_for_resource": _list_tags_for_resource,
        "call_action": _call_action,
    }
    for name, function in added.items():
        setattr(DatabaseMigrationServiceResponse, name, function)
    models._dms_automation_patched = True  # type: ignore[attr-defined]
    _ = responses  # the module is patched through its class
