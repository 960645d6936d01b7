"""Both endpoint connection tests at once, and no stale result trusted (task.test_endpoints).

DMS is the project's DMS model (``ScriptedDms``, a client of it): TestConnection answers with the
pair's Connection in status "testing", or refuses with InvalidResourceStateFault (a test under
way, or an instance or endpoint that is not available); a pair keeps its last result.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from dms_automation import task as dms_task
from dms_automation.errors import EndpointConnectionError
from tests.unit.harness import ScriptedDms

INSTANCE = ScriptedDms.INSTANCE
SOURCE = "arn:aws:dms:eu-west-1:123456789012:endpoint:SOURCE"
TARGET = "arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET"


class Clock:
    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_both_tests_are_started_before_the_first_wait() -> None:
    dms = ScriptedDms(ticks=3)
    assert dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5) == {
        SOURCE: "successful",
        TARGET: "successful",
    }
    assert dms.calls[:3] == [
        ("TestConnection", SOURCE),
        ("TestConnection", TARGET),
        ("DescribeConnections", ""),
    ]


def test_the_wait_is_bounded_once_for_both() -> None:
    # Neither test ever ends: one timeout for the pair, not one per endpoint.
    dms = ScriptedDms(ticks=10**6)
    clock = Clock(step=10)
    with pytest.raises(EndpointConnectionError, match="within 240 s") as raised:
        dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5, clock=clock)
    assert SOURCE in str(raised.value) and TARGET in str(raised.value)
    assert clock.now <= 240 + 3 * 10


def test_a_refused_test_does_not_accept_a_stale_success() -> None:
    # The instance is not available: DMS refuses, and the pair still shows last week's success.
    dms = ScriptedDms(status={SOURCE: "successful"}, refuse={SOURCE})
    with pytest.raises(EndpointConnectionError, match="refused the test") as raised:
        dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 30, 5, clock=Clock(step=10))
    assert SOURCE in str(raised.value) and TARGET not in str(raised.value)
    assert dms.calls.count(("TestConnection", SOURCE)) > 1  # asked again while nothing ran


def test_a_refused_test_with_a_test_under_way_takes_that_result() -> None:
    # Someone else's test of the pair is running: its result is newer than our call.
    dms = ScriptedDms(status={SOURCE: "testing"}, refuse={SOURCE})
    dms._running[SOURCE] = 1
    assert dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5)[SOURCE] == "successful"


def test_a_refused_test_later_accepted_counts() -> None:
    dms = ScriptedDms(status={SOURCE: "successful"}, refuse={SOURCE})
    clock = Clock(step=1)
    original = dms.describe_connections

    def describe(Filters: list[dict[str, Any]]) -> dict[str, Any]:
        dms.refuse.clear()  # the instance became available
        return original(Filters)

    dms.describe_connections = describe  # type: ignore[method-assign]
    assert dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5, clock=clock) == {
        SOURCE: "successful",
        TARGET: "successful",
    }


def test_a_failure_of_either_is_reported_without_waiting_for_the_other() -> None:
    dms = ScriptedDms(after_tests={TARGET: "failed"}, ticks=0)
    dms._running[SOURCE] = 10**6
    with pytest.raises(EndpointConnectionError, match="ORA-12541") as raised:
        dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5)
    assert TARGET in str(raised.value)


def test_an_old_failure_is_not_reported_either() -> None:
    # Both pairs failed last time. DMS refuses our first test of the source (the instance is busy
    # for a moment) and DescribeConnections still shows the source's old "failed": that result is
    # not of this test, so it must not refuse the start. DMS accepts the test on the next ask.
    dms = ScriptedDms(status={SOURCE: "failed", TARGET: "failed"}, refuse={SOURCE}, ticks=0)
    original = dms.describe_connections
    looks: list[str] = []

    def describe(Filters: list[dict[str, Any]]) -> dict[str, Any]:
        answer = original(Filters)
        looks.append(dms.status[SOURCE])
        if len(looks) == 2:
            dms.refuse.clear()  # the instance is available again
        return answer

    dms.describe_connections = describe  # type: ignore[method-assign]
    assert dms_task.test_endpoints(dms, INSTANCE, [SOURCE, TARGET], 240, 5, clock=Clock(step=1)) == {
        SOURCE: "successful",
        TARGET: "successful",
    }
    assert looks[0] == "failed"  # the stale failure was seen, and not taken for this test's result
    assert dms.calls.count(("TestConnection", SOURCE)) == 3  # refused twice, then accepted


def test_other_refusals_fail_at_once() -> None:
    class Denied(ScriptedDms):
        def test_connection(self, ReplicationInstanceArn: str, EndpointArn: str) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "AccessDeniedFault", "Message": "no"}}, "TestConnection")

    with pytest.raises(EndpointConnectionError, match="could not test endpoint"):
        dms_task.test_endpoints(Denied(), INSTANCE, [SOURCE, TARGET], 240, 5)
