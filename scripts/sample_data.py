"""The demo's databases: a throwaway MariaDB with a "production" schema of customers whose names,
e-mails and phone numbers must never be readable in the refreshed copy.

One MariaDB server plays both ends of the DMS task, as two schemas: ``production`` (the source,
seeded here) and ``staging`` (the target, filled by the emulated DMS full load). Two users with
passwords generated per run, each with only what it needs:

- ``dms`` (the DMS endpoints): reads ``production``, creates and fills tables in ``staging``;
- ``masking`` (the post-process Lambda, through a Secrets Manager secret): reads and updates
  ``staging`` and keeps its progress in ``dms_automation``.

The server starts in a background thread (``start_in_background``) on a port picked ahead, so
the DMS endpoints and the secret can name it while the server is still coming up, and it is
ready long before the first run needs it (``ready``). ``readable_production_values`` is the
check the demo and the end-to-end tests make: no sensitive value of the source may be found
anywhere in the target.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scripts.mariadb_server import MariaDB, free_port

SOURCE_SCHEMA = "production"
TARGET_SCHEMA = "staging"
PROGRESS_SCHEMA = "dms_automation"  # the masking engine's default MASKING_PROGRESS_SCHEMA
TABLE = "customers"
COLUMNS = ("id", "full_name", "email", "phone", "city", "signed_up")
# The columns whose production values must never be readable in the copy (what the masking
# rules of examples/local must cover; the check below does not read the rules).
SENSITIVE = ("full_name", "email", "phone")
# Made up: e-mails at example.com (RFC 2606), numbers from Ofcom's drama ranges.
ROWS: tuple[tuple[Any, ...], ...] = (
    (1, "Ana Lopez", "ana.lopez@example.com", "+44 20 7946 0101", "Leeds", date(2019, 3, 14)),
    (2, "Bram de Vries", "bram.devries@example.com", "+44 20 7946 0102", "York", date(2020, 7, 2)),
    (3, "Chloe Martin", "chloe.martin@example.com", "+44 161 496 0103", "Bath", date(2021, 1, 9)),
    (4, "Dev Patel", "dev.patel@example.com", "+44 161 496 0104", "Derby", date(2022, 11, 30)),
    (5, "Eva Novak", "eva.novak@example.com", "+44 117 496 0105", "Hull", date(2023, 5, 21)),
)
CREATE_TABLE = f"""
CREATE TABLE `{SOURCE_SCHEMA}`.`{TABLE}` (
  id INT PRIMARY KEY,
  full_name VARCHAR(100) NOT NULL,
  email VARCHAR(120) NOT NULL,
  phone VARCHAR(24),
  city VARCHAR(60),
  signed_up DATE
)"""


class ProductionDataReadable(AssertionError):
    """A sensitive production value is still readable in the target after post-processing."""


@dataclass
class SampleDatabase:
    """The demo's MariaDB: started in the background, seeded once ready, stopped with ``stop``."""

    port: int = field(default_factory=free_port)
    dms_password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    masking_password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    host: str = "127.0.0.1"
    server: MariaDB | None = None
    started_in: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)
    _ready: threading.Event = field(default_factory=threading.Event, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    # -- lifecycle ----------------------------------------------------------------------------
    def start_in_background(self) -> SampleDatabase:
        """Start the server in a thread that stays alive until ``stop``.

        The thread lives as long as the server: the server is started with PR_SET_PDEATHSIG, which
        Linux fires when the *thread* that forked it exits, not the process. Starting it again does
        nothing.
        """
        if self._thread is not None:
            return self

        def run() -> None:
            started = time.monotonic()
            try:
                self.server = MariaDB.start(durable=False, port=self.port)
                self._seed()
            except BaseException as error:  # handed to ready()
                self._error = error
            self.started_in = time.monotonic() - started
            self._ready.set()
            self._stopping.wait()
            if self.server is not None:
                self.server.stop()

        self._thread = threading.Thread(target=run, name="sample-mariadb", daemon=True)
        self._thread.start()
        return self

    def ready(self, timeout: float = 120) -> SampleDatabase:
        """Wait for the server and its seed; raises what went wrong in the background."""
        if self._thread is None:
            self.start_in_background()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"MariaDB did not start within {timeout:.0f}s")
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(120)

    def _seed(self) -> None:
        assert self.server is not None
        connection = self.server.connect()
        try:
            with connection.cursor() as cursor:
                for schema in (SOURCE_SCHEMA, TARGET_SCHEMA):
                    cursor.execute(f"CREATE DATABASE `{schema}`")
                cursor.execute(CREATE_TABLE)
                marks = ", ".join(["%s"] * len(COLUMNS))
                cursor.executemany(
                    f"INSERT INTO `{SOURCE_SCHEMA}`.`{TABLE}` ({', '.join(COLUMNS)}) VALUES ({marks})", ROWS
                )
                for user, password, grants in (
                    (
                        "dms",
                        self.dms_password,
                        (f"SELECT ON `{SOURCE_SCHEMA}`.*", f"ALL PRIVILEGES ON `{TARGET_SCHEMA}`.*"),
                    ),
                    (
                        "masking",
                        self.masking_password,
                        (
                            f"SELECT, UPDATE ON `{TARGET_SCHEMA}`.*",
                            f"ALL PRIVILEGES ON `{PROGRESS_SCHEMA}`.*",
                        ),
                    ),
                ):
                    cursor.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY %s", (password,))
                    for grant in grants:
                        cursor.execute(f"GRANT {grant} TO '{user}'@'127.0.0.1'")
            connection.commit()
        finally:
            connection.close()

    # -- what the DMS endpoints and the post-process Lambda are given -----------------------------
    def endpoint(self, kind: str) -> dict[str, Any]:
        """CreateEndpoint arguments of the source or target: MariaDB, as the ``dms`` user.

        No DatabaseName: DMS's MySQL endpoints take none (the task's mappings name the schemas).
        """
        return {
            "EngineName": "mariadb",
            "ServerName": self.host,
            "Port": self.port,
            "Username": "dms",
            "Password": self.dms_password,
        }

    @staticmethod
    def table_mappings() -> dict[str, Any]:
        """Every table of ``production``, loaded into ``staging`` (a schema rename, as DMS does it)."""
        return {
            "rules": [
                {
                    "rule-type": "selection",
                    "rule-id": "1",
                    "rule-name": "production",
                    "object-locator": {"schema-name": SOURCE_SCHEMA, "table-name": "%"},
                    "rule-action": "include",
                },
                {
                    "rule-type": "transformation",
                    "rule-id": "2",
                    "rule-name": "into-staging",
                    "rule-target": "schema",
                    "object-locator": {"schema-name": SOURCE_SCHEMA},
                    "rule-action": "rename",
                    "value": TARGET_SCHEMA,
                },
            ]
        }

    def masking_secret(self) -> dict[str, Any]:
        """The target database's secret as the post-process Lambda reads it (RDS secret JSON)."""
        return {
            "engine": "mariadb",
            "host": self.host,
            "port": self.port,
            "dbname": TARGET_SCHEMA,
            "username": "masking",
            "password": self.masking_password,
        }

    # -- reading and checking -------------------------------------------------------------------
    def rows(self, schema: str = TARGET_SCHEMA) -> list[dict[str, Any]]:
        """The table's rows in ``schema``, by id ([] when the table does not exist)."""
        assert self.server is not None
        connection = self.server.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                    (schema, TABLE),
                )
                if cursor.fetchone()[0] == 0:
                    return []
                cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM `{schema}`.`{TABLE}` ORDER BY id")
                return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()


