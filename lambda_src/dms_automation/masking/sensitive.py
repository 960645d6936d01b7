"""The coverage check: target columns whose names look sensitive and that no masking rule covers.

After a refresh is masked, ``coverage`` reads the columns of the target's base tables from
``information_schema`` (one query for all the schemas checked), keeps those whose name matches
one of the patterns (Python regular expressions, searched case-insensitively in the column
name) and drops those a rule covers — after load or in DMS, both mask the column. What remains
is reported: a warning in the run report and a metric, or a failure with
``fail_on_unmasked_columns`` (``UnmaskedColumnsError``), which keeps the trigger disabled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import MaskingError
from .rules import MaskingRule, MaskingRuleError

# Column names that usually hold personal data; each is searched in the lower-case column name.
DEFAULT_PATTERNS: tuple[str, ...] = (
    "e_?mail",
    "phone|mobile|(^|_)fax($|_)",
    "(^|_)ssn($|_)|social_?security",
    "national_?id|(^|_)nin($|_)|tax_?(id|identifier|number)",
    "birth|(^|_)dob($|_)",
    "card_?(number|no|num)|credit_?card|(^|_)card($|_)|(^|_)cvv($|_)",
    "iban|bank_?account|account_?number",
    "address|street|postal_?code|zip_?code|post_?code",
    "passport",
    "salary|wage|income",
    "(^|_)(first|last|middle|full|given|family|sur|maiden|user|customer|contact)_?name($|_)|^name$",
    "driver_?licen[cs]e",
)
# Reported names per line and per summary: the count is always exact.
MAX_LISTED = 200


class UnmaskedColumnsError(MaskingError):
    """Columns that look sensitive are not masked, and fail_on_unmasked_columns is set."""


@dataclass(frozen=True)
class CoverageSettings:
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    schemas: tuple[str, ...] = ()  # empty: the schemas the rules name
    fail: bool = False

    @classmethod
    def from_document(cls, raw: Any) -> CoverageSettings:
        """From the rules document's ``coverage`` object (absent: the defaults, report only)."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise MaskingRuleError("the masking rules document's coverage must be an object")
        patterns = raw.get("patterns")
        schemas = raw.get("schemas") or []
        settings = cls(
            patterns=DEFAULT_PATTERNS if patterns is None else tuple(str(p) for p in patterns),
            schemas=tuple(str(s) for s in schemas),
            fail=bool(raw.get("fail", False)),
        )
        compile_patterns(settings.patterns)
        return settings


def compile_patterns(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            raise MaskingRuleError(
                f"sensitive column pattern {pattern!r} is not a regular expression: {error}"
            ) from None
    return compiled


def _schemas(rules: Sequence[MaskingRule], schemas: Sequence[str]) -> list[str]:
    names = list(schemas) or [rule.schema for rule in rules]
    return sorted({name for name in names}, key=str.lower)


def coverage(
    connection_factory: Callable[[], Any],
    rules: Iterable[MaskingRule],
    patterns: Iterable[str] = DEFAULT_PATTERNS,
    schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
) -> list[str]:
    """``schema.table.column`` of every sensitive-looking column no rule covers, sorted.

    ``rules``: every rule, wherever applied. ``schemas``: the schemas to check; empty: those the
    rules name. ``exclude_schemas``: never checked (the engine's progress schema).
    """
    return coverage_report(connection_factory, rules, patterns, schemas, exclude_schemas)[0]


def coverage_report(
    connection_factory: Callable[[], Any],
    rules: Iterable[MaskingRule],
    patterns: Iterable[str] = DEFAULT_PATTERNS,
    schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """``(uncovered columns, unseen schemas)``: as ``coverage``, and the checked schemas that
    ``information_schema`` does not show the connecting user. MySQL shows a user only the schemas
    and tables it holds some privilege on, so a schema the masking user was not granted (or that
    does not exist) would otherwise look empty, and its columns covered."""
    rules = list(rules)
    compiled = compile_patterns(patterns)
    checked = [s for s in _schemas(rules, schemas) if s.lower() not in {e.lower() for e in exclude_schemas}]
    if not checked or not compiled:
        return [], []
    covered = {(r.schema.lower(), r.table.lower(), r.column.lower()) for r in rules}
    placeholders = ", ".join(["%s"] * len(checked))
    connection = connection_factory()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ({placeholders})",
                checked,
            )
            visible = {str(row[0]).lower() for row in cursor.fetchall()}
            cursor.execute(
                "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c "
                "JOIN information_schema.TABLES t "
                "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
                f"WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA IN ({placeholders}) "
                "ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION",
                checked,
            )
            rows = list(cursor.fetchall())
        connection.commit()
    finally:
        connection.close()
    uncovered = []
    for schema, table, column in rows:
        schema, table, column = str(schema), str(table), str(column)
        if (schema.lower(), table.lower(), column.lower()) in covered:
            continue
        if any(pattern.search(column) for pattern in compiled):
            uncovered.append(f"{schema}.{table}.{column}")
    return uncovered, [s for s in checked if s.lower() not in visible]
