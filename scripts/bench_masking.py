"""Benchmark of the after-load masking engine on a throwaway MariaDB (prints figures; not a test).

A ``people`` table of 1,000,000 rows with realistic values and 3 masked columns of different
lengths, masked with the very same SQL expressions (the engine's plan) three ways:

- engine: ``masking.run`` — primary-key chunks, each committed with its progress row;
- floor: one unchunked ``UPDATE`` of the whole table in a single statement and transaction;
- naive: a row-by-row loop, one SELECT and one UPDATE per row, autocommit (on a 20,000-row
  sample, compared in rows/s).

Every measurement starts from the same state: the table freshly loaded, its pages written to
disk and purge caught up. The results are checked, not assumed: the engine's table must equal
the floor's, and the naive loop's sample must equal the same sample masked by the floor's SQL.

The server keeps MariaDB's default durability (``innodb_flush_log_at_trx_commit=1``,
doublewrite on) unless ``--relaxed`` is given; the first line says which settings were used.
The last line is ``masking: <rows/s> rows/s, <x>x naive, <y>x floor`` (x = engine rows/s /
naive rows/s, y = engine time / floor time; targets x >= 50, y <= 1.3).

    python -m scripts.bench_masking [--rows 1000000] [--chunk-rows N] [--naive-sample 20000]
                                    [--repeat 1] [--relaxed]
"""

from __future__ import annotations

import argparse
import hmac
import os
import platform
import sys
import time
from typing import Any

from scripts.mariadb_server import MariaDB

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda_src"))

from dms_automation.masking import DEFAULT_CHUNK_ROWS, MaskingKey, parse_rules, run
from dms_automation.masking.plan import plan_tables

SCHEMA = "bench"
# The keyed hash (HMAC-SHA-256) of hash and fake_email, with a fixed benchmark key.
SECRET = "bench-masking-key-0123456789abcdef0123456789abcdef"
KEY = MaskingKey.from_secret(SECRET)
RULES = [
    {"schema": SCHEMA, "table": "people", "column": "ssn", "strategy": "hash"},
    {
        "schema": SCHEMA,
        "table": "people",
        "column": "email",
        "strategy": "fake_email",
    },
    {
        "schema": SCHEMA,
        "table": "people",
        "column": "phone",
        "strategy": "redact",
        "options": {"keep_last": 4},
    },
]
COLUMNS = "ssn VARCHAR(16) hash, email VARCHAR(64) fake_email, phone VARCHAR(32) redact keep 4"
TABLE = """
CREATE TABLE `{schema}`.`{table}` (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  ssn VARCHAR(16) NULL,
  email VARCHAR(64) NOT NULL,
  phone VARCHAR(32) NULL,
  born DATE NOT NULL,
  updated_at DATETIME NOT NULL
) ENGINE=InnoDB
"""
FIRST = "'anna', 'bob', 'christina', 'dmitri', 'eve', 'francesco', 'gu', 'hannah', 'ines', 'jo'"
LAST = "'lee', 'smith', 'okonkwo', 'garcia', 'van-der-berg', 'ng', 'kowalczyk', 'o-brien', 'li'"
DOMAIN = "'example.com', 'mail.example.org', 'corp.example.net', 'students.university.example.edu'"
# Values as they look in a real table: an 11-character SSN, e-mail addresses of 18 to 56 characters,
# phone numbers of 12 to 17 characters. Masking lengthens the SSN (to 16 hex digits) and most
# addresses (to u<16 hex>@example.invalid), as it would in production, so InnoDB splits pages.
ROW = (
    "SELECT seq,"
    f" CONCAT(ELT(1 + seq % 10, {FIRST}), ' ', ELT(1 + seq DIV 10 % 9, {LAST})),"
    " CONCAT(LPAD(1 + seq % 899, 3, '0'), '-', LPAD(1 + seq DIV 7 % 99, 2, '0'), '-',"
    "        LPAD(seq DIV 11 % 10000, 4, '0')),"
    f" CONCAT(ELT(1 + seq % 10, {FIRST}), '.', ELT(1 + seq DIV 10 % 9, {LAST}), seq, '@',"
    f"        ELT(1 + seq DIV 3 % 4, {DOMAIN})),"
    " IF(seq % 3 = 0, CONCAT('+1 (', 200 + seq % 800, ') ', LPAD(seq DIV 3 % 1000, 3, '0'), '-',"
    "                        LPAD(seq % 10000, 4, '0')),"
    "    CONCAT('+44 20 ', LPAD(seq % 10000, 4, '0'), ' ', LPAD(seq DIV 5 % 10000, 4, '0'))),"
    " DATE('1950-01-01') + INTERVAL seq % 20000 DAY,"
    " TIMESTAMP('2024-01-01') + INTERVAL seq SECOND"
)


def load(server: MariaDB, table: str, rows: int) -> None:
    """(Re)create ``table`` with ``rows`` rows (generated inside the server), then let the server settle.

    Settling writes the table's pages to disk (``FLUSH TABLES ... FOR EXPORT``) and waits for purge,
    so no measurement pays for the load or for the previous measurement.
    """
    with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS `{SCHEMA}`.`{table}`")
        cursor.execute(TABLE.format(schema=SCHEMA, table=table))
        cursor.execute(f"INSERT INTO `{SCHEMA}`.`{table}` {ROW} FROM `{SCHEMA}`.seq_1_to_{int(rows)}")
        cursor.execute(f"FLUSH TABLES `{SCHEMA}`.`{table}` FOR EXPORT")
        cursor.execute("UNLOCK TABLES")
        limit = time.monotonic() + 300
        while time.monotonic() < limit:
            cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'")
            if int(cursor.fetchone()[1]) == 0:
                break
            time.sleep(0.2)


