"""A throwaway MariaDB server for the whole session, and a fresh schema per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from scripts.mariadb_server import MariaDB, MariaDBUnavailable
from tests.masking.masking_db import Database

_counter = itertools.count()


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    try:
        server = MariaDB.start(durable=False)
    except MariaDBUnavailable as error:
        pytest.fail(f"the masking tests need MariaDB's server: {error}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db(mariadb: MariaDB) -> Iterator[Database]:
    schema = f"t{next(_counter)}"
    database = Database(mariadb, schema)
    database.execute(f"CREATE DATABASE `{schema}`")
    try:
        yield database
    finally:
        database.execute(f"DROP DATABASE IF EXISTS `{schema}`")
        database.execute(f"DROP DATABASE IF EXISTS `{database.progress_schema}`")
        database.connection.close()
