"""The after-load engine against a real MariaDB: every strategy, chunking, resume, run twice, failures."""

from __future__ import annotations

import hmac
import json
import random
import re
from typing import Any

import pytest

from dms_automation.log import DecisionLog
from dms_automation.masking import MaskingError, MaskingKey, MaskingRuleError, parse_rules
from dms_automation.masking import run as masking_run
from dms_automation.masking.engine import PROGRESS_TABLE
from tests.masking.masking_db import Database

SECRET = "k" * 24 + "-test-masking-key-0123456789abcdef"
KEY = MaskingKey.from_secret(SECRET)
PEOPLE = """
CREATE TABLE `{schema}`.`people` (
  id INT NOT NULL PRIMARY KEY,
  email VARCHAR(80) NOT NULL,
  ssn VARCHAR(16) NULL,
  phone VARCHAR(20) NULL,
  card CHAR(19) NULL,
  note TEXT NULL,
  city VARCHAR(8) NOT NULL,
  account INT UNSIGNED NULL,
  passport VARCHAR(12) NULL,
  short_mail VARCHAR(12) NULL,
  untouched VARCHAR(40) NOT NULL
) ENGINE=InnoDB
"""
COLUMNS = (
    "id",
    "email",
    "ssn",
    "phone",
    "card",
    "note",
    "city",
    "account",
    "passport",
    "short_mail",
    "untouched",
)
RULES: list[dict[str, Any]] = [
    {
        "schema": "S",
        "table": "people",
        "column": "email",
        "strategy": "fake_email",
    },
    {"schema": "S", "table": "people", "column": "ssn", "strategy": "hash"},
    {"schema": "S", "table": "people", "column": "phone", "strategy": "randomize_digits"},
    {"schema": "S", "table": "people", "column": "card", "strategy": "redact", "options": {"keep_last": 4}},
    {"schema": "S", "table": "people", "column": "note", "strategy": "null"},
    {
        "schema": "S",
        "table": "people",
        "column": "city",
        "strategy": "fixed",
        "options": {"value": "Springfield"},
    },
    {"schema": "S", "table": "people", "column": "account", "strategy": "randomize_digits"},
    {
        "schema": "S",
        "table": "people",
        "column": "passport",
        "strategy": "mask_digits",
        "options": {"mask_char": "#"},
    },
    {
        "schema": "S",
        "table": "people",
        "column": "short_mail",
        "strategy": "fake_email",
    },
]


def rules_for(schema: str, rules: list[dict[str, Any]] = RULES) -> list[Any]:
    return parse_rules([{**rule, "schema": schema} for rule in rules])


def run(*args: Any, **kwargs: Any) -> Any:
    """The engine with the test's masking key."""
    kwargs.setdefault("key", KEY)
    return masking_run(*args, **kwargs)


def sha(value: str) -> str:
    """What the keyed hash must be: HMAC-SHA-256 of the value's UTF-8 bytes, as Python computes it."""
    return hmac.new(SECRET.encode(), value.encode(), "sha256").hexdigest()


def person(i: int, rng: random.Random) -> tuple[Any, ...]:
    return (
        i,
        f"person{i}@corp.example.com",
        f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        f"+1 ({rng.randint(200, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "-".join(f"{rng.randint(0, 9999):04d}" for _ in range(4)),
        f"secret note {i}" if i % 5 else None,
        "Paris",
        rng.randint(1_000_000, 4_000_000_000),
        f"C{rng.randint(0, 9)}BGJ{rng.randint(100000, 999999)}K",
        f"p{i}@c.io",
        f"keep me {i}",
    )


def load_people(db: Database, ids: list[int], schema: str | None = None) -> list[tuple[Any, ...]]:
    schema = schema or db.schema
    db.execute(PEOPLE.format(schema=schema))
    rng = random.Random(7)
    rows = [person(i, rng) for i in ids]
    db.executemany(
        f"INSERT INTO `{schema}`.people VALUES ({', '.join(['%s'] * len(COLUMNS))})",
        rows,
    )
    return rows


