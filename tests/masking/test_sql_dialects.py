"""The masking SQL is what MariaDB (the tests' server) and MySQL 8 / Aurora MySQL 3 (AWS) both run alike.

No MySQL 8 server can be installed from the package registries this project uses (Debian bookworm's
``default-mysql-server`` is MariaDB; PyPI and npm carry clients and launchers that download the
server at run time, not the server), so the masking tests run on MariaDB only. What MySQL 8 treats
differently is checked here instead, on every statement a full masking run really sends (each
strategy, chunking, progress, the coverage check) and on the preparation's grants:

- ``VALUES(col)`` in ``ON DUPLICATE KEY UPDATE``: deprecated from MySQL 8.0.20 ("INSERT ... ON
  DUPLICATE KEY UPDATE Statement", https://dev.mysql.com/doc/refman/8.0/en/insert-on-duplicate.html);
  its replacement, a row alias (``VALUES (...) AS new``), is refused by MariaDB.
- Regular expressions: MySQL 8 uses ICU, MariaDB PCRE ("Regular Expressions",
  https://dev.mysql.com/doc/refman/8.0/en/regexp.html); they differ in syntax and in how a
  replacement reads ``$`` and ``\\``.
- Removed or deprecated in MySQL 8.0: ``PASSWORD()``, ``GRANT ... IDENTIFIED BY``,
  ``SQL_CALC_FOUND_ROWS`` / ``FOUND_ROWS()``, integer display widths and ``ZEROFILL``, the ``utf8``
  alias ("What Is New in MySQL 8.0", https://dev.mysql.com/doc/refman/8.0/en/mysql-nutshell.html).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from dms_automation import db_prep
from dms_automation.masking import check_coverage, parse_rules
from dms_automation.masking.sensitive import CoverageSettings
from tests.masking.masking_db import Database
from tests.masking.test_masking_engine import RULES, StepClock, load_people, run

# (what, pattern): constructs MySQL 8 and MariaDB do not both accept, or evaluate differently.
NOT_PORTABLE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("VALUES() in ON DUPLICATE KEY UPDATE", re.compile(r"ON\s+DUPLICATE\s+KEY\s+UPDATE.*\bVALUES\s*\(", re.I | re.S)),
    ("a row alias before ON DUPLICATE KEY UPDATE", re.compile(r"\)\s+AS\s+`?\w+`?(\s*\([^)]*\))?\s+ON\s+DUPLICATE", re.I)),
    ("a regular expression", re.compile(r"\bREGEXP(_\w+)?\b|\bRLIKE\b", re.I)),
    ("PASSWORD()", re.compile(r"\bPASSWORD\s*\(", re.I)),
    ("GRANT ... IDENTIFIED BY", re.compile(r"\bGRANT\b[^;]*\bIDENTIFIED\s+BY\b", re.I)),
    ("SQL_CALC_FOUND_ROWS / FOUND_ROWS()", re.compile(r"SQL_CALC_FOUND_ROWS|\bFOUND_ROWS\s*\(", re.I)),
    ("an integer display width", re.compile(r"\b(SMALL|MEDIUM|BIG)?INT\s*\(\s*\d+\s*\)|\bTINYINT\s*\(\s*(?!1\s*\))\d+\s*\)", re.I)),
    ("ZEROFILL", re.compile(r"\bZEROFILL\b", re.I)),
    ("the utf8 alias", re.compile(r"\butf8(mb3)?\b", re.I)),
)  # fmt: skip


def not_portable(statement: str) -> list[str]:
    return [what for what, pattern in NOT_PORTABLE if pattern.search(statement)]


class Recording:
    """A connection factory that records every statement sent through the connections it makes."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.statements: list[str] = []

    def __call__(self) -> Any:
        connection = self.factory()
        cursor_of = connection.cursor
        statements = self.statements

        def cursor(*args: Any, **kwargs: Any) -> Any:
            real = cursor_of(*args, **kwargs)
            execute = real.execute

            def recorded(query: str, args: Any = None) -> Any:
                statements.append(query)
                return execute(query, args)

            real.execute = recorded
            return real

        connection.cursor = cursor
        return connection


