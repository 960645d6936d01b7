"""EC2 security group rules as EC2 describes them (moto 5.2.5 loses a referencing rule's description).

A rule that references another security group (``UserIdGroupPairs``) keeps its ``Description``
in the group pair, not in an IP range; moto's ``DescribeSecurityGroupRules`` reads it from the IP
range only, so such a rule comes back without a description and the AWS provider plans to set it
again after every apply. EC2 returns the description of both kinds.
"""

from __future__ import annotations

from moto.ec2.models import security_groups
from moto.ec2.models.security_groups import SecurityGroupRule


def rule_description(rule: SecurityGroupRule) -> str | None:
    """The rule's description wherever the request put it: its IP range or its group pair."""
    for source in (rule.ip_range, rule.source_group):
        if source.get("Description"):
            return str(source["Description"])
    return None


def apply() -> None:
    """Install the EC2 patch (idempotent)."""
    if getattr(security_groups, "_dms_automation_patched", False):
        return
    SecurityGroupRule.description = property(rule_description)  # type: ignore[assignment,method-assign]
    security_groups._dms_automation_patched = True  # type: ignore[attr-defined]