def mask(db: Database, run_id: str = "run-1", schema: str | None = None, **kwargs: Any) -> Any:
    return run(
        rules_for(schema or db.schema),
        db.factory,
        run_id,
        progress_schema=db.progress_schema,
        **kwargs,
    )


def as_dicts(rows: list[tuple[Any, ...]]) -> dict[int, dict[str, Any]]:
    return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}


def deterministic(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The columns whose masked value depends only on the original (not phone/account, random)."""
    keep = [i for i, name in enumerate(COLUMNS) if name not in ("phone", "account")]
    return [tuple(row[i] for i in keep) for row in rows]


def test_the_server_runs_in_strict_mode(db: Database) -> None:
    # Otherwise the "values fit their column" checks below would pass by silent truncation.
    (mode,) = db.execute("SELECT @@sql_mode")[0]
    assert "STRICT_TRANS_TABLES" in mode


def test_every_strategy_masks_real_rows_and_leaves_other_columns_alone(db: Database) -> None:
    original = as_dicts(load_people(db, list(range(1, 301))))

    progress = mask(db, chunk_rows=64)

    assert progress.done
    assert progress.tables[0].chunks == 5
    masked = as_dicts(db.rows("people"))
    assert masked.keys() == original.keys()
    for i, before in original.items():
        after = masked[i]
        assert after["untouched"] == before["untouched"]
        assert after["email"] == f"u{sha(before['email'])[:16]}@example.invalid"
        assert after["ssn"] == sha(before["ssn"])[:16]  # cut to VARCHAR(16)
        assert len(after["phone"]) == len(before["phone"])
        assert re.sub(r"\d", "0", after["phone"]) == re.sub(r"\d", "0", before["phone"])
        assert after["card"] == "*" * 15 + before["card"][-4:]
        assert after["note"] is None
        assert after["city"] == "Springfi"  # "Springfield" cut to VARCHAR(8)
        assert len(str(after["account"])) == len(str(before["account"]))
        assert 0 <= after["account"] <= 4_294_967_295
        assert after["passport"] == re.sub(r"\d", "#", before["passport"])
        assert after["short_mail"] == ("u" + sha(before["short_mail"]))[:12]  # too narrow for "@domain"
    # Random digits really are random: nearly every phone number and account changed.
    assert sum(masked[i]["phone"] != original[i]["phone"] for i in original) > 290
    assert sum(masked[i]["account"] != original[i]["account"] for i in original) > 290


def test_hash_is_deterministic_so_joins_on_the_masked_column_still_work(db: Database) -> None:
    load_people(db, list(range(1, 51)))
    db.execute(f"CREATE TABLE `{db.schema}`.orders (id INT PRIMARY KEY, customer_ssn VARCHAR(16) NOT NULL)")
    db.execute(
        f"INSERT INTO `{db.schema}`.orders SELECT id + 1000, ssn FROM `{db.schema}`.people WHERE id % 2 = 0"
    )
    join = (
        f"SELECT COUNT(*) FROM `{db.schema}`.orders o JOIN `{db.schema}`.people p ON p.ssn = o.customer_ssn"
    )
    assert db.execute(join)[0][0] == 25

    extra = [{"schema": db.schema, "table": "orders", "column": "customer_ssn", "strategy": "hash"}]
    progress = run(
        rules_for(db.schema) + parse_rules(extra), db.factory, "join", progress_schema=db.progress_schema
    )

    assert progress.done
    assert {t.name for t in progress.tables} == {f"{db.schema}.orders", f"{db.schema}.people"}
    assert db.execute(join)[0][0] == 25
    assert db.execute(f"SELECT COUNT(*) FROM `{db.schema}`.orders WHERE customer_ssn LIKE '%-%'")[0][0] == 0


def test_a_second_run_of_the_same_load_changes_nothing(db: Database) -> None:
    load_people(db, list(range(1, 201)))
    first = mask(db, run_id="load-2024-06-01", chunk_rows=50)
    after_first = db.rows("people")

    second = mask(db, run_id="load-2024-06-01", chunk_rows=50)

    assert first.done and second.done
    assert second.tables[0].skipped
    assert db.rows("people") == after_first  # hash not hashed twice, random digits not re-rolled


def test_a_new_load_is_masked_again(db: Database) -> None:
    original = load_people(db, list(range(1, 21)))
    mask(db, run_id="load-1")
    # DMS reloads the target: the rows are unmasked again, and the next run (a new id) masks them.
    db.execute(f"DELETE FROM `{db.schema}`.people")
    db.executemany(f"INSERT INTO `{db.schema}`.people VALUES ({', '.join(['%s'] * len(COLUMNS))})", original)

    assert mask(db, run_id="load-2").done
    assert all(row[2] == sha(orig[2])[:16] for row, orig in zip(db.rows("people"), original, strict=True))


def test_chunks_follow_primary_key_ranges_with_gaps(db: Database) -> None:
    ids = sorted(random.Random(3).sample(range(1, 1_000_000), 100))
    original = as_dicts(load_people(db, ids))

    progress = mask(db, chunk_rows=7)

    assert progress.done
    assert progress.tables[0].chunks == 15  # ceil(100 / 7)
    masked = as_dicts(db.rows("people"))
    assert all(masked[i]["ssn"] == sha(original[i]["ssn"])[:16] for i in ids)
    stored = db.execute(f"SELECT last_key, done, chunks FROM `{db.progress_schema}`.{PROGRESS_TABLE}")
    assert stored == [(f"[{ids[-1]}]", 1, 15)]


class StepClock:
    """A clock that advances one second per reading: a deadline is reached after a few chunks."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_run_cut_off_by_the_deadline_resumes_across_invocations_with_the_same_result(db: Database) -> None:
    ids = list(range(1, 501))
    original = load_people(db, ids)
    control = f"{db.schema}_control"
    db.execute(f"CREATE DATABASE `{control}`")
    try:
        load_people(db, ids, schema=control)
        assert mask(db, run_id="control", schema=control, chunk_rows=40).done

        invocations = []
        while True:
            clock = StepClock()
            # Each invocation may start a chunk only while 5 s (the margin) + a few readings remain.
            progress = mask(db, run_id="long", chunk_rows=40, deadline=clock.now + 12, clock=clock)
            invocations.append(progress)
            if progress.done:
                break
            assert len(invocations) < 50, "masking made no progress across invocations"
            if len(invocations) == 1:
                partly = db.rows("people")
                masked_ssn = sum(r[2] != o[2] for r, o in zip(partly, original, strict=True))
                assert 0 < masked_ssn < len(ids)  # stopped midway, the rest untouched

        assert len(invocations) > 3
        assert deterministic(db.rows("people")) == deterministic(db.rows("people", schema=control))
    finally:
        db.execute(f"DROP DATABASE IF EXISTS `{control}`")


def test_a_lambda_context_with_too_little_time_left_starts_nothing(db: Database) -> None:
    original = load_people(db, list(range(1, 11)))

    progress = mask(db, run_id="late", deadline=0.0)

    assert not progress.done
    assert db.rows("people") == original


class KilledMidway:
    """Real connections; before the n-th UPDATE the server kills the connection (as a crash would)."""

    def __init__(self, db: Database, kill_before_update: int) -> None:
        self.db = db
        self.kill_before_update = kill_before_update
        self.updates = 0

    def __call__(self) -> Any:
        connection = self.db.factory()
        real_cursor = connection.cursor
        outer = self

        class Cursor:
            def __init__(self) -> None:
                self.inner = real_cursor()

            def __enter__(self) -> Cursor:
                return self

            def __exit__(self, *exc: object) -> None:
                self.inner.close()

            def execute(self, sql: str, params: Any = None) -> Any:
                if sql.startswith("UPDATE"):
                    outer.updates += 1
                    if outer.updates == outer.kill_before_update:
                        outer.db.execute(f"KILL CONNECTION {connection.thread_id()}")
                return self.inner.execute(sql, params)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.inner, name)

        connection.cursor = Cursor
        return connection