def checksum(server: MariaDB, table: str) -> int:
    with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"CHECKSUM TABLE `{SCHEMA}`.`{table}`")
        return int(cursor.fetchone()[1])


def floor_update(server: MariaDB, table: str) -> tuple[float, int]:
    """One UPDATE of the whole table with the engine's own SET clause; (seconds, rows changed)."""
    rules = parse_rules([{**rule, "table": table} for rule in RULES])
    with server.connect() as connection, connection.cursor() as cursor:
        (plan,) = plan_tables(cursor, rules, KEY)
        connection.commit()
        started = time.perf_counter()
        changed = cursor.execute(f"UPDATE {plan.target} SET {plan.set_sql}", plan.set_params)
        connection.commit()
        return time.perf_counter() - started, int(changed)


def bench_floor(server: MariaDB, rows: int) -> tuple[float, int]:
    load(server, "people", rows)
    elapsed, changed = floor_update(server, "people")
    assert changed == rows, changed
    return elapsed, checksum(server, "people")


def bench_engine(server: MariaDB, rows: int, chunk_rows: int, run_id: str) -> tuple[float, int, int]:
    load(server, "people", rows)
    started = time.perf_counter()
    progress = run(parse_rules(RULES), server.connect, run_id, chunk_rows=chunk_rows, key=KEY)
    elapsed = time.perf_counter() - started
    assert progress.done and progress.rows_changed == rows, progress.summary()
    return elapsed, progress.tables[0].chunks, checksum(server, "people")


def _naive_mask(ssn: str | None, email: str, phone: str | None) -> tuple[str | None, str, str | None]:
    """What the three rules' SQL computes, in Python (the naive loop does the work in the client)."""
    masked_ssn = None if ssn is None else hmac.new(SECRET.encode(), ssn.encode(), "sha256").hexdigest()[:16]
    masked_email = f"u{hmac.new(SECRET.encode(), email.encode(), 'sha256').hexdigest()[:16]}@example.invalid"
    masked_phone = None if phone is None else "*" * max(len(phone) - 4, 0) + phone[-4:]
    return masked_ssn, masked_email, masked_phone


def bench_naive(server: MariaDB, sample: int) -> float:
    """Rows per second of the row-by-row loop: one SELECT and one UPDATE per row, autocommit."""
    load(server, "naive_check", sample)
    floor_update(server, "naive_check")
    expected = checksum(server, "naive_check")
    load(server, "naive", sample)
    with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM `{SCHEMA}`.naive ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        started = time.perf_counter()
        for row_id in ids:
            cursor.execute(f"SELECT ssn, email, phone FROM `{SCHEMA}`.naive WHERE id = %s", (row_id,))
            ssn, email, phone = cursor.fetchone()
            cursor.execute(
                f"UPDATE `{SCHEMA}`.naive SET ssn = %s, email = %s, phone = %s WHERE id = %s",
                (*_naive_mask(ssn, email, phone), row_id),
            )
        elapsed = time.perf_counter() - started
    assert checksum(server, "naive") == expected, "the naive loop's result differs from the SQL masking"
    return sample / elapsed


def _load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of floor and engine, alternating; the best of each counts"
    )
    parser.add_argument(
        "--relaxed",
        action="store_true",
        help="innodb_flush_log_at_trx_commit=2, no doublewrite (less durable; default: MariaDB's defaults)",
    )
    args = parser.parse_args(argv)

    with MariaDB.start(durable=not args.relaxed) as server:
        with server.connect(autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{SCHEMA}`")
            cursor.execute(
                "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_doublewrite, @@log_bin, "
                "@@innodb_buffer_pool_size, @@innodb_log_file_size"
            )
            version, flush, doublewrite, log_bin, pool, redo = cursor.fetchone()
        print(
            f"MariaDB {version} ({'relaxed' if args.relaxed else 'default'} durability): "
            f"innodb_flush_log_at_trx_commit={flush}, innodb_doublewrite={doublewrite}, log_bin={log_bin}, "
            f"buffer pool {int(pool) >> 20} MiB, redo log {int(redo) >> 20} MiB; "
            f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
            f"{_load_average()}"
        )
        print(f"{args.rows:,} rows, 3 masked columns ({COLUMNS})")
        engine_times, floor_times = [], []
        for attempt in range(args.repeat):
            elapsed, floor_sum = bench_floor(server, args.rows)
            floor_times.append(elapsed)
            print(f"  floor  (one UPDATE, whole table, one transaction):  {elapsed:7.2f} s")
            elapsed, chunks, engine_sum = bench_engine(server, args.rows, args.chunk_rows, f"bench-{attempt}")
            engine_times.append(elapsed)
            assert engine_sum == floor_sum, "the engine's result differs from the floor's"
            print(
                f"  engine ({args.chunk_rows:,}-row chunks, {chunks} chunks, a commit each): {elapsed:7.2f} s"
            )
        naive_rate = bench_naive(server, args.naive_sample)
        print(
            f"  naive  (SELECT + UPDATE per row, autocommit, {args.naive_sample:,} rows): "
            f"{naive_rate:,.0f} rows/s"
        )
        print(f"  results checked: engine = floor, naive = SQL on its sample; {_load_average()}")
    engine, floor = min(engine_times), min(floor_times)
    rate = args.rows / engine
    summary: dict[str, Any] = {"rate": rate, "x": rate / naive_rate, "y": engine / floor}
    print(f"masking: {summary['rate']:,.0f} rows/s, {summary['x']:.0f}x naive, {summary['y']:.2f}x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
