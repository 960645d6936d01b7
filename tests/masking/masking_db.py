"""One test's schemas on the shared throwaway MariaDB server."""

from __future__ import annotations

from typing import Any

from scripts.mariadb_server import MariaDB


class Database:
    """One test's schemas on the shared server, with small helpers over a real connection."""

    def __init__(self, server: MariaDB, schema: str) -> None:
        self.server = server
        self.schema = schema
        self.progress_schema = f"{schema}_progress"
        self.connection = server.connect(autocommit=True)

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def rows(self, table: str, schema: str | None = None) -> list[tuple[Any, ...]]:
        return self.execute(f"SELECT * FROM `{schema or self.schema}`.`{table}` ORDER BY 1, 2")

    def factory(self) -> Any:
        return self.server.connect()