def test_a_failed_chunk_is_rolled_back_and_a_retry_finishes_with_the_same_result(db: Database) -> None:
    original = load_people(db, list(range(1, 101)))
    control = f"{db.schema}_control"
    db.execute(f"CREATE DATABASE `{control}`")
    try:
        load_people(db, list(range(1, 101)), schema=control)
        mask(db, run_id="control", schema=control, chunk_rows=20)

        with pytest.raises(MaskingError, match=r"chunk after key \(40,\).*a retry resumes here"):
            run(
                rules_for(db.schema),
                KilledMidway(db, 3),
                "crash",
                chunk_rows=20,
                progress_schema=db.progress_schema,
            )
        partly = db.rows("people")
        assert [r[2] != o[2] for r, o in zip(partly, original, strict=True)] == [True] * 40 + [False] * 60

        assert mask(db, run_id="crash", chunk_rows=20).done
        assert deterministic(db.rows("people")) == deterministic(db.rows("people", schema=control))
    finally:
        db.execute(f"DROP DATABASE IF EXISTS `{control}`")


def test_composite_primary_keys_are_walked_in_order(db: Database) -> None:
    db.execute(
        f"CREATE TABLE `{db.schema}`.accounts (tenant VARCHAR(10) NOT NULL, id INT NOT NULL, "
        "iban VARCHAR(34) NOT NULL, PRIMARY KEY (tenant, id))"
    )
    rows = [(tenant, i, f"DE{i:020d}") for tenant in ("acme", "beta", "zeta") for i in range(1, 12)]
    db.executemany(f"INSERT INTO `{db.schema}`.accounts VALUES (%s, %s, %s)", rows)
    rules = parse_rules([{"schema": db.schema, "table": "accounts", "column": "iban", "strategy": "redact"}])

    progress = run(rules, db.factory, "composite", chunk_rows=4, progress_schema=db.progress_schema)

    assert progress.done and progress.tables[0].chunks == 9  # ceil(33 / 4)
    assert db.execute(f"SELECT tenant, id, iban FROM `{db.schema}`.accounts ORDER BY tenant, id") == [
        (tenant, i, "*" * 18 + iban[-4:]) for tenant, i, iban in rows
    ]


