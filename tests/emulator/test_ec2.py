"""scripts/emulator/ec2.py: security group rules keep their description, whatever they reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scripts.emulator import Emulator

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def ec2() -> Iterator[Any]:
    with Emulator() as running:
        yield running.client("ec2", REGION)


def _group(ec2: Any, vpc_id: str, name: str) -> str:
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]  # type: ignore[no-any-return]


def test_rules_that_reference_a_group_or_a_cidr_keep_their_description(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    database, client = _group(ec2, vpc_id, "database"), _group(ec2, vpc_id, "client")
    by_group = ec2.authorize_security_group_ingress(
        GroupId=database,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "UserIdGroupPairs": [{"GroupId": client, "Description": "MySQL from the client"}],
            }
        ],
    )["SecurityGroupRules"][0]
    by_cidr = ec2.authorize_security_group_egress(
        GroupId=client,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.9.0.0/16", "Description": "HTTPS in the VPC"}],
            }
        ],
    )["SecurityGroupRules"][0]

    rules = {
        rule["SecurityGroupRuleId"]: rule
        for rule in ec2.describe_security_group_rules(
            SecurityGroupRuleIds=[by_group["SecurityGroupRuleId"], by_cidr["SecurityGroupRuleId"]]
        )["SecurityGroupRules"]
    }
    referencing = rules[by_group["SecurityGroupRuleId"]]
    assert referencing["Description"] == "MySQL from the client"
    assert referencing["ReferencedGroupInfo"]["GroupId"] == client
    assert rules[by_cidr["SecurityGroupRuleId"]]["Description"] == "HTTPS in the VPC"


def test_a_rule_without_a_description_has_none(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    database, client = _group(ec2, vpc_id, "database"), _group(ec2, vpc_id, "client")
    rule = ec2.authorize_security_group_ingress(
        GroupId=database,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1521, "ToPort": 1521, "UserIdGroupPairs": [{"GroupId": client}]}
        ],
    )["SecurityGroupRules"][0]
    described = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])
    assert "Description" not in described["SecurityGroupRules"][0]


def test_a_rule_to_a_prefix_list_keeps_its_description(ec2: Any) -> None:
    """A DynamoDB gateway endpoint's prefix list, as the root module's masking egress uses it."""
    vpc_id = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    client = _group(ec2, vpc_id, "client")
    rule = ec2.authorize_security_group_egress(
        GroupId=client,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": "pl-6da54004", "Description": "HTTPS to DynamoDB"}],
            }
        ],
    )["SecurityGroupRules"][0]
    (described,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])[
        "SecurityGroupRules"
    ]
    assert described["PrefixListId"] == "pl-6da54004"
    assert described["Description"] == "HTTPS to DynamoDB"


def test_a_repeated_request_is_answered_with_the_rule_it_created_and_another_rule_is_still_refused(
    ec2: Any,
) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    endpoints, instance = _group(ec2, vpc_id, "endpoints"), _group(ec2, vpc_id, "instance")
    permission = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "UserIdGroupPairs": [{"GroupId": instance, "Description": "HTTPS from the instance"}],
    }
    first = ec2.authorize_security_group_ingress(GroupId=endpoints, IpPermissions=[permission])
    again = ec2.authorize_security_group_ingress(GroupId=endpoints, IpPermissions=[permission])
    assert [r["SecurityGroupRuleId"] for r in again["SecurityGroupRules"]] == [
        r["SecurityGroupRuleId"] for r in first["SecurityGroupRules"]
    ]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [endpoints]}])
    assert len([r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]) == 1
    # A request for two rules of which one exists is no repeat: refused as EC2 refuses it.
    other = _group(ec2, vpc_id, "other")
    both = {**permission, "UserIdGroupPairs": [*permission["UserIdGroupPairs"], {"GroupId": other}]}
    with pytest.raises(ec2.exceptions.ClientError, match=r"InvalidPermission\.Duplicate"):
        ec2.authorize_security_group_ingress(GroupId=endpoints, IpPermissions=[both])
