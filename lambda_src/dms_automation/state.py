"""The run's state: one DynamoDB item per automation, changed only by conditional writes.

The item (partition key ``pk`` = the replication task's ARN) says what the automation is doing
and for which run; every invocation reads it, decides from it and the task as DMS describes it,
and writes its next state *on condition that the version it read is still current*. Of two
invocations that overlap, one write succeeds and the other gets ``ConditionalCheckFailed`` and
re-decides from what is there now (docs/design.md, "The run state").

Attributes (``ATTRIBUTES`` is the one list; tests tie it to the module's documentation):

``phase``          ``idle`` | ``starting`` | ``running`` | ``post-processing`` |
                   ``post-processing-failed``
``run``            the run the phase concerns: for ``starting``/``running`` the task's run
                   *before* the start (a later run key is the started run), for the
                   post-processing phases the run being post-processed
``handled_run``    the latest run whose post-processing finished (a later ended run is pending)
``since``          when the phase began (ISO 8601, UTC)
``holder``         the request id of the invocation that holds ``starting`` or
                   ``post-processing`` (a continuation gets the holder's token in its payload)
``lease_until``    until when the holder's claim stands; past it the holder is taken as crashed
``version``        a counter bumped by every transition, the compare in compare-and-set
``paused``         set by an operator (``{"dms_automation": "pause"}``); not part of the
                   versioned state, so a pause written mid-run survives the run's transitions

Run keys are the task's latest start time (``TaskState.run_key``); ``""`` means "never ran".
DynamoDB's conditional writes are the documented way to make such updates atomic:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from dms_automation import aws
from dms_automation.errors import StateTableError

IDLE = "idle"
STARTING = "starting"
RUNNING = "running"
POST_PROCESSING = "post-processing"
POST_PROCESSING_FAILED = "post-processing-failed"
PHASES = (IDLE, STARTING, RUNNING, POST_PROCESSING, POST_PROCESSING_FAILED)

KEY = "pk"
ATTRIBUTES = ("phase", "run", "handled_run", "since", "holder", "lease_until", "version", "paused")
_VERSIONED = ("phase", "run", "handled_run", "since", "holder", "lease_until")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RunState:
    """One read of the item. ``version`` 0 means there is no item yet."""

    phase: str = IDLE
    run: str = ""
    handled_run: str = ""
    since: str = ""
    holder: str = ""
    lease_until: str = ""
    version: int = 0
    paused: bool = False

    def lease_valid(self, now: datetime) -> bool:
        until = parse_time(self.lease_until)
        return until is not None and now < until

    def summary(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "state_run": self.run or None,
            "handled_run": self.handled_run or None,
            "since": self.since or None,
            "lease_until": self.lease_until or None,
            "version": self.version,
            "paused": self.paused,
        }

    def to(self, phase: str, now: datetime, **changes: Any) -> RunState:
        """The next state: ``phase`` from ``now``; leases and holders end unless given again."""
        fields: dict[str, Any] = {"holder": "", "lease_until": "", **changes}
        return replace(self, phase=phase, since=iso(now), version=self.version + 1, **fields)


def _from_item(item: dict[str, Any]) -> RunState:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    phase = text("phase") or IDLE
    return RunState(
        phase=phase if phase in PHASES else IDLE,
        run=text("run"),
        handled_run=text("handled_run"),
        since=text("since"),
        holder=text("holder"),
        lease_until=text("lease_until"),
        version=int(item.get("version", {}).get("N", "0")),
        paused=bool(item.get("paused", {}).get("BOOL", False)),
    )


class Store:
    """The state item of one task in the table named by ``STATE_TABLE_NAME``."""

    def __init__(self, dynamodb: Any, table: str, task_arn: str) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.key = {KEY: {"S": task_arn}}

    def _call(self, method: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return aws.call(method, TableName=self.table, **kwargs)
        except ClientError as error:
            if aws.error_code(error) == "ConditionalCheckFailedException":
                raise
            if aws.error_code(error) in ("ResourceNotFoundException", "AccessDeniedException"):
                raise StateTableError(
                    f"the state table {self.table!r} (STATE_TABLE_NAME) cannot be used: {error}; "
                    "re-apply the Terraform module, which creates it and grants access to it"
                ) from error
            raise
        except BotoCoreError as error:
            raise StateTableError(
                f"the state table {self.table!r} (STATE_TABLE_NAME) is unreachable: {error}"
            ) from error

    def read(self) -> RunState:
        """The current state, strongly consistent; a missing item reads as version 0."""
        response = self._call(self.dynamodb.get_item, Key=self.key, ConsistentRead=True)
        item = response.get("Item")
        return _from_item(item) if item else RunState()

    def write(self, read: RunState, new: RunState) -> bool:
        """Write ``new`` if the item is still at ``read.version``; False when another won."""
        from botocore.exceptions import ClientError

        values = {name: {"S": getattr(new, name)} for name in _VERSIONED}
        try:
            if read.version == 0:
                self._call(
                    self.dynamodb.put_item,
                    Item={
                        **self.key,
                        **values,
                        "version": {"N": str(new.version)},
                        "paused": {"BOOL": False},
                    },
                    ConditionExpression="attribute_not_exists(#pk)",
                    ExpressionAttributeNames={"#pk": KEY},
                )
            else:
                names = {f"#{name}": name for name in (*_VERSIONED, "version")}
                sets = ", ".join(f"#{name} = :{name}" for name in (*_VERSIONED, "version"))
                self._call(
                    self.dynamodb.update_item,
                    Key=self.key,
                    UpdateExpression=f"SET {sets}",
                    ConditionExpression="#version = :read",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={
                        **{f":{name}": value for name, value in values.items()},
                        ":version": {"N": str(new.version)},
                        ":read": {"N": str(read.version)},
                    },
                )
        except ClientError as error:
            if aws.error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_paused(self, paused: bool) -> None:
        """Pause or resume an existing item; outside the version, so no transition fails by it."""
        self._call(
            self.dynamodb.update_item,
            Key=self.key,
            UpdateExpression="SET #paused = :paused",
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={"#paused": "paused", "#pk": KEY},
            ExpressionAttributeValues={":paused": {"BOOL": paused}},
        )
