"""scripts/emulator/rds.py: distinct DbiResourceIds; ScalingConfigurationInfo for Serverless v1 only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scripts.emulator import Emulator

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def rds() -> Iterator[Any]:
    with Emulator() as running:
        yield running.client("rds", REGION)


def _cluster(rds: Any, name: str, **extra: Any) -> dict[str, Any]:
    rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-mysql",
        MasterUsername="admin",
        ManageMasterUserPassword=True,
        **extra,
    )
    return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]  # type: ignore[no-any-return]


def test_a_provisioned_cluster_has_no_scaling_configuration(rds: Any) -> None:
    cluster = _cluster(rds, "provisioned")
    assert cluster["EngineMode"] == "provisioned"
    assert "ScalingConfigurationInfo" not in cluster


def test_a_serverless_v1_cluster_keeps_its_scaling_configuration(rds: Any) -> None:
    cluster = _cluster(rds, "serverless-v1", EngineMode="serverless")
    assert cluster["ScalingConfigurationInfo"]["MaxCapacity"] == 16
    assert cluster["ScalingConfigurationInfo"]["AutoPause"] is True


def test_every_db_instance_has_its_own_resource_id(rds: Any) -> None:
    ids = set()
    for name in ("first", "second"):
        instance = rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.m5.large",
            Engine="oracle-se2",
            MasterUsername="dmsadmin",
            ManageMasterUserPassword=True,
            AllocatedStorage=20,
        )["DBInstance"]
        assert instance["DbiResourceId"].startswith("db-")
        ids.add(instance["DbiResourceId"])
    assert len(ids) == 2
