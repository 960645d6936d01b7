"""EC2 security group rules as EC2 describes them (moto 5.2.5 loses a referencing rule's description).

A rule that references another security group (``UserIdGroupPairs``) keeps its ``Description``
in the group pair, and one that references a prefix list (``PrefixListIds``, e.g. a DynamoDB
gateway endpoint's) in the prefix-list entry, not in an IP range; moto's
``DescribeSecurityGroupRules`` reads it from the IP range only (and keeps only the prefix list's
ID), so such a rule comes back without a description and the AWS provider plans to set it again
after every apply. EC2 returns the description of every kind (``SecurityGroupRule.Description``,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html).
"""

from __future__ import annotations

import inspect
from typing import Any

from moto.ec2.models import security_groups
from moto.ec2.models.security_groups import SecurityGroupRule

_original_init = SecurityGroupRule.__init__
_SIGNATURE = inspect.signature(_original_init)


def _init(self: SecurityGroupRule, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    prefix_list = _SIGNATURE.bind(self, *args, **kwargs).arguments.get("prefix_list_id")
    self.prefix_list_entry = dict(prefix_list or {})


def rule_description(rule: SecurityGroupRule) -> str | None:
    """The rule's description wherever the request put it: its IP range, group pair or prefix list."""
    for source in (rule.ip_range, rule.source_group, getattr(rule, "prefix_list_entry", {})):
        if source.get("Description"):
            return str(source["Description"])
    return None


def apply() -> None:
    """Install the EC2 patch (idempotent)."""
    if getattr(security_groups, "_dms_automation_patched", False):
        return
    SecurityGroupRule.__init__ = _init  # type: ignore[method-assign]
    SecurityGroupRule.description = property(rule_description)  # type: ignore[assignment,method-assign]
    security_groups._dms_automation_patched = True  # type: ignore[attr-defined]