def test_values_are_bound_not_spliced_into_sql(db: Database) -> None:
    load_people(db, [1, 2])
    hostile = "x'); DROP TABLE people; --"
    rules = parse_rules(
        [
            {"schema": db.schema, "table": "people", "column": "untouched", "strategy": "fixed",
             "options": {"value": hostile}},
            {"schema": db.schema, "table": "people", "column": "ssn", "strategy": "hash"},
        ]
    )  # fmt: skip

    assert run(rules, db.factory, "hostile", progress_schema=db.progress_schema).done
    assert [row[10] for row in db.rows("people")] == [hostile, hostile]


@pytest.mark.parametrize(
    ("ddl", "rule", "message"),
    [
        (
            "note VARCHAR(9) NOT NULL DEFAULT ''",
            {"column": "note", "strategy": "null"},
            "needs a nullable column",
        ),
        ("note INT NULL", {"column": "note", "strategy": "hash"}, "needs a character column"),
        ("note DATE NULL", {"column": "note", "strategy": "randomize_digits"}, "character or integer column"),
        (
            "note INT NULL",
            {"column": "note", "strategy": "fixed", "options": {"value": "n/a"}},
            "is not a number",
        ),
        ("note TEXT NULL", {"column": "nope", "strategy": "null"}, "column nope does not exist"),
        (
            "note TEXT NULL",
            {"table": "missing", "column": "note", "strategy": "null"},
            "does not exist on the",
        ),
        (
            "note TEXT NULL",
            {"column": "id", "strategy": "fixed", "options": {"value": "1"}},
            "part of the primary",
        ),
    ],
)
def test_a_rule_that_does_not_fit_the_table_is_refused_before_any_row_changes(
    db: Database, ddl: str, rule: dict[str, Any], message: str
) -> None:
    db.execute(f"CREATE TABLE `{db.schema}`.t (id INT PRIMARY KEY, {ddl}, city VARCHAR(9))")
    db.execute(f"INSERT INTO `{db.schema}`.t (id, city) VALUES (1, 'Paris')")
    rules = parse_rules(
        [
            {
                "schema": db.schema,
                "table": "t",
                "column": "city",
                "strategy": "fixed",
                "options": {"value": "X"},
            },
            {"schema": db.schema, "table": "t", **rule},
        ]
    )

    with pytest.raises(MaskingRuleError, match=message) as refused:
        run(rules, db.factory, "bad", progress_schema=db.progress_schema)

    assert f"{db.schema}." in str(refused.value)  # names the rule
    assert db.execute(f"SELECT city FROM `{db.schema}`.t") == [("Paris",)]