def test_the_check_catches_what_mysql_8_treats_differently() -> None:
    # The statements this project sent before: each must be caught, or the test below proves nothing.
    old_progress = (
        "INSERT INTO `p`.`t` (run_id, last_key) VALUES (%s, %s) ON DUPLICATE KEY UPDATE "
        "last_key = VALUES(last_key)"
    )
    assert not_portable(old_progress) == ["VALUES() in ON DUPLICATE KEY UPDATE"]
    assert not_portable("INSERT INTO t (a) VALUES (%s) AS new ON DUPLICATE KEY UPDATE a = new.a") == [
        "a row alias before ON DUPLICATE KEY UPDATE"
    ]
    assert not_portable("UPDATE t SET c = REGEXP_REPLACE(`c`, '[0-9]', %s)") == ["a regular expression"]
    assert not_portable("CREATE TABLE t (a INT(11) ZEROFILL) CHARSET utf8") == [
        "an integer display width",
        "ZEROFILL",
        "the utf8 alias",
    ]
    assert not_portable("GRANT SELECT ON *.* TO 'u'@'%' IDENTIFIED BY 'p'") == ["GRANT ... IDENTIFIED BY"]
    # What the engine does write stays allowed: TINYINT(1), utf8mb4, bound values twice.
    assert not_portable("CREATE TABLE t (done TINYINT(1), c CHAR(64)) CHARSET utf8mb4") == []


def test_every_statement_of_a_masking_run_is_portable_to_mysql_8(db: Database) -> None:
    load_people(db, list(range(1, 121)))
    db.execute(f"CREATE TABLE `{db.schema}`.notes (id INT PRIMARY KEY, body VARCHAR(300))")
    db.execute(f"INSERT INTO `{db.schema}`.notes VALUES (1, %s)", ("7" * 300,))
    recording = Recording(db.factory)
    extra = {"schema": db.schema, "table": "notes", "column": "body", "strategy": "randomize_digits"}
    rules = parse_rules([*({**rule, "schema": db.schema} for rule in RULES), extra])

    # Two invocations (a pause and a resume) so the progress upsert updates an existing row.
    settings: dict[str, Any] = {"chunk_rows": 50, "progress_schema": db.progress_schema}
    assert not run(rules, recording, "dialect", 8.0, clock=StepClock(), **settings).done
    progress = run(rules, recording, "dialect", **settings)
    assert progress.done
    check_coverage(progress, rules, recording, CoverageSettings(), db.progress_schema)

    kinds = {statement.split()[0].upper() for statement in recording.statements}
    assert {"CREATE", "SELECT", "UPDATE", "INSERT"} <= kinds
    assert any("ON DUPLICATE KEY UPDATE" in s for s in recording.statements)
    assert any("information_schema.COLUMNS c" in s for s in recording.statements)  # the coverage check
    offending = {s: not_portable(s) for s in recording.statements if not_portable(s)}
    assert offending == {}
    # The randomized tail of a long column (past 255 characters) is masked to '0', not by a regex.
    (body,) = db.execute(f"SELECT body FROM `{db.schema}`.notes")[0]
    assert len(body) == 300 and body[255:] == "0" * 45


@pytest.mark.parametrize("mask_char", ["#", "$", "\\", "&"])
def test_mask_digits_writes_any_mask_character_literally(db: Database, mask_char: str) -> None:
    # A regex replacement reads "$" (ICU: a group) and "\" (both: an escape); REPLACE reads neither.
    db.execute(f"CREATE TABLE `{db.schema}`.ids (id INT PRIMARY KEY, passport VARCHAR(20))")
    rng = random.Random(3)
    values = [f"C{rng.randint(0, 9)}BGJ{rng.randint(100000, 999999)}K" for _ in range(5)]
    db.executemany(f"INSERT INTO `{db.schema}`.ids VALUES (%s, %s)", list(enumerate(values)))
    rule = {"schema": db.schema, "table": "ids", "column": "passport", "strategy": "mask_digits",
            "options": {"mask_char": mask_char}}  # fmt: skip
    assert run(parse_rules([rule]), db.factory, "chars", progress_schema=db.progress_schema).done
    masked = [row[0] for row in db.execute(f"SELECT passport FROM `{db.schema}`.ids ORDER BY id")]
    assert masked == [re.sub(r"\d", lambda _: mask_char, value) for value in values]


def test_the_preparation_grants_are_portable_to_mysql_8() -> None:
    statements = db_prep.mysql_statements("dms_user", "Password123", ["hr", "sales"])
    assert statements and all(not_portable(sql) == [] for sql, _ in statements)
