"""The target side of database preparation against a real MariaDB server: the DMS user exists
with the documented grants, can log in with the password written to its secret, and a second
run resets the password (the old one stops working)."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest

from dms_automation import db_prep
from scripts.mariadb_server import MariaDB


def _side(server: MariaDB, schemas: tuple[str, ...]) -> db_prep.Side:
    return db_prep.Side(
        "arn:master", "arn:dms", "127.0.0.1", server.port, "", "dms_target_t", schemas=schemas
    )


def _login(server: MariaDB, password: str) -> Any:
    return pymysql.connect(host="127.0.0.1", port=server.port, user="dms_target_t", password=password)


def test_the_dms_user_gets_the_documented_grants_and_its_password_is_reset_on_each_run(
    mariadb: MariaDB,
) -> None:
    master = mariadb.secret()
    side = _side(mariadb, ("HR",))
    first = db_prep.new_password()
    try:
        db_prep.prepare_target(side, master, first, db_prep.connect_mysql)
        with _login(mariadb, first) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW GRANTS")
            grants = " ".join(row[0] for row in cursor.fetchall())
        assert "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `HR`.*" in grants
        assert "GRANT ALL PRIVILEGES ON `awsdms_control`.*" in grants
        assert "*.*" not in grants.replace("GRANT USAGE ON *.*", "")

        second = db_prep.new_password()
        db_prep.prepare_target(side, master, second, db_prep.connect_mysql)  # safe to run again
        with _login(mariadb, second):
            pass
        with pytest.raises(pymysql.err.OperationalError):
            _login(mariadb, first)
    finally:
        with mariadb.connect(autocommit=True) as admin, admin.cursor() as cursor:
            cursor.execute("DROP USER IF EXISTS 'dms_target_t'@'%'")
