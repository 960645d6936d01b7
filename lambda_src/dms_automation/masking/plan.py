"""What after-load masking will do to each table, worked out before any row changes: the rules
checked against the live schema (``plan_tables``), and the SQL of a table's chunk loop
(``ChunkStatements``), built once per table. ``engine`` runs them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .key import MaskingKey
from .rules import MaskingRule, MaskingRuleError
from .sql import ColumnInfo, expression, quote

__all__ = [
    "ChunkStatements",
    "TablePlan",
    "after_params",
    "decode_key",
    "encode_key",
    "group_rules",
    "plan_tables",
]


@dataclass(frozen=True)
class TablePlan:
    schema: str
    table: str
    rules: tuple[MaskingRule, ...]
    keys: tuple[str, ...]
    set_sql: str
    set_params: tuple[Any, ...]
    key_id: str = ""

    @property
    def fingerprint(self) -> str:
        # Ties recorded progress to the exact masking applied: the masking key only by its id.
        params = ["<key>" if isinstance(p, bytes) else str(p) for p in self.set_params]
        text = json.dumps([self.set_sql, params, self.keys, self.key_id])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def target(self) -> str:
        return f"{quote(self.schema)}.{quote(self.table)}"


@dataclass(frozen=True)
class ChunkStatements:
    """The SQL of one table's chunk loop, built once per table (placeholders in ``_after`` order)."""

    first_bound: str  # the chunk_rows-th key of the table
    next_bound: str  # the chunk_rows-th key after the last masked one
    first_last_key: str  # the table's last key (the final chunk)
    next_last_key: str
    first_update: str  # mask the rows up to a bound
    next_update: str  # mask the rows after the last masked key up to a bound
    progress: str

    @classmethod
    def build(cls, plan: TablePlan, progress_table: str) -> ChunkStatements:
        keys = plan.keys
        key_list = ", ".join(quote(k) for k in keys)
        descending = ", ".join(f"{quote(k)} DESC" for k in keys)
        after = f"WHERE {_after(keys)}"
        select = f"SELECT {key_list} FROM {plan.target}"
        update = f"UPDATE {plan.target} SET {plan.set_sql} WHERE"
        return cls(
            first_bound=f"{select} ORDER BY {key_list} LIMIT 1 OFFSET %s",
            next_bound=f"{select} {after} ORDER BY {key_list} LIMIT 1 OFFSET %s",
            first_last_key=f"{select} ORDER BY {descending} LIMIT 1",
            next_last_key=f"{select} {after} ORDER BY {descending} LIMIT 1",
            first_update=f"{update} {_at_most(keys)}",
            next_update=f"{update} {_after(keys)} AND {_at_most(keys)}",
            # The new values are bound twice rather than read back with VALUES(col), which MySQL
            # deprecates from 8.0.20 (its replacement, a row alias, is MySQL-only): this form is
            # the same statement on MariaDB, MySQL 8 and Aurora MySQL 3.
            progress=(
                f"INSERT INTO {progress_table} "
                "(run_id, schema_name, table_name, fingerprint, last_key, done, rows_changed, chunks) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
                "last_key = %s, done = %s, rows_changed = %s, chunks = %s"
            ),
        )


def encode_key(values: Sequence[Any]) -> str:
    return json.dumps(
        [{"hex": v.hex()} if isinstance(v, bytes | bytearray) else v for v in values], default=str
    )


def decode_key(text: str) -> tuple[Any, ...]:
    return tuple(bytes.fromhex(v["hex"]) if isinstance(v, dict) else v for v in json.loads(text))


def _after(keys: Sequence[str]) -> str:
    """Rows strictly after a key tuple, spelled so the range optimizer uses the primary key."""
    terms = []
    for i, key in enumerate(keys):
        equal = [f"{quote(k)} = %s" for k in keys[:i]]
        terms.append("(" + " AND ".join([*equal, f"{quote(key)} > %s"]) + ")")
    return "(" + " OR ".join(terms) + ")"


def after_params(keys: Sequence[str], values: Sequence[Any]) -> list[Any]:
    params: list[Any] = []
    for i in range(len(keys)):
        params.extend(values[: i + 1])
    return params


def _at_most(keys: Sequence[str]) -> str:
    terms = []
    for i, key in enumerate(keys):
        equal = [f"{quote(k)} = %s" for k in keys[:i]]
        last = f"{quote(key)} <= %s" if i == len(keys) - 1 else f"{quote(key)} < %s"
        terms.append("(" + " AND ".join([*equal, last]) + ")")
    return "(" + " OR ".join(terms) + ")"


def group_rules(rules: Iterable[MaskingRule]) -> dict[tuple[str, str], list[MaskingRule]]:
    """After-load rules per (schema, table), in a stable order."""
    tables: dict[tuple[str, str], list[MaskingRule]] = {}
    for rule in rules:
        if rule.where == "after_load":
            tables.setdefault((rule.schema, rule.table), []).append(rule)
    return dict(sorted(tables.items()))


def _columns(cursor: Any, schema: str, table: str) -> dict[str, ColumnInfo]:
    cursor.execute(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, table),
    )
    found = {}
    for name, data_type, column_type, max_length, nullable in cursor.fetchall():
        found[str(name).lower()] = ColumnInfo(
            name=str(name),
            data_type=str(data_type).lower(),
            column_type=str(column_type),
            max_length=None if max_length is None else int(max_length),
            nullable=nullable == "YES",
        )
    return found


def _primary_key(cursor: Any, schema: str, table: str) -> tuple[str, ...]:
    cursor.execute(
        "SELECT COLUMN_NAME FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
        (schema, table),
    )
    return tuple(str(row[0]) for row in cursor.fetchall())


def plan_tables(cursor: Any, rules: Iterable[MaskingRule], key: MaskingKey | None = None) -> list[TablePlan]:
    """Check every rule against the live schema before any row changes; one plan per table."""
    plans = []
    for (schema, table), table_rules in group_rules(rules).items():
        columns = _columns(cursor, schema, table)
        if not columns:
            raise MaskingRuleError(
                f"masking rule {table_rules[0].name!r}: table {schema}.{table} does not exist on the target"
            )
        keys = _primary_key(cursor, schema, table)
        if not keys:
            raise MaskingRuleError(
                f"masking rule {table_rules[0].name!r}: table {schema}.{table} has no primary key; "
                "after-load masking updates rows in primary-key ranges (add a primary key, or mask it in DMS)"
            )
        assignments, params = [], []
        for rule in table_rules:
            info = columns.get(rule.column.lower())
            if info is None:
                raise MaskingRuleError(
                    f"masking rule {rule.name!r}: column {rule.column} does not exist in {schema}.{table}"
                )
            if info.name.lower() in (k.lower() for k in keys):
                raise MaskingRuleError(
                    f"masking rule {rule.name!r}: {rule.column} is part of the primary key, which after-load "
                    'masking walks; mask it in DMS instead (where = "dms": randomize_digits, mask_digits, '
                    "or DMS's unkeyed hash with options.allow_unkeyed_hash)"
                )
            sql, values = expression(rule, info, key)
            assignments.append(f"{quote(info.name)} = {sql}")
            params.extend(values)
        plans.append(
            TablePlan(
                schema,
                table,
                tuple(table_rules),
                keys,
                ", ".join(assignments),
                tuple(params),
                key.id if key else "",
            )
        )
    return plans
