"""The run record and the clock: what one invocation works with, and the rules every decision shares.

A ``Run`` holds the invocation's configuration, clients, decision log, Lambda context and clock,
and the run state (``state``: one DynamoDB item, changed only by compare-and-set). Every decision
module (``checks``, ``start``, ``watchdog``, ``reconcile``, ``finish``) takes a ``Run`` and depends
on this module, never the other way round (docs/design.md, "The run state", "Module map").

- ``Run.read``: the state first, then the task as DMS describes it; the first read of a task with
  no item yet takes an ended run as handled.
- ``Run.write``: one conditional transition from the version read; False when another won.
- ``Run.sync_rule``: the trigger rule's enabled/disabled state follows the record, never the
  other way round.
- ``Run.now``: the clock every lease and phase time is read from (``clock``, UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dms_automation import state, trigger
from dms_automation import task as dms_task
from dms_automation.aws import Clients
from dms_automation.config import Config
from dms_automation.errors import RearmError, TaskNotFoundError
from dms_automation.log import DecisionLog
from dms_automation.options import Options
from dms_automation.state import RunState
from dms_automation.task import TaskState

# A claim outlives the invocation that holds it by this much (clock skew, the last calls).
LEASE_MARGIN = timedelta(minutes=1)
# Without a Lambda context (tests, by hand): Lambda's longest run.
DEFAULT_LEASE = timedelta(minutes=15)
# How many times one invocation re-decides after losing a compare-and-set.
MAX_ROUNDS = 6

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Run:
    """What one invocation works with."""

    config: Config
    options: Options
    clients: Clients
    log: DecisionLog
    context: Any = None
    # The run's clock: every decision of the invocation reads the time here (tests pass their own).
    clock: Clock = utcnow
    store: state.Store = field(init=False)

    def __post_init__(self) -> None:
        self.store = state.Store(
            self.clients.dynamodb, self.config.state_table_name, self.config.replication_task_arn
        )

    def now(self) -> datetime:
        return self.clock()

    @property
    def holder(self) -> str:
        return str(getattr(self.context, "aws_request_id", "") or "manual")

    def lease_until(self) -> str:
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        lease = timedelta(milliseconds=float(remaining())) if remaining else DEFAULT_LEASE
        return state.iso(self.now() + lease + LEASE_MARGIN)

    def task(self) -> TaskState:
        found = dms_task.describe_task(self.clients.dms, self.config.replication_task_arn)
        if found is None:
            self.log.error(
                "task-missing",
                seen="DescribeReplicationTasks found no task with the configured ARN",
                done="nothing",
                why="REPLICATION_TASK_ARN names a task that does not exist (deleted?)",
            )
            raise TaskNotFoundError(
                f"replication task {self.config.replication_task_arn} (REPLICATION_TASK_ARN) does not exist; "
                "re-create it or point the automation at the new task"
            )
        self.log.task_id = found.identifier
        return found

    def read(self) -> tuple[RunState, TaskState]:
        """The run state first (a missing table raises before anything else), then the task.

        With no item yet (first run, or a recreated table) the state starts from the task: a run
        in flight is adopted by the caller, and an ended run is taken as handled."""
        current = self.store.read()
        task = self.task()
        if current.version == 0:
            current = RunState(handled_run="" if task.in_flight else task.run_key)
        return current, task

    def paused(self, current: RunState) -> bool:
        return current.paused or not self.options.automation_enabled

    def write(self, read: RunState, new: RunState, decision: str) -> bool:
        if self.store.write(read, new):
            return True
        self.log.info(
            "state-changed-meanwhile",
            seen={"read_version": read.version, "wanted_phase": new.phase},
            done="nothing",
            why=f"another invocation changed the run state first; this one ({decision}) re-decides or stops",
        )
        return False

    # -- the trigger rule follows the record ---------------------------------------------------
    def wants_armed(self, current: RunState, task: TaskState) -> bool | None:
        """Whether the trigger should be enabled; None leaves it as it is (one-time, idle)."""
        if self.paused(current) or current.phase != state.IDLE or pending_run(current, task):
            return False
        return True if self.config.is_schedule else None

    def sync_rule(self, current: RunState, task: TaskState, why: str) -> None:
        """Bring the rule in line with the record, re-reading the record after each change so
        that a writer who overtook this one is followed too (both converge on the last record)."""
        for _ in range(3):
            want = self.wants_armed(current, task)
            rule = trigger.describe_rule(self.clients.events, self.config.event_rule_name)
            if want is None or rule.enabled == want:
                return
            if want:
                try:
                    trigger.enable(self.clients.events, rule)
                except Exception as error:
                    self.log.error("rearm-failed", error=str(error), done="trigger still disabled", why=why)
                    raise RearmError(
                        f"could not re-enable rule {rule.name}: {error}; the invocation is retried, the "
                        "hourly watchdog re-arms it, or enable the rule by hand"
                    ) from error
                self.log.info("trigger-rearmed", done=f"enabled rule {rule.name}", why=why)
            else:
                trigger.disable(self.clients.events, rule)
                self.log.info("trigger-disarmed", done=f"disabled rule {rule.name}", why=why)
            again = self.store.read()
            if again.version == current.version and again.paused == current.paused:
                return
            current = again if again.version else current


def pending_run(current: RunState, task: TaskState) -> bool:
    """A run of the task ended and its post-processing has not finished."""
    return not task.in_flight and bool(task.run_key) and task.run_key != current.handled_run


def summary(current: RunState, task: TaskState, **extra: Any) -> dict[str, Any]:
    """What a decision saw, for its log line: the task and the run state."""
    return {**task.summary(), **current.summary(), **extra}
