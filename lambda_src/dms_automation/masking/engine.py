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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dms_automation.log import DecisionLog

from .key import MaskingKey
from .plan import ChunkStatements, TablePlan, after_params, decode_key, encode_key, group_rules, plan_tables
from .rules import MaskingRule
from .sql import quote

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
    plan: TablePlan,
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
        last = None if last_key is None else decode_key(last_key)

    keys = plan.keys
    statements = ChunkStatements.build(plan, progress_table)
    while True:
        margin = max(MIN_CHUNK_MARGIN_SECONDS, 2 * slowest)
        if deadline is not None and clock() + margin > deadline:
            return False, slowest
        started = clock()
        after_last = [] if last is None else after_params(keys, last)
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
                    (*plan.set_params, *after_last, *after_params(keys, upper)),
                )
            new_last = last if upper is None else tuple(upper)
            state.rows_changed += changed
            state.chunks += 1 if upper is not None else 0
            recorded = (
                None if new_last is None else encode_key(new_last),
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
