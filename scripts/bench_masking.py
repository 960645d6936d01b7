"""Benchmark of the after-load masking engine on a throwaway MariaDB (prints figures; not a test).

1,000,000 rows, 3 masked columns of different lengths (a VARCHAR(80) e-mail -> fake_email, a
VARCHAR(16) SSN -> salted hash cut to 16, a CHAR(19) card number -> redact keeping 4), compared with

- naive: a row-by-row loop, one SELECT and one UPDATE per row, autocommit (on a 20,000-row sample);
- floor: one unchunked UPDATE of the whole table with the very same SQL expressions.

The server keeps MariaDB's default durability unless ``--relaxed``. The last line is
``masking: <rows/s> rows/s, <x>x naive, <y>x floor`` (x = engine rows/s / naive rows/s,
y = engine time / floor time; targets x >= 50, y <= 1.3).

    python -m scripts.bench_masking [--rows 1000000] [--chunk-rows 10000] [--repeat 1] [--data grow|same]
                                    [--relaxed]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import time
from typing import Any

from scripts.mariadb_server import MariaDB

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda_src"))

from dms_automation.masking import parse_rules, run
from dms_automation.masking.engine import plan_tables

SCHEMA = "bench"
SALT = "bench-salt"
RULES = [
    {
        "schema": SCHEMA,
        "table": "people",
        "column": "email",
        "strategy": "fake_email",
        "options": {"salt": SALT},
    },
    {"schema": SCHEMA, "table": "people", "column": "ssn", "strategy": "hash", "options": {"salt": SALT}},
    {
        "schema": SCHEMA,
        "table": "people",
        "column": "card",
        "strategy": "redact",
        "options": {"keep_last": 4},
    },
]
TABLE = """
CREATE TABLE `{schema}`.`{table}` (
  id INT NOT NULL PRIMARY KEY,
  email VARCHAR(80) NOT NULL,
  ssn VARCHAR(16) NULL,
  card CHAR(19) NULL,
  name VARCHAR(40) NOT NULL
) ENGINE=InnoDB
"""


# "grow": realistic values (an 11-character SSN, ~26-character e-mails) that masking lengthens, so
# InnoDB splits pages; "same": values already as long as their masked form (no page splits).
SHAPES = {
    "grow": (
        "CONCAT('person', seq, '@corp.example.com')",
        "CONCAT(LPAD(seq % 1000, 3, '0'), '-', LPAD(seq % 100, 2, '0'), '-', LPAD(seq % 10000, 4, '0'))",
    ),
    "same": ("CONCAT('p', LPAD(seq, 16, '0'), '@corp.example.org')", "CONCAT('ssn-', LPAD(seq, 12, '0'))"),
}


def load(server: MariaDB, table: str, rows: int, shape: str = "grow") -> None:
    """(Re)create ``table`` with ``rows`` rows, generated inside the server (the SEQUENCE engine)."""
    email, ssn = SHAPES[shape]
    with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS `{SCHEMA}`.`{table}`")
        cursor.execute(TABLE.format(schema=SCHEMA, table=table))
        cursor.execute(
            f"INSERT INTO `{SCHEMA}`.`{table}` "
            f"SELECT seq, {email}, {ssn}, "
            "CONCAT_WS('-', LPAD(seq % 9973, 4, '0'), LPAD(seq % 7919, 4, '0'), LPAD(seq % 4001, 4, '0'), "
            "LPAD(seq % 10000, 4, '0')), CONCAT('Name ', seq) "
            f"FROM `{SCHEMA}`.seq_1_to_{int(rows)}"
        )


def bench_engine(server: MariaDB, rows: int, chunk_rows: int, run_id: str, shape: str) -> float:
    load(server, "people", rows, shape)
    started = time.perf_counter()
    progress = run(parse_rules(RULES), server.connect, run_id, chunk_rows=chunk_rows)
    elapsed = time.perf_counter() - started
    assert progress.done and progress.rows_changed == rows, progress.summary()
    return elapsed


def bench_floor(server: MariaDB, rows: int, shape: str) -> float:
    load(server, "people", rows, shape)
    with server.connect() as connection, connection.cursor() as cursor:
        (plan,) = plan_tables(cursor, parse_rules(RULES))
        started = time.perf_counter()
        changed = cursor.execute(f"UPDATE {plan.target} SET {plan.set_sql}", plan.set_params)
        connection.commit()
        elapsed = time.perf_counter() - started
    assert changed == rows, changed
    return elapsed


def _naive_mask(email: str, ssn: str | None, card: str | None) -> tuple[str, str | None, str | None]:
    digest = hashlib.sha256(f"{SALT}{email}".encode()).hexdigest()
    masked_email = f"u{digest[:16]}@example.invalid"
    masked_ssn = None if ssn is None else hashlib.sha256(f"{SALT}{ssn}".encode()).hexdigest()[:16]
    masked_card = None if card is None else "*" * max(len(card) - 4, 0) + card[-4:]
    return masked_email, masked_ssn, masked_card


def bench_naive(server: MariaDB, sample: int, shape: str) -> float:
    """Rows per second of the row-by-row loop: one SELECT and one UPDATE per row, autocommit."""
    load(server, "naive", sample, shape)
    with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM `{SCHEMA}`.naive ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        started = time.perf_counter()
        for row_id in ids:
            cursor.execute(f"SELECT email, ssn, card FROM `{SCHEMA}`.naive WHERE id = %s", (row_id,))
            email, ssn, card = cursor.fetchone()
            cursor.execute(
                f"UPDATE `{SCHEMA}`.naive SET email = %s, ssn = %s, card = %s WHERE id = %s",
                (*_naive_mask(email, ssn, card), row_id),
            )
        elapsed = time.perf_counter() - started
    return sample / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of engine and floor; the best of each counts"
    )
    parser.add_argument("--data", choices=sorted(SHAPES), default="grow", help="see SHAPES (default: grow)")
    parser.add_argument(
        "--relaxed", action="store_true", help="innodb_flush_log_at_trx_commit=2 (less durable)"
    )
    args = parser.parse_args(argv)

    with MariaDB.start(durable=not args.relaxed) as server:
        with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{SCHEMA}`")
            cursor.execute("SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size")
            version, flush, pool = cursor.fetchone()
        print(
            f"MariaDB {version}, innodb_flush_log_at_trx_commit={flush}, buffer pool {int(pool) >> 20} MiB; "
            f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
        )
        print(
            f"{args.rows:,} rows ({args.data}), 3 masked columns "
            "(VARCHAR(80) fake_email, VARCHAR(16) hash, CHAR(19) redact)"
        )
        engine_times, floor_times = [], []
        for attempt in range(args.repeat):
            floor_times.append(bench_floor(server, args.rows, args.data))
            print(f"  floor  (one UPDATE, whole table):        {floor_times[-1]:7.2f} s")
            engine_times.append(
                bench_engine(server, args.rows, args.chunk_rows, f"bench-{attempt}", args.data)
            )
            print(f"  engine ({args.chunk_rows:,}-row chunks, commit each): {engine_times[-1]:7.2f} s")
        naive_rate = bench_naive(server, args.naive_sample, args.data)
        print(
            f"  naive  (SELECT + UPDATE per row, autocommit, {args.naive_sample:,} rows): "
            f"{naive_rate:,.0f} rows/s"
        )
    engine, floor = min(engine_times), min(floor_times)
    rate = args.rows / engine
    summary: dict[str, Any] = {"rate": rate, "x": rate / naive_rate, "y": engine / floor}
    print(f"masking: {summary['rate']:,.0f} rows/s, {summary['x']:.0f}x naive, {summary['y']:.2f}x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
