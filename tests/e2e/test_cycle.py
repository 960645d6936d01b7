"""End to end on the local emulator: examples/local applied, one whole cycle per valid combination.

One emulator, one AWS provider process and one Terraform state serve the whole module. The task
is replaced by a task of the next combination's migration type under the same identifier and ARN,
so each combination is one incremental ``terraform apply`` of examples/local (the schedule ones
first: the dead-letter queue policy changes once). Before each cycle the trigger and the run state
are put back the way a fresh deployment leaves them (rule enabled, no state item), since the new
task has the old one's ARN and Terraform leaves both to the Lambdas.

The stack has the demo's sample database: every full-load task loads production.customers from a
local MariaDB into staging, and the post-process Lambda (from the deployed package) masks it; each
such cycle checks that the load copied production's values and that none is readable after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scripts.cycle import CycleResult, run_cycle
from scripts.sample_data import ROWS, SENSITIVE, SampleDatabase, readable_production_values
from scripts.stack import Combination, EmulatedStack

pytestmark = pytest.mark.slow

TASK_ID = "e2e-task"
RESOURCE_ID = "E2ETASKRESOURCEID0000000000"[:26]

# Schedule combinations first, then one-time ones: the watchdog (and the queue policy) change once.
# The failed run comes right after the first cycle, on the same deployment.
ORDER = (
    "data-refresh/full-load/schedule",
    "data-refresh/full-load/schedule:failed",
    "data-migration/full-load/schedule",
    "data-refresh/full-load/one-time",
    "data-migration/full-load/one-time",
    "data-migration/full-load-and-cdc/one-time",
    "data-migration/cdc/one-time",
)


class Deployment:
    def __init__(self, stack: EmulatedStack) -> None:
        self.stack = stack
        self.task: dict[str, Any] | None = None
        self.combination: Combination | None = None

    def deploy(self, combination: Combination) -> dict[str, Any]:
        """A fresh task of the combination's type and examples/local applied for that combination."""
        if self.combination == combination and self.task is not None:
            return self.task
        if self.task is not None:
            self.stack.delete_task(self.task["ReplicationTaskArn"])
        self.task = self.stack.create_task(combination, TASK_ID, resource_identifier=RESOURCE_ID)
        self.stack.apply(combination, self.task)
        self.combination = combination
        self.fresh_trigger()
        return self.task

    def fresh_trigger(self) -> None:
        assert self.task is not None
        self.stack.forget_run_state(self.task["ReplicationTaskArn"])
        self.stack.client("events").enable_rule(Name=self.stack.outputs["event_rule_name"])


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    stack = EmulatedStack(data=SampleDatabase()).start()
    try:
        yield Deployment(stack)
    finally:
        stack.stop(destroy=False)  # the emulator and everything in it go away with its process


@pytest.mark.parametrize("label", ORDER)
def test_one_cycle(deployment: Deployment, label: str) -> None:
    combination = Combination.parse(label.split(":")[0])
    if label.endswith(":failed"):
        _failed_run(deployment, combination)
        return
    stack = deployment.stack
    task = deployment.deploy(combination)
    arn = task["ReplicationTaskArn"]
    assert task["Status"] == "ready"
    assert stack.rule_state() == "ENABLED"
    functions = stack.client("lambda")
    environment = functions.get_function_configuration(FunctionName=stack.outputs["starter_function_name"])[
        "Environment"
    ]["Variables"]
    assert (
        environment["MIGRATION_REFRESH_INDICATOR"],
        environment["MIGRATION_REFRESH_TYPE"],
        environment["SCHEDULE_OR_ONE_TIME"],
    ) == (combination.indicator, combination.refresh_type, combination.mode)

    result = run_cycle(stack, combination, arn)

    assert not result.starter.failed, result.starter.error
    assert result.starter.payload["start_type"] == "start-replication"
    assert (result.task_after_start, result.start_type, result.rule_after_start) == (
        "running",
        "start-replication",
        "DISABLED",
    )
    assert result.task_after_run == "stopped"
    assert [p.failed for p in result.post_process] == [False], [p.error for p in result.post_process]
    expected = "ENABLED" if combination.is_schedule else "DISABLED"
    assert result.rule_after_post_process == expected
    assert stack.emulator.task_state(arn)["StartCount"] == 1
    state = stack.run_state(arn)
    assert state["phase"] == "idle" and state["handled_run"], state  # the run is recorded as handled
    post_environment = functions.get_function_configuration(
        FunctionName=stack.outputs["post_process_function_name"]
    )["Environment"]["Variables"]
    if combination.stops_on_its_own:
        assert post_environment["MASKING_RULES_PARAMETER"], post_environment
        _assert_masked(result)
    else:  # after-load masking is refused for a task that never stops by itself
        assert not post_environment.get("MASKING_RULES_PARAMETER"), post_environment
        assert result.rows_loaded is None and result.rows_after is None


def _assert_masked(result: CycleResult) -> None:
    """The full load copied production's rows, and post-processing left none of their values readable."""
    assert [(t["source"], t["target"], t["rows"]) for t in result.loaded_tables] == [
        ("production.customers", "staging.customers", len(ROWS))
    ]
    assert result.rows_loaded is not None and result.rows_after is not None
    assert len(readable_production_values(result.rows_loaded)) == len(ROWS) * len(SENSITIVE)
    assert result.readable == [], result.readable
    # Masking changes the sensitive columns only: every row is kept, the other columns as loaded.
    others = [c for c in result.rows_loaded[0] if c not in SENSITIVE]
    assert [{c: r[c] for c in others} for r in result.rows_after] == [
        {c: r[c] for c in others} for r in result.rows_loaded
    ]


def _failed_run(deployment: Deployment, combination: Combination) -> None:
    """The task fails: the schedule is re-armed (the next run retries) and the failure is raised."""
    stack = deployment.stack
    arn = deployment.deploy(combination)["ReplicationTaskArn"]
    first_run = stack.describe_task(arn)["Status"] == "ready"

    result = run_cycle(stack, combination, arn, outcome="failed")

    assert not result.starter.failed, result.starter.error
    assert (result.task_after_start, result.rule_after_start) == ("running", "DISABLED")
    assert result.start_type == ("start-replication" if first_run else "reload-target")
    assert result.task_after_run == "failed"
    [post] = result.post_process
    assert post.error is not None and post.error["errorType"] == "ReplicationFailedError", post.error
    assert '"run-failed"' in post.logs  # what the module's TaskFailed metric filter counts
    assert result.rule_after_post_process == "ENABLED"
    assert stack.describe_task(arn)["Status"] == "failed"
    # What the failed run loaded (a reload: production's rows again) was masked before the alarm.
    _assert_masked(result)