def readable_production_values(target_rows: list[dict[str, Any]]) -> list[str]:
    """Every sensitive production value found anywhere in ``target_rows``, and every row lost.

    A value counts as readable wherever it appears, in its own column or another; a masked copy
    must also keep every row (a deleted row is not masking).
    """
    problems = []
    cells = {str(value) for row in target_rows for value in row.values() if value is not None}
    for row in ROWS:
        source = dict(zip(COLUMNS, row, strict=True))
        for column in SENSITIVE:
            if str(source[column]) in cells:
                problems.append(f"customer {source['id']}: {column} {source[column]!r} is readable")
    kept = {row["id"] for row in target_rows}
    problems += [f"customer {row[0]} is missing from the target" for row in ROWS if row[0] not in kept]
    return problems


def check_masked(target_rows: list[dict[str, Any]]) -> None:
    problems = readable_production_values(target_rows)
    if problems:
        raise ProductionDataReadable(
            "production data is readable in the refreshed copy:\n  " + "\n  ".join(problems)
        )


def format_rows(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width table (the demo prints it)."""
    if not rows:
        return "(no rows)"
    table = [list(COLUMNS)] + [["" if row[c] is None else str(row[c]) for c in COLUMNS] for row in rows]
    widths = [min(max(len(line[i]) for line in table), 40) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell[:40].ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
