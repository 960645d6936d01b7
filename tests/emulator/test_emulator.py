"""The emulator's extension over moto's server, checked with boto3 against a running emulator."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import Emulator
from scripts.emulator.dms import epoch_timestamps
from scripts.emulator.lambdas import invoke

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def client(emulator: Emulator, service: str) -> Any:
    return emulator.client(service, REGION)


def _endpoint(emulator: Emulator, name: str, kind: str = "source", engine: str = "mysql") -> str:
    return client(emulator, "dms").create_endpoint(  # type: ignore[no-any-return]
        EndpointIdentifier=name, EndpointType=kind, EngineName=engine
    )["Endpoint"]["EndpointArn"]


def _task(emulator: Emulator, name: str, migration_type: str = "full-load") -> dict[str, Any]:
    dms = client(emulator, "dms")
    return dms.create_replication_task(  # type: ignore[no-any-return]
        ReplicationTaskIdentifier=name,
        SourceEndpointArn=_endpoint(emulator, f"{name}-source"),
        TargetEndpointArn=_endpoint(emulator, f"{name}-target", "target"),
        ReplicationInstanceArn="arn:aws:dms:eu-west-1:123456789012:rep:RI",
        MigrationType=migration_type,
        TableMappings="{}",
    )["ReplicationTask"]


def test_timestamps_become_epoch_numbers() -> None:
    converted = epoch_timestamps(
        {"ReplicationTaskCreationDate": "2024-01-02T03:04:05", "Status": "2024-01-02"}
    )
    assert converted == {"ReplicationTaskCreationDate": 1704164645.0, "Status": "2024-01-02"}


def test_task_arn_uses_generated_resource_id_and_becomes_ready(emulator: Emulator) -> None:
    task = _task(emulator, "arn-check")
    resource_id = task["ReplicationTaskArn"].rsplit(":", 1)[1]
    assert resource_id != "arn-check" and resource_id.isupper() and len(resource_id) == 26
    assert task["Status"] == "creating"
    raw = client(emulator, "dms").describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
    )["ReplicationTasks"][0]
    assert raw["Status"] == "ready"
    assert raw["ReplicationTaskCreationDate"].year >= 2024  # parsed from an epoch number by botocore


def test_start_types_are_checked_and_a_full_load_run_ends_like_dms(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    arn = _task(emulator, "lifecycle")["ReplicationTaskArn"]
    dms.describe_replication_tasks()
    with pytest.raises(ClientError, match="StartReplicationTaskType"):
        dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume")
    assert (
        dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")[
            "ReplicationTask"
        ]["Status"]
        == "starting"
    )
    with pytest.raises(ClientError, match="InvalidResourceStateFault"):
        dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    finished = emulator.finish_task(arn, "stopped")
    assert finished["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    assert finished["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    assert emulator.task_state(arn)["LastStartType"] == "reload-target"
    failed = emulator.finish_task(arn, "failed", "Last Error boom")
    assert (failed["Status"], failed["LastFailureMessage"]) == ("failed", "Last Error boom")


def test_cdc_task_does_not_stop_on_its_own(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    arn = _task(emulator, "cdc-only", "cdc")["ReplicationTaskArn"]
    dms.describe_replication_tasks()
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    with pytest.raises(Exception, match="only a full-load task stops on its own"):
        emulator.finish_task(arn, "stopped")
    assert dms.stop_replication_task(ReplicationTaskArn=arn)["ReplicationTask"]["Status"] == "stopping"
    [stopped] = dms.describe_replication_tasks(Filters=[{"Name": "replication-task-arn", "Values": [arn]}])[
        "ReplicationTasks"
    ]
    assert (stopped["Status"], stopped["StopReason"]) == ("stopped", "Stop Reason NORMAL")


def test_a_premigration_assessment_run_of_an_oracle_cdc_task_passes(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    source = dms.create_endpoint(
        EndpointIdentifier="assessed-source", EndpointType="source", EngineName="oracle"
    )
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="assessed",
        SourceEndpointArn=source["Endpoint"]["EndpointArn"],
        TargetEndpointArn=_endpoint(emulator, "assessed-target", "target"),
        ReplicationInstanceArn="arn:aws:dms:eu-west-1:123456789012:rep:RI",
        MigrationType="cdc",
        TableMappings="{}",
    )["ReplicationTask"]
    arn = task["ReplicationTaskArn"]
    names = dms.describe_applicable_individual_assessments(ReplicationTaskArn=arn)[
        "IndividualAssessmentNames"
    ]
    assert {"oracle-check-archivelog-mode", "oracle-supplemental-db-level"} <= set(names)
    full_load = _task(emulator, "not-assessed")["ReplicationTaskArn"]
    assert (
        "oracle-check-archivelog-mode"
        not in dms.describe_applicable_individual_assessments(ReplicationTaskArn=full_load)[
            "IndividualAssessmentNames"
        ]
    )
    run = dms.start_replication_task_assessment_run(
        ReplicationTaskArn=arn,
        ServiceAccessRoleArn="arn:aws:iam::123456789012:role/assessment",
        ResultLocationBucket="results",
        ResultLocationFolder="assessed",
        AssessmentRunName="cdc-source-1",
        IncludeOnly=["oracle-check-archivelog-mode", "oracle-supplemental-db-level"],
    )["ReplicationTaskAssessmentRun"]
    assert run["Status"] == "starting"
    (found,) = dms.describe_replication_task_assessment_runs(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTaskAssessmentRuns"]
    assert found["Status"] == "passed" and found["AssessmentRunName"] == "cdc-source-1"
    assert found["ReplicationTaskAssessmentRunCreationDate"].tzinfo is not None  # an epoch timestamp
    results = dms.describe_replication_task_individual_assessments(
        Filters=[
            {
                "Name": "replication-task-assessment-run-arn",
                "Values": [found["ReplicationTaskAssessmentRunArn"]],
            }
        ]
    )["ReplicationTaskIndividualAssessments"]
    assert {(r["IndividualAssessmentName"], r["Status"]) for r in results} == {
        ("oracle-check-archivelog-mode", "passed"),
        ("oracle-supplemental-db-level", "passed"),
    }


def test_modify_replication_task_refuses_a_running_task(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    arn = _task(emulator, "modify-me")["ReplicationTaskArn"]
    dms.describe_replication_tasks()
    dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings='{"rules": []}')
    task = dms.describe_replication_tasks(Filters=[{"Name": "replication-task-arn", "Values": [arn]}])[
        "ReplicationTasks"
    ][0]
    assert (task["Status"], task["TableMappings"]) == ("ready", '{"rules": []}')
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    with pytest.raises(ClientError, match="InvalidResourceStateFault"):
        dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings="{}")


def test_event_subscription_lifecycle(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    topic = client(emulator, "sns").create_topic(Name="dms-events")["TopicArn"]
    with pytest.raises(ClientError, match="does not exist"):
        dms.create_event_subscription(SubscriptionName="es", SnsTopicArn=topic + "-missing")
    with pytest.raises(ClientError, match="not valid for source type replication-task"):
        dms.create_event_subscription(
            SubscriptionName="es",
            SnsTopicArn=topic,
            SourceType="replication-task",
            EventCategories=["low storage"],
        )
    created = dms.create_event_subscription(
        SubscriptionName="es",
        SnsTopicArn=topic,
        SourceType="replication-task",
        EventCategories=["failure", "state change"],
        SourceIds=["t1"],
        Tags=[{"Key": "team", "Value": "data"}],
    )["EventSubscription"]
    assert created["Status"] == "creating"
    listed = dms.describe_event_subscriptions(SubscriptionName="es")["EventSubscriptionsList"][0]
    assert (listed["Status"], listed["SourceIdsList"], listed["Enabled"]) == ("active", ["t1"], True)
    dms.modify_event_subscription(SubscriptionName="es", Enabled=False, EventCategories=["failure"])
    listed = dms.describe_event_subscriptions(SubscriptionName="es")["EventSubscriptionsList"][0]
    assert (listed["Enabled"], listed["EventCategoriesList"]) == (False, ["failure"])
    tags = dms.list_tags_for_resource(ResourceArn="arn:aws:dms:eu-west-1::es:es")["TagList"]
    assert [(t["Key"], t["Value"]) for t in tags] == [("team", "data")]
    with pytest.raises(ClientError, match="already exists"):
        dms.create_event_subscription(SubscriptionName="es", SnsTopicArn=topic)
    dms.delete_event_subscription(SubscriptionName="es")
    with pytest.raises(ClientError, match="ResourceNotFoundFault"):
        dms.describe_event_subscriptions(SubscriptionName="es")


def test_subnet_group_keeps_its_subnets_and_can_be_modified(emulator: Emulator) -> None:
    ec2, dms = client(emulator, "ec2"), client(emulator, "dms")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"eu-west-1{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("abc")
    ]
    group = dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="grp", ReplicationSubnetGroupDescription="d", SubnetIds=subnets[:2]
    )["ReplicationSubnetGroup"]
    assert group["VpcId"] == vpc
    assert [s["SubnetIdentifier"] for s in group["Subnets"]] == subnets[:2]
    assert [s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]] == ["eu-west-1a", "eu-west-1b"]
    dms.modify_replication_subnet_group(ReplicationSubnetGroupIdentifier="grp", SubnetIds=subnets)
    group = dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"][0]
    assert [s["SubnetIdentifier"] for s in group["Subnets"]] == subnets
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri",
        ReplicationInstanceClass="dms.t3.micro",
        ReplicationSubnetGroupIdentifier="grp",
    )["ReplicationInstance"]
    assert instance["ReplicationSubnetGroup"]["VpcId"] == vpc


def test_rds_instances_get_distinct_resource_ids(emulator: Emulator) -> None:
    rds = client(emulator, "rds")
    ids = {
        rds.create_db_instance(
            DBInstanceIdentifier=f"db{i}",
            DBInstanceClass="db.t3.micro",
            Engine="mysql",
            MasterUsername="admin",
            MasterUserPassword="password123",
        )["DBInstance"]["DbiResourceId"]
        for i in range(3)
    }
    assert len(ids) == 3


def test_aws_managed_iam_policies_exist(emulator: Emulator) -> None:
    policy = client(emulator, "iam").get_policy(
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole"
    )
    assert policy["Policy"]["PolicyName"] == "AmazonDMSVPCManagementRole"


def test_deployed_lambda_runs_from_its_package_with_its_environment(emulator: Emulator) -> None:
    role = client(emulator, "iam").create_role(
        RoleName="runner",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(
            "app.py",
            "import os\ndef handler(event, context):\n"
            "    if event.get('fail'):\n        raise ValueError('asked to fail')\n"
            "    return {'event': event, 'x': os.environ['X'], 'name': context.function_name,\n"
            "            'endpoint': os.environ['AWS_ENDPOINT_URL']}\n",
        )
    client(emulator, "lambda").create_function(
        FunctionName="runner",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": package.getvalue()},
        Environment={"Variables": {"X": "from-config"}},
    )
    ok = invoke(emulator.endpoint, REGION, "runner", {"a": 1})
    assert ok.payload == {
        "event": {"a": 1},
        "x": "from-config",
        "name": "runner",
        "endpoint": emulator.endpoint,
    }
    failed = invoke(emulator.endpoint, REGION, "runner", {"fail": True})
    assert failed.error is not None and failed.error["errorType"] == "ValueError"


def test_a_connection_can_be_tested_again_but_not_while_under_way(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="conn-ri", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    endpoint = dms.create_endpoint(EndpointIdentifier="conn-src", EndpointType="source", EngineName="mysql")[
        "Endpoint"
    ]["EndpointArn"]
    for _ in range(2):
        tested = dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)["Connection"]
        # DMS refuses a second test while the first is under way.
        with pytest.raises(ClientError, match="InvalidResourceStateFault"):
            dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)
        assert tested["EndpointArn"] == endpoint
        [connection] = dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [endpoint]}])[
            "Connections"
        ]
        assert connection["Status"] == "successful"


def test_control_endpoint_reports_unknown_tasks(emulator: Emulator) -> None:
    with pytest.raises(Exception, match="could not be found"):
        emulator.finish_task("arn:aws:dms:eu-west-1:123456789012:task:NOPE", "stopped")


def test_emulator_exits_with_the_process_that_started_it() -> None:
    """A killed parent (kill -9, no atexit) leaves no emulator behind."""
    code = (
        "import time; from scripts.emulator import Emulator\n"
        "e = Emulator().start(); print(e.process.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=os.getcwd())
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        # reap if it became our zombie (it is not our child, so this only waits)
        import time

        time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the emulator outlived the process that started it")
