"""The after-load masking engine: set-based, chunked by primary-key ranges, resumable, idempotent.

For each table with after-load rules, one ``UPDATE`` masks every listed column of a chunk of rows
(``chunk_rows`` rows between two primary-key values found by an index scan) and records the
chunk's upper bound in ``<progress_schema>.dms_automation_masking_progress`` in the same
transaction. So a chunk is either masked and recorded, or neither: a retry or a duplicate
delivery of the same run (same ``run_id``) resumes after the last recorded chunk and never masks
a row twice, and a run cut short by the Lambda deadline continues in the next invocation.

Per chunk the engine sends four statements, all built once per table: the chunk's upper bound
(``SELECT pk ... WHERE pk > last ORDER BY pk LIMIT 1 OFFSET chunk_rows - 1``, a walk along the
primary key that reads no other column), the ``UPDATE`` of that key range, the progress upsert, and
the commit. No metadata is read per chunk: the columns and the primary key are looked up once per
run, when the rules are checked.

Chunk size (``DEFAULT_CHUNK_ROWS``): a chunk holds its rows' locks until its commit, and with the
default durability (``innodb_flush_log_at_trx_commit=1``) each commit waits until the chunk's redo
log is on disk. 10,000 rows keep a lock to a fraction of a second on a small instance, while the
per-chunk costs stay a small share of the chunk's own work: measured on 2 vCPUs, the commit takes
~20 ms (most of the overhead; larger chunks amortise it, at the price of longer locks) and the bound
lookup ~5 ms, against 100-200 ms for the ``UPDATE`` itself. ``python -m scripts.bench_masking``
compares the engine with one unchunked ``UPDATE`` of the whole table.

Progress is written as decision lines (``log.DecisionLog``, JSON on standard output like every other
decision of the Lambdas): ``masking-table`` when a table is finished, then ``masking-paused`` or
``masking-done`` with the run's summary. Lambda ships standard output whatever the log level, where
a ``logging`` record at INFO would be dropped by the Python runtime's default WARNING level.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dms_automation.log import DecisionLog

from .key import MaskingKey
from .rules import MaskingRule, MaskingRuleError
from .sql import ColumnInfo, expression, quote

PROGRESS_TABLE = "dms_automation_masking_progress"
DEFAULT_PROGRESS_SCHEMA = "dms_automation"
DEFAULT_CHUNK_ROWS = 10_000
# Never start a chunk unless this many seconds (or twice the slowest chunk so far) remain.
MIN_CHUNK_MARGIN_SECONDS = 5.0


class MaskingError(RuntimeError):
    """Masking could not finish; what was masked so far is recorded and a retry resumes after it."""


@dataclass
class TableProgress:
    schema: str
    table: str
    columns: tuple[str, ...]
    done: bool = False
    rows_changed: int = 0
    chunks: int = 0
    skipped: bool = False  # already finished by an earlier invocation of the same run

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass
class Progress:
    run_id: str
    done: bool
    tables: list[TableProgress] = field(default_factory=list)
    # schema.table.column of sensitive-looking columns no rule covers (None: not checked).
    uncovered: list[str] | None = None
    # Schemas the coverage check could not see (no privilege there, or missing).
    unseen_schemas: list[str] = field(default_factory=list)

    @property
    def rows_changed(self) -> int:
        return sum(table.rows_changed for table in self.tables)

    def summary(self) -> dict[str, Any]:
        report: dict[str, Any] = {}
        if self.uncovered is not None:
            report = {"uncovered_count": len(self.uncovered), "uncovered_columns": self.uncovered[:200]}
            if self.unseen_schemas:
                report["unseen_schemas"] = self.unseen_schemas
        return {
            **report,
            "run_id": self.run_id,
            "done": self.done,
            "rows_changed": self.rows_changed,
            "tables": {
                t.name: {
                    "done": t.done,
                    "rows_changed": t.rows_changed,
                    "chunks": t.chunks,
                    "skipped": t.skipped,
                }
                for t in self.tables
            },
        }


@dataclass(frozen=True)
class _TablePlan:
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
class _Statements:
    """The SQL of one table's chunk loop, built once per table (placeholders in ``_after`` order)."""

    first_bound: str  # the chunk_rows-th key of the table
    next_bound: str  # the chunk_rows-th key after the last masked one
    first_last_key: str  # the table's last key (the final chunk)
    next_last_key: str
    first_update: str  # mask the rows up to a bound
    next_update: str  # mask the rows after the last masked key up to a bound
    progress: str

    @classmethod
    def build(cls, plan: _TablePlan, progress_table: str) -> _Statements:
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


