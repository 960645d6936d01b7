"""The Oracle source's side of the database preparation (``dms_automation.db_prep``): the
statements that create the DMS user on RDS for Oracle, grant what DMS documents, and prepare the
database for CDC. Kept apart from the orchestration so each file reads on its own."""

from __future__ import annotations

import re
from typing import Any

from dms_automation.errors import PreparationError

_ORACLE_USER = re.compile(r"^[A-Z][A-Z0-9_]{0,29}$")

# ---------------------------------------------------------------------------------------------
# Oracle source (RDS for Oracle)
# ---------------------------------------------------------------------------------------------
# "Working with an AWS-managed Oracle database as a source for AWS DMS",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.Oracle.html#CHAP_Source.Oracle.Amazon-Managed:
# the user's privileges, and SELECT on the dictionary views granted through
# rdsadmin.rdsadmin_util.grant_sys_object (the master user cannot grant SYS objects directly).
ORACLE_PRIVILEGES = ("CREATE SESSION", "SELECT ANY TRANSACTION", "SELECT ANY TABLE", "LOGMINING")
ORACLE_SYS_OBJECTS = (
    "ALL_VIEWS",
    "ALL_TAB_PARTITIONS",
    "ALL_INDEXES",
    "ALL_OBJECTS",
    "ALL_TABLES",
    "ALL_USERS",
    "ALL_CATALOG",
    "ALL_CONSTRAINTS",
    "ALL_CONS_COLUMNS",
    "ALL_TAB_COLS",
    "ALL_IND_COLUMNS",
    "ALL_LOG_GROUPS",
    "ALL_ENCRYPTED_COLUMNS",
    "DBA_TABLESPACES",
    "DBA_REGISTRY",
    "OBJ$",
    "V_$ARCHIVED_LOG",
    "V_$LOG",
    "V_$LOGFILE",
    "V_$DATABASE",
    "V_$THREAD",
    "V_$PARAMETER",
    "V_$NLS_PARAMETERS",
    "V_$TIMEZONE_NAMES",
    "V_$TRANSACTION",
    "V_$CONTAINERS",
    "V_$STANDBY_LOG",
    "V_$LOGMNR_LOGS",
    "V_$LOGMNR_CONTENTS",
)
ORACLE_EXECUTE_OBJECTS = ("DBMS_LOGMNR",)
# "Configuring an AWS-managed Oracle source for AWS DMS" (same page): CDC reads the archived redo
# logs through LogMiner, so they must be kept (24 hours here) and supplemental logging must be on
# at the database level and for primary keys; RDS for Oracle does both through rdsadmin.
ARCHIVELOG_RETENTION_HOURS = 24
GRANT_SYS_OBJECT = "BEGIN rdsadmin.rdsadmin_util.grant_sys_object(:1, :2, :3); END;"
SET_CONFIGURATION = "BEGIN rdsadmin.rdsadmin_util.set_configuration(:1, :2); END;"
SUPPLEMENTAL_LOGGING = "BEGIN rdsadmin.rdsadmin_util.alter_supplemental_logging(p_action => :1); END;"
SUPPLEMENTAL_LOGGING_TYPE = (
    "BEGIN rdsadmin.rdsadmin_util.alter_supplemental_logging(p_action => :1, p_type => :2); END;"
)


def oracle_statements(
    username: str, password: str, exists: bool, cdc: bool
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that create (or reset) the DMS user on the source, grant what DMS needs
    and, for CDC, prepare the database. The password cannot be a bind variable in DDL: it is
    generated as letters and digits only and double-quoted."""
    if not _ORACLE_USER.match(username):
        raise PreparationError(
            f"source DMS user name {username!r} must be an upper-case Oracle name (letter, then A-Z, 0-9, _)"
        )
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{7,29}", password):
        raise PreparationError("the generated source password is not letters and digits")
    verb = "ALTER" if exists else "CREATE"
    statements: list[tuple[str, tuple[Any, ...]]] = [
        (f'{verb} USER {username} IDENTIFIED BY "{password}"', ())
    ]
    statements += [(f"GRANT {privilege} TO {username}", ()) for privilege in ORACLE_PRIVILEGES]
    statements += [(GRANT_SYS_OBJECT, (name, username, "SELECT")) for name in ORACLE_SYS_OBJECTS]
    statements += [(GRANT_SYS_OBJECT, (name, username, "EXECUTE")) for name in ORACLE_EXECUTE_OBJECTS]
    if cdc:
        statements += [
            (SET_CONFIGURATION, ("archivelog retention hours", str(ARCHIVELOG_RETENTION_HOURS))),
            (SUPPLEMENTAL_LOGGING, ("ADD",)),
            (SUPPLEMENTAL_LOGGING_TYPE, ("ADD", "PRIMARY KEY")),
        ]
    return statements


ORACLE_USER_EXISTS = "SELECT COUNT(*) FROM dba_users WHERE username = :1"
