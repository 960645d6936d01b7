"""Masking rules as data: parsing and validation of the JSON that the masking-rules module renders.

The same checks exist in HCL (``modules/automation/modules/masking-rules/variables.tf``), so a
bad rule is refused at plan time; they are repeated here because the Lambda must never act on a
rule it does not understand. Every message names the rule (``schema.table.column``) and what is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Strategies the after-load engine applies; the DMS rendering supports a subset (see DMS_ACTIONS).
STRATEGIES = ("hash", "redact", "randomize_digits", "mask_digits", "fixed", "null", "fake_email")
# Where a rule is applied: by DMS while loading, or by the post-process Lambda after the load.
PLACES = ("dms", "after_load")
# Strategy -> DMS transformation rule-action ("Using data masking to hide sensitive information").
DMS_ACTIONS = {
    "hash": "data-masking-hash-mask",
    "randomize_digits": "data-masking-digits-randomize",
    "mask_digits": "data-masking-digits-mask",
}
# Option names each strategy reads; any other option is refused (a typo must not pass silently).
OPTIONS: dict[str, tuple[str, ...]] = {
    "hash": ("allow_unkeyed_hash",),
    "redact": ("keep_last", "mask_char"),
    "randomize_digits": (),
    "mask_digits": ("mask_char",),
    "fixed": ("value",),
    "null": (),
    "fake_email": ("domain",),
}
# MySQL identifiers we accept: unquoted-style names only, so quoting with backticks is always safe.
IDENTIFIER = re.compile(r"^[A-Za-z0-9_$]{1,64}$")
DOMAIN = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
DEFAULT_KEEP_LAST = 4
DEFAULT_MASK_CHAR = "*"
DEFAULT_DOMAIN = "example.invalid"


class MaskingRuleError(ValueError):
    """A masking rule that cannot be applied; the message names the rule and what is allowed."""


@dataclass(frozen=True)
class MaskingRule:
    schema: str
    table: str
    column: str
    strategy: str
    where: str = "after_load"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"

    @property
    def keep_last(self) -> int:
        value = self.options.get("keep_last")
        return DEFAULT_KEEP_LAST if value is None else int(value)

    @property
    def mask_char(self) -> str:
        return str(self.options.get("mask_char") or DEFAULT_MASK_CHAR)

    @property
    def domain(self) -> str:
        return str(self.options.get("domain") or DEFAULT_DOMAIN)

    @property
    def value(self) -> str:
        return str(self.options["value"])


def _text(raw: Mapping[str, Any], key: str, position: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MaskingRuleError(f"masking rule #{position + 1}: '{key}' is missing or empty")
    return value


def parse_rule(raw: Mapping[str, Any], position: int = 0, default_where: str = "after_load") -> MaskingRule:
    if not isinstance(raw, Mapping):
        raise MaskingRuleError(f"masking rule #{position + 1} is not an object: {raw!r}")
    schema, table, column = (_text(raw, key, position) for key in ("schema", "table", "column"))
    name = f"{schema}.{table}.{column}"
    for kind, identifier in (("schema", schema), ("table", table), ("column", column)):
        if not IDENTIFIER.match(identifier):
            raise MaskingRuleError(
                f"masking rule {name!r}: {kind} name {identifier!r} is not allowed; use 1-64 letters, "
                "digits, '_' or '$'"
            )
    strategy = raw.get("strategy")
    if strategy not in STRATEGIES:
        raise MaskingRuleError(
            f"masking rule {name!r}: unknown strategy {strategy!r}; use one of: {', '.join(STRATEGIES)}"
        )
    where = raw.get("where") or default_where
    if where not in PLACES:
        raise MaskingRuleError(
            f"masking rule {name!r}: where={where!r} is not allowed; use one of: dms, after_load"
        )
    options = {key: value for key, value in dict(raw.get("options") or {}).items() if value is not None}
    # Terraform renders options as a map of strings: keep_last arrives as "4".
    if isinstance(options.get("keep_last"), str) and options["keep_last"].isdigit():
        options["keep_last"] = int(options["keep_last"])
    if "salt" in options:
        raise MaskingRuleError(
            f"masking rule {name!r}: options.salt is no longer accepted; hash and fake_email are keyed by "
            "the masking key in Secrets Manager (masking_key_secret_arn), so no salt sits in Terraform "
            "state or the Lambda environment: drop the salt"
        )
    unknown = sorted(set(options) - set(OPTIONS[strategy]))
    if unknown:
        allowed = ", ".join(OPTIONS[strategy]) or "none"
        raise MaskingRuleError(
            f"masking rule {name!r}: option(s) {', '.join(unknown)} do not apply to strategy {strategy}; "
            f"allowed: {allowed}"
        )
    rule = MaskingRule(schema, table, column, strategy, where, options)
    _check_options(rule)
    return rule


def _check_options(rule: MaskingRule) -> None:
    name = rule.name
    if "keep_last" in rule.options:
        keep = rule.options["keep_last"]
        if (
            isinstance(keep, bool)
            or not isinstance(keep, int | float)
            or keep != int(keep)
            or not 0 <= keep <= 64
        ):
            raise MaskingRuleError(
                f"masking rule {name!r}: keep_last={keep!r} must be a whole number from 0 to 64"
            )
    if "mask_char" in rule.options:
        char = rule.options["mask_char"]
        if not isinstance(char, str) or len(char) != 1 or not (33 <= ord(char) <= 126):
            raise MaskingRuleError(
                f"masking rule {name!r}: mask_char={char!r} must be one printable ASCII "
                "character, not a space"
            )
    if rule.strategy == "fixed" and not isinstance(rule.options.get("value"), str | int | float):
        raise MaskingRuleError(
            f"masking rule {name!r}: strategy fixed needs options.value (the constant to write)"
        )
    if "domain" in rule.options and not DOMAIN.match(str(rule.options["domain"])):
        raise MaskingRuleError(
            f"masking rule {name!r}: domain={rule.options['domain']!r} is not a domain name "
            "(e.g. example.invalid)"
        )
    if rule.where == "dms" and rule.strategy not in DMS_ACTIONS:
        raise MaskingRuleError(
            f"masking rule {name!r}: DMS cannot apply strategy {rule.strategy}; DMS supports "
            f'{", ".join(DMS_ACTIONS)} — set where = "after_load" for this rule'
        )
    unkeyed = rule.options.get("allow_unkeyed_hash")
    if unkeyed is not None and (not isinstance(unkeyed, bool) or rule.where != "dms"):
        raise MaskingRuleError(
            f"masking rule {name!r}: options.allow_unkeyed_hash only applies to strategy hash with "
            f'where = "dms", as true or false (after load, hash is always keyed); drop it'
        )
    if rule.where == "dms" and rule.strategy == "hash" and unkeyed is not True:
        # DMS's Hashing Mask: an unkeyed SHA-256, always 64 characters ("Using data masking to hide
        # sensitive information", https://docs.aws.amazon.com/dms/latest/userguide/
        # CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Masking.html).
        raise MaskingRuleError(
            f'masking rule {name!r}: strategy hash with where = "dms" is DMS\'s own hash '
            "(data-masking-hash-mask): an unkeyed SHA-256, so phone numbers and IDs are recovered by "
            "hashing every possible value, and always 64 characters. Mask it after load "
            '(where = "after_load": HMAC-SHA-256 under the masking key), or accept DMS\'s hash with '
            "options.allow_unkeyed_hash = true"
        )


def parse_rules(
    raw: Iterable[Mapping[str, Any]] | str, default_where: str = "after_load"
) -> list[MaskingRule]:
    """Rules from a list of dicts or its JSON (a bare list, or ``{"rules": [...]}``); duplicates refused."""
    if isinstance(raw, str):
        try:
            loaded = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as error:
            raise MaskingRuleError(f"masking rules are not valid JSON: {error}") from error
        if isinstance(loaded, dict):
            default_where = loaded.get("default_where") or default_where
            loaded = loaded.get("rules", [])
        if not isinstance(loaded, list):
            raise MaskingRuleError('masking rules must be a JSON list, or an object {"rules": [...]}')
        raw = loaded
    rules = [parse_rule(item, position, default_where) for position, item in enumerate(raw)]
    seen: set[tuple[str, str, str]] = set()
    for rule in rules:
        key = (rule.schema.lower(), rule.table.lower(), rule.column.lower())
        if key in seen:
            raise MaskingRuleError(
                f"masking rule {rule.name!r} appears more than once; keep one rule per column"
            )
        seen.add(key)
    return rules