def _encode_key(values: Sequence[Any]) -> str:
    return json.dumps(
        [{"hex": v.hex()} if isinstance(v, bytes | bytearray) else v for v in values], default=str
    )


def _decode_key(text: str) -> tuple[Any, ...]:
    return tuple(bytes.fromhex(v["hex"]) if isinstance(v, dict) else v for v in json.loads(text))


def _after(keys: Sequence[str]) -> str:
    """Rows strictly after a key tuple, spelled so the range optimizer uses the primary key."""
    terms = []
    for i, key in enumerate(keys):
        equal = [f"{quote(k)} = %s" for k in keys[:i]]
        terms.append("(" + " AND ".join([*equal, f"{quote(key)} > %s"]) + ")")
    return "(" + " OR ".join(terms) + ")"


def _after_params(keys: Sequence[str], values: Sequence[Any]) -> list[Any]:
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


def plan_tables(cursor: Any, rules: Iterable[MaskingRule], key: MaskingKey | None = None) -> list[_TablePlan]:
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
            _TablePlan(
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


def ensure_progress_table(cursor: Any, progress_schema: str) -> str:
    target = f"{quote(progress_schema)}.{quote(PROGRESS_TABLE)}"
    cursor.execute(f"CREATE DATABASE IF NOT EXISTS {quote(progress_schema)}")
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {target} ("
        " run_id VARCHAR(255) NOT NULL,"
        " schema_name VARCHAR(64) NOT NULL,"
        " table_name VARCHAR(64) NOT NULL,"
        " fingerprint CHAR(64) NOT NULL,"
        " last_key TEXT NULL,"
        " done TINYINT(1) NOT NULL DEFAULT 0,"
        " rows_changed BIGINT NOT NULL DEFAULT 0,"
        " chunks INT NOT NULL DEFAULT 0,"
        " updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
        " PRIMARY KEY (run_id, schema_name, table_name)"
        ") ENGINE=InnoDB"
    )
    return target


def run(
    rules: Iterable[MaskingRule],
    connection_factory: Callable[[], Any],
    run_id: str,
    deadline: float | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress_schema: str = DEFAULT_PROGRESS_SCHEMA,
    clock: Callable[[], float] = time.monotonic,
    key: MaskingKey | None = None,
    log: DecisionLog | None = None,
) -> Progress:
    """Mask every after-load rule's column; returns when done, or before ``deadline`` (a ``clock()`` time).

    ``key``: the HMAC key of ``hash`` and ``fake_email`` rules (``key.read_key``). ``log``: where the
    progress lines go (default: standard output, without a request id).

    ``Progress.done`` is False when time ran out: call again with the same ``run_id`` (a fresh
    invocation) to continue. Calling again after it is done changes nothing. Raises
    ``MaskingRuleError`` before touching any row when a rule does not fit the live schema, and
    ``MaskingError`` when a chunk fails (that chunk is rolled back; the ones before it stay done).
    """
    rules = list(rules)
    if not run_id or len(run_id) > 255:
        raise ValueError(f"run_id must be 1-255 characters, got {run_id!r}")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    log = log or DecisionLog("masking", "")
    progress = Progress(run_id=run_id, done=False)
    if not group_rules(rules):
        progress.done = True
        return progress
    connection = connection_factory()
    try:
        connection.autocommit(False)
        with connection.cursor() as cursor:
            progress_table = ensure_progress_table(cursor, progress_schema)
            plans = plan_tables(cursor, rules, key)
            connection.commit()
            slowest = 0.0
            for plan in plans:
                state = TableProgress(plan.schema, plan.table, tuple(r.column for r in plan.rules))
                progress.tables.append(state)
                finished, slowest = _mask_table(
                    connection,
                    cursor,
                    plan,
                    state,
                    progress_table,
                    run_id,
                    deadline,
                    chunk_rows,
                    clock,
                    slowest,
                )
                if not finished:
                    log.info(
                        "masking-paused",
                        seen=f"run {run_id}: {state.name} masked up to its last recorded chunk",
                        done="paused; the next invocation of the same run resumes after that chunk",
                        why="the invocation is close to its time limit",
                        progress=progress.summary(),
                    )
                    return progress
                log.info(
                    "masking-table",
                    seen=f"run {run_id}: {state.name} ({', '.join(state.columns)})",
                    done="already masked by an earlier invocation"
                    if state.skipped
                    else f"masked {state.rows_changed} row(s) in {state.chunks} chunk(s)",
                    why="after-load masking rules name this table",
                    rows_changed=state.rows_changed,
                    chunks=state.chunks,
                )
        progress.done = True
        log.info(
            "masking-done",
            seen=f"run {run_id}: {len(progress.tables)} table(s)",
            done=f"masked {progress.rows_changed} row(s)",
            why="every after-load masking rule is applied",
            progress=progress.summary(),
        )
        return progress
    finally:
        with contextlib.suppress(Exception):
            connection.close()


def _mask_table(
    connection: Any,
    cursor: Any,
    plan: _TablePlan,
    state: TableProgress,
    progress_table: str,
    run_id: str,
    deadline: float | None,
    chunk_rows: int,
    clock: Callable[[], float],
    slowest: float,
) -> tuple[bool, float]:
    """Mask one table chunk by chunk; returns (finished, slowest chunk seconds so far)."""
    cursor.execute(
        f"SELECT fingerprint, last_key, done, rows_changed, chunks FROM {progress_table} "
        "WHERE run_id = %s AND schema_name = %s AND table_name = %s",
        (run_id, plan.schema, plan.table),
    )
    row = cursor.fetchone()
    connection.commit()
    last: tuple[Any, ...] | None = None
    if row is not None:
        fingerprint, last_key, done, rows_changed, chunks = row
        if fingerprint != plan.fingerprint:
            raise MaskingError(
                f"masking rules for {state.name} changed during run {run_id!r}; the rows masked so far used "
                "the old rules — start a new run (a new load) instead of resuming this one"
            )
        state.rows_changed, state.chunks = int(rows_changed), int(chunks)
        if done:
            state.done = state.skipped = True
            return True, slowest
        last = None if last_key is None else _decode_key(last_key)

    keys = plan.keys
    statements = _Statements.build(plan, progress_table)
    while True:
        margin = max(MIN_CHUNK_MARGIN_SECONDS, 2 * slowest)
        if deadline is not None and clock() + margin > deadline:
            return False, slowest
        started = clock()
        after_last = [] if last is None else _after_params(keys, last)
        try:
            # The chunk's upper bound: chunk_rows rows further along the primary key (an index scan).
            cursor.execute(
                statements.first_bound if last is None else statements.next_bound,
                (*after_last, chunk_rows - 1),
            )
            upper = cursor.fetchone()
            final = upper is None
            if final:
                cursor.execute(
                    statements.first_last_key if last is None else statements.next_last_key, after_last
                )
                upper = cursor.fetchone()
            changed = 0
            if upper is not None:
                changed = cursor.execute(
                    statements.first_update if last is None else statements.next_update,
                    (*plan.set_params, *after_last, *_after_params(keys, upper)),
                )
            new_last = last if upper is None else tuple(upper)
            state.rows_changed += changed
            state.chunks += 1 if upper is not None else 0
            recorded = (
                None if new_last is None else _encode_key(new_last),
                1 if final else 0,
                state.rows_changed,
                state.chunks,
            )
            cursor.execute(
                statements.progress, (run_id, plan.schema, plan.table, plan.fingerprint, *recorded, *recorded)
            )
            connection.commit()
        except Exception as error:
            # The server rolls back a lost connection's transaction by itself.
            with contextlib.suppress(Exception):
                connection.rollback()
            raise MaskingError(
                f"masking {state.name} failed in the chunk after key {last!r} (run {run_id!r}): {error}; "
                "earlier chunks stay masked and recorded, a retry resumes here"
            ) from error
        last = new_last
        slowest = max(slowest, clock() - started)
        if final:
            state.done = True
            return True, slowest