def test_a_table_without_primary_key_is_refused_with_a_way_out(db: Database) -> None:
    db.execute(f"CREATE TABLE `{db.schema}`.logs (line VARCHAR(20))")
    rules = parse_rules([{"schema": db.schema, "table": "logs", "column": "line", "strategy": "redact"}])

    with pytest.raises(MaskingRuleError, match=r"has no primary key.*add a primary key"):
        run(rules, db.factory, "nopk", progress_schema=db.progress_schema)


def test_changed_rules_within_one_run_are_refused_rather_than_masking_twice(db: Database) -> None:
    load_people(db, list(range(1, 31)))
    assert not mask(db, run_id="r", chunk_rows=10, deadline=6.5, clock=StepClock()).done
    changed = [dict(rule, options={"keep_last": 2}) if rule["column"] == "card" else rule for rule in RULES]

    with pytest.raises(MaskingError, match="changed during run 'r'"):
        run(rules_for(db.schema, changed), db.factory, "r", progress_schema=db.progress_schema)
    # So does a rotated key: the rows masked so far used the old one.
    rotated = MaskingKey.from_secret(SECRET + "-rotated")
    with pytest.raises(MaskingError, match="changed during run 'r'"):
        run(rules_for(db.schema), db.factory, "r", progress_schema=db.progress_schema, key=rotated)


def test_dms_rules_are_left_to_dms(db: Database) -> None:
    original = load_people(db, [1, 2, 3])
    rules = parse_rules(
        [
            {
                "schema": db.schema,
                "table": "people",
                "column": "ssn",
                "strategy": "hash",
                "where": "dms",
                "options": {"allow_unkeyed_hash": True},
            }
        ]
    )

    progress = run(rules, db.factory, "dms-only", progress_schema=db.progress_schema)

    assert progress.done and progress.tables == []
    assert db.rows("people") == original


def test_progress_reaches_standard_output_as_decision_lines(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # Lambda ships standard output whatever the log level; a logging record at INFO is dropped by
    # the runtime's default level. So progress must be decision lines on standard output.
    load_people(db, list(range(1, 101)))
    log = DecisionLog("post_process", "req-1", task_arn="arn:aws:dms:eu-west-1:123456789012:task:T")
    clock = StepClock()
    paused = mask(db, run_id="logged", chunk_rows=10, deadline=clock.now + 12, clock=clock, log=log)
    done = mask(db, run_id="logged", chunk_rows=10, log=log)
    assert not paused.done and done.done

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["decision"] for line in lines] == ["masking-paused", "masking-table", "masking-done"]
    assert all(line["request_id"] == "req-1" and line["function"] == "post_process" for line in lines)
    assert all(line["level"] == "INFO" and line["task_arn"].endswith(":task:T") for line in lines)
    people = f"{db.schema}.people"
    assert lines[0]["progress"]["tables"][people]["done"] is False
    assert lines[1]["rows_changed"] == 100 and lines[1]["chunks"] == 10
    assert lines[2]["progress"]["rows_changed"] == 100 and lines[2]["progress"]["done"] is True


def test_progress_lines_need_no_logger_configuration(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # Called without a log (the benchmark, a script): still decision lines on standard output.
    load_people(db, [1, 2, 3])
    assert mask(db, run_id="plain").done
    decisions = [json.loads(line)["decision"] for line in capsys.readouterr().out.splitlines()]
    assert decisions == ["masking-table", "masking-done"]
