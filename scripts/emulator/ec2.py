"""EC2 security group rules as EC2 describes them (moto 5.2.5 loses a referencing rule's description),
and a request the emulator already carried out answered once more.

A rule that references another security group (``UserIdGroupPairs``) keeps its ``Description``
in the group pair, and one that references a prefix list (``PrefixListIds``, e.g. a DynamoDB
gateway endpoint's) in the prefix-list entry, not in an IP range; moto's
``DescribeSecurityGroupRules`` reads it from the IP range only (and keeps only the prefix list's
ID), so such a rule comes back without a description and the AWS provider plans to set it again
after every apply. EC2 returns the description of every kind (``SecurityGroupRule.Description``,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html).

The emulator's server answers slowly when the machine is busy, and the AWS SDK then sends a request
again (its retry of a request whose answer did not come). An ``AuthorizeSecurityGroupIngress`` /
``Egress`` that asks for exactly the rules that already exist, description included, is
such a repeat: it is answered with those rules instead of ``InvalidPermission.Duplicate``. A
request that differs in anything (another description, another source) is refused as EC2 refuses it.
"""

from __future__ import annotations

import inspect
from typing import Any

from moto.ec2.exceptions import InvalidPermissionDuplicateError
from moto.ec2.models import security_groups
from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule

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


def _repeatable(name: str, egress: bool) -> Any:
    original = getattr(SecurityGroupBackend, name)
    signature = inspect.signature(original)

    def authorize(self: SecurityGroupBackend, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except InvalidPermissionDuplicateError:
            call = signature.bind(self, *args, **kwargs)
            call.apply_defaults()
            a = call.arguments
            group = self.get_security_group_by_name_or_id(a["group_name_or_id"], a["vpc_id"])
            if group is None or not isinstance(a["ip_ranges"], list | type(None)):
                raise
            wanted = list(
                self._iterate_security_rules(
                    a["ip_protocol"],
                    group.group_id,
                    a["from_port"],
                    a["to_port"],
                    a["ip_ranges"] or [],
                    self._add_source_group(a["source_groups"], a["vpc_id"]),
                    a["prefix_list_ids"] or [],
                    is_egress=egress,
                    tags=a["sgrule_tags"] or {},
                )
            )
            rules = group.egress_rules if egress else group.ingress_rules
            existing = [rule for rule in rules if rule in wanted]
            if not wanted or len(existing) != len(wanted):
                raise
            return existing, group

    return authorize


def apply() -> None:
    """Install the EC2 patch (idempotent)."""
    if getattr(security_groups, "_dms_automation_patched", False):
        return
    SecurityGroupRule.__init__ = _init  # type: ignore[method-assign]
    SecurityGroupRule.description = property(rule_description)  # type: ignore[assignment,method-assign]
    for name, egress in (
        ("authorize_security_group_ingress", False),
        ("authorize_security_group_egress", True),
    ):
        setattr(SecurityGroupBackend, name, _repeatable(name, egress))
    security_groups._dms_automation_patched = True  # type: ignore[attr-defined]
