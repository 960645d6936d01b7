"""Database preparation: DMS users on the source and the target, and the secrets DMS reads.

A one-shot function (``dms_automation.db_prep.handler``) that modules/baseline invokes on apply.
DMS cannot use the master-user secrets RDS manages: they hold no host or port ("Using secrets to
access AWS Database Migration Service endpoints",
https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html), and their
password rotates (every 7 days by default). So, for each side, the function

1. reads the RDS-managed master secret at run time (never Terraform);
2. generates a password for a dedicated DMS user and creates the user, or resets its password,
   with the grants AWS documents for that side (statements below);
3. on the Oracle source of a ``cdc`` / ``full-load-and-cdc`` task, also prepares CDC through the
   ``rdsadmin`` procedures RDS for Oracle provides (archive-log retention, supplemental logging);
4. writes a version of the DMS secret whose container Terraform created, in the RDS secret JSON
   structure of Secrets Manager ("JSON structure of AWS Secrets Manager secrets",
   https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html):
   ``engine``, ``host``, ``port``, ``username``, ``password``, ``dbname`` — the four DMS requires
   and the two it reads from an RDS secret.

The password is set in the database before the secret is written, so a failure leaves the old
secret and the function can simply run again (every run resets the password: it is safe to run
twice). It returns what it did, never a password: Terraform keeps the result in its state.

On the target it also creates the user after-load masking connects as (``masking``), with only
what the masking engine does (``masking_statements``), and writes that user's secret the same way:
the post-process Lambda never connects as the cluster's master user.

The event, built by Terraform (ARNs, host names and names only)::

    {"target": {"master_secret_arn", "dms_secret_arn", "host", "port", "dbname", "username",
                "schemas": [...],
                "masking": {"secret_arn", "username", "schemas": [...], "coverage_schemas": [...],
                            "progress_schema"}},
     "source": {"master_secret_arn", "dms_secret_arn", "host", "port", "dbname", "username",
                "cdc": true|false}}

Either side may be absent (its DMS secret was given by the user); the target's DMS user
(``dms_secret_arn``, ``username``) may be absent when only the masking user is prepared.

The MySQL side uses PyMySQL (in the package); the Oracle side uses python-oracledb in thin mode,
which is *not* in the package (its wheels are compiled per platform, and the package is a
pure-Python, byte-reproducible zip): give the function a Lambda layer with it
(modules/baseline ``oracle_driver_layer_arn``).
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from dms_automation import aws
from dms_automation.db_prep_oracle import (
    ARCHIVELOG_RETENTION_HOURS,
    GRANT_SYS_OBJECT,
    ORACLE_EXECUTE_OBJECTS,
    ORACLE_PRIVILEGES,
    ORACLE_SYS_OBJECTS,
    ORACLE_USER_EXISTS,
    SET_CONFIGURATION,
    SUPPLEMENTAL_LOGGING,
    SUPPLEMENTAL_LOGGING_TYPE,
    oracle_statements,
)
from dms_automation.errors import PreparationError
from dms_automation.log import DecisionLog

_MYSQL_USER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MYSQL_SCHEMA = re.compile(r"^[A-Za-z0-9_$]{1,64}$")
__all__ = [
    "ARCHIVELOG_RETENTION_HOURS",
    "GRANT_SYS_OBJECT",
    "ORACLE_EXECUTE_OBJECTS",
    "ORACLE_PRIVILEGES",
    "ORACLE_SYS_OBJECTS",
    "ORACLE_USER_EXISTS",
    "SET_CONFIGURATION",
    "SUPPLEMENTAL_LOGGING",
    "SUPPLEMENTAL_LOGGING_TYPE",
    "PreparationError",
    "handler",
    "oracle_statements",
    "prepare",
]
PASSWORD_LENGTH = 30  # Oracle's limit; MySQL takes longer ones


class Cursor(Protocol):
    def execute(self, statement: str, parameters: Any = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...


def new_password(choice: Callable[[str], str] = secrets.choice) -> str:
    """30 characters, a letter first, letters and digits only: valid unquoted-safe for both
    engines (Oracle's password limit is 30 bytes), so it is never escaped into a statement."""
    letters = string.ascii_letters
    return choice(letters) + "".join(choice(letters + string.digits) for _ in range(PASSWORD_LENGTH - 1))


def _names(raw: Any, where: str) -> tuple[str, ...]:
    names = raw or []
    if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
        raise PreparationError(f"{where} must be a list of names")
    return tuple(names)


@dataclass(frozen=True)
class MaskingUser:
    """The target user after-load masking connects as, and the secret Terraform created for it."""

    secret_arn: str
    username: str
    schemas: tuple[str, ...]
    coverage_schemas: tuple[str, ...] = ()
    progress_schema: str = "dms_automation"

    @classmethod
    def from_event(cls, raw: Any) -> MaskingUser:
        if not isinstance(raw, Mapping):
            raise PreparationError("event.target.masking must be an object")
        missing = [k for k in ("secret_arn", "username", "schemas") if not raw.get(k)]
        if missing:
            raise PreparationError(f"event.target.masking lacks {', '.join(missing)}")
        return cls(
            secret_arn=str(raw["secret_arn"]),
            username=str(raw["username"]),
            schemas=_names(raw["schemas"], "event.target.masking.schemas"),
            coverage_schemas=_names(raw.get("coverage_schemas"), "event.target.masking.coverage_schemas"),
            progress_schema=str(raw.get("progress_schema") or "dms_automation"),
        )


@dataclass(frozen=True)
class Side:
    master_secret_arn: str
    dms_secret_arn: str
    host: str
    port: int
    dbname: str
    username: str
    cdc: bool = False
    schemas: tuple[str, ...] = field(default_factory=tuple)
    masking: MaskingUser | None = None

    @classmethod
    def from_event(cls, name: str, raw: Any) -> Side:
        if not isinstance(raw, Mapping):
            raise PreparationError(f"event.{name} must be an object")
        masking = MaskingUser.from_event(raw["masking"]) if name == "target" and raw.get("masking") else None
        # The target may carry only the masking user; otherwise the DMS user is required.
        dms_keys = (
            ()
            if masking and not (raw.get("dms_secret_arn") or raw.get("username"))
            else (
                "dms_secret_arn",
                "username",
            )
        )
        missing = [k for k in ("master_secret_arn", *dms_keys, "host", "port") if not raw.get(k)]
        if missing:
            raise PreparationError(f"event.{name} lacks {', '.join(missing)}")
        return cls(
            master_secret_arn=str(raw["master_secret_arn"]),
            dms_secret_arn=str(raw.get("dms_secret_arn") or ""),
            host=str(raw["host"]),
            port=int(raw["port"]),
            dbname=str(raw.get("dbname") or ""),
            username=str(raw.get("username") or ""),
            cdc=bool(raw.get("cdc", False)),
            schemas=_names(raw.get("schemas"), f"event.{name}.schemas"),
            masking=masking,
        )


# ---------------------------------------------------------------------------------------------
# MySQL-compatible target (Aurora MySQL)
# ---------------------------------------------------------------------------------------------
# "Using a MySQL-compatible database as a target for AWS Database Migration Service",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.MySQL.html#CHAP_Target.MySQL.Prerequisites:
# the DMS user needs ALTER, CREATE, DROP, INDEX, INSERT, UPDATE, DELETE, SELECT on the target
# schemas and all privileges on the awsdms_control schema DMS keeps its own tables in.
MYSQL_TARGET_PRIVILEGES = "ALTER, CREATE, DROP, INDEX, INSERT, UPDATE, DELETE, SELECT"
MYSQL_CONTROL_SCHEMA = "awsdms_control"


def mysql_statements(
    username: str, password: str, schemas: Iterable[str]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that create (or reset) the DMS user on the target and grant what DMS needs.

    Names are validated and quoted; the password goes as a bound parameter. An empty schema list
    (a table selection by pattern: the target schemas are not known in advance) grants on ``*.*``.
    """
    if not _MYSQL_USER.match(username):
        raise PreparationError(f"target DMS user name {username!r} must be lower-case letters, digits, _")
    names = sorted(set(schemas))
    bad = [s for s in names if not _MYSQL_SCHEMA.match(s)]
    if bad:
        raise PreparationError(f"target schema names {bad} are not plain MySQL identifiers")
    account = f"'{username}'@'%'"
    # With parameters the driver formats the statement: the account goes as parameters too.
    statements: list[tuple[str, tuple[Any, ...]]] = [
        ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (username, "%", password)),
        ("ALTER USER %s@%s IDENTIFIED BY %s", (username, "%", password)),
    ]
    targets = [f"`{s}`.*" for s in names] or ["*.*"]
    statements += [(f"GRANT {MYSQL_TARGET_PRIVILEGES} ON {target} TO {account}", ()) for target in targets]
    statements.append((f"GRANT ALL PRIVILEGES ON `{MYSQL_CONTROL_SCHEMA}`.* TO {account}", ()))
    return statements


# The masking user: what dms_automation.masking does on the target, and nothing else.
# - the masked tables: SELECT (the chunk bounds, information_schema's COLUMNS and STATISTICS of the
#   table, the columns an UPDATE reads) and UPDATE, on the schemas of the after-load rules;
# - the coverage check: reads information_schema.COLUMNS and TABLES, which show a user only the
#   tables it holds some privilege on ("INFORMATION_SCHEMA Usage Notes",
#   https://dev.mysql.com/doc/refman/8.0/en/information-schema-introduction.html): REFERENCES on
#   the other schemas it checks makes their columns visible without letting it read a row;
# - its progress: CREATE (CREATE DATABASE / TABLE IF NOT EXISTS), SELECT, INSERT, UPDATE on the
#   progress schema.
# No DROP, DELETE, ALTER, no other schema, no global privilege. Every run first revokes what the
# user held, so a schema dropped from the rules loses its grant.
MASKING_PRIVILEGES = "SELECT, UPDATE"
MASKING_COVERAGE_PRIVILEGES = "REFERENCES"
MASKING_PROGRESS_PRIVILEGES = "CREATE, SELECT, INSERT, UPDATE"


def masking_statements(
    username: str,
    password: str,
    schemas: Iterable[str],
    coverage_schemas: Iterable[str] = (),
    progress_schema: str = "dms_automation",
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that create (or reset) the masking user with exactly the grants masking uses."""
    if not _MYSQL_USER.match(username):
        raise PreparationError(f"masking user name {username!r} must be lower-case letters, digits, _")
    masked = sorted(set(schemas))
    checked = sorted(set(coverage_schemas) - set(masked) - {progress_schema})
    if not masked:
        raise PreparationError(
            "the masking user needs the schemas of the after-load masking rules; none given"
        )
    bad = [s for s in [*masked, *checked, progress_schema] if not _MYSQL_SCHEMA.match(s)]
    if bad:
        raise PreparationError(f"masking schema names {bad} are not plain MySQL identifiers")
    if progress_schema in masked:
        raise PreparationError(f"the masking progress schema {progress_schema!r} is also a masked schema")
    account = f"'{username}'@'%'"
    statements: list[tuple[str, tuple[Any, ...]]] = [
        ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (username, "%", password)),
        ("ALTER USER %s@%s IDENTIFIED BY %s", (username, "%", password)),
        (f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}", ()),
    ]
    statements += [(f"GRANT {MASKING_PRIVILEGES} ON `{s}`.* TO {account}", ()) for s in masked]
    statements += [(f"GRANT {MASKING_COVERAGE_PRIVILEGES} ON `{s}`.* TO {account}", ()) for s in checked]
    statements.append((f"GRANT {MASKING_PROGRESS_PRIVILEGES} ON `{progress_schema}`.* TO {account}", ()))
    return statements


# ---------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------
Connector = Callable[[Side, Mapping[str, Any]], Any]


def connect_mysql(side: Side, master: Mapping[str, Any]) -> Any:
    import pymysql

    return pymysql.connect(
        host=side.host,
        port=side.port,
        user=str(master["username"]),
        password=str(master["password"]),
        connect_timeout=10,
        autocommit=True,
    )


def connect_oracle(side: Side, master: Mapping[str, Any]) -> Any:
    try:
        import oracledb  # type: ignore[import-not-found]
    except ImportError as error:
        raise PreparationError(
            "python-oracledb is not available to the function: the package does not ship it (its wheels "
            "are platform builds); give modules/baseline oracle_driver_layer_arn a Lambda layer with "
            "python-oracledb for Python 3.12 on x86_64, or give source_dms_secret_arn with a DMS user "
            "you created"
        ) from error
    return oracledb.connect(
        user=str(master["username"]),
        password=str(master["password"]),
        dsn=f"{side.host}:{side.port}/{side.dbname}",
    )


def _run(cursor: Cursor, statements: list[tuple[str, tuple[Any, ...]]]) -> int:
    for statement, parameters in statements:
        if parameters:
            cursor.execute(statement, parameters)
        else:
            cursor.execute(statement)
    return len(statements)


def prepare_target(side: Side, master: Mapping[str, Any], password: str, connect: Connector) -> int:
    connection = connect(side, master)
    try:
        with connection.cursor() as cursor:
            return _run(cursor, mysql_statements(side.username, password, side.schemas))
    finally:
        connection.close()


def prepare_masking_user(side: Side, master: Mapping[str, Any], password: str, connect: Connector) -> int:
    assert side.masking is not None
    user = side.masking
    connection = connect(side, master)
    try:
        with connection.cursor() as cursor:
            return _run(
                cursor,
                masking_statements(
                    user.username, password, user.schemas, user.coverage_schemas, user.progress_schema
                ),
            )
    finally:
        connection.close()


def prepare_source(side: Side, master: Mapping[str, Any], password: str, connect: Connector) -> int:
    connection = connect(side, master)
    try:
        cursor = connection.cursor()
        cursor.execute(ORACLE_USER_EXISTS, (side.username,))
        row = cursor.fetchone()
        exists = bool(row and int(row[0]))
        return _run(cursor, oracle_statements(side.username, password, exists, side.cdc))
    finally:
        connection.close()


def dms_secret(side: Side, engine: str, password: str, username: str | None = None) -> str:
    return json.dumps(
        {
            "engine": engine,
            "host": side.host,
            "port": side.port,
            "username": side.username if username is None else username,
            "password": password,
            "dbname": side.dbname,
        }
    )


def prepare(
    event: Mapping[str, Any],
    secretsmanager: Any,
    log: DecisionLog,
    connectors: Mapping[str, Connector] | None = None,
    password: Callable[[], str] = new_password,
) -> dict[str, Any]:
    connect = {"target": connect_mysql, "source": connect_oracle, **(connectors or {})}
    engines = {"target": "mysql", "source": "oracle"}
    sides = {name: Side.from_event(name, event[name]) for name in ("target", "source") if event.get(name)}
    if not sides:
        raise PreparationError("the event names neither a source nor a target to prepare")
    done: dict[str, Any] = {}
    for name, side in sides.items():
        master = json.loads(
            aws.call(secretsmanager.get_secret_value, SecretId=side.master_secret_arn)["SecretString"]
        )
        if not master.get("username") or "password" not in master:
            raise PreparationError(
                f"the {name} master secret {side.master_secret_arn} lacks username or password"
            )
        if side.dms_secret_arn:
            secret_password = password()
            runner = prepare_target if name == "target" else prepare_source
            count = runner(side, master, secret_password, connect[name])
            aws.call(
                secretsmanager.put_secret_value,
                SecretId=side.dms_secret_arn,
                SecretString=dms_secret(side, engines[name], secret_password),
            )
            done[name] = {
                "user": side.username,
                "statements": count,
                "secret": side.dms_secret_arn,
                "cdc": side.cdc,
            }
            log.info(
                "database-prepared",
                seen=f"{name} {side.host}:{side.port}",
                done=f"DMS user {side.username} ready ({count} statements), secret version written",
                why="DMS endpoints read dedicated users' secrets, not the RDS-managed master secret",
            )
        if side.masking:
            user = side.masking
            secret_password = password()
            count = prepare_masking_user(side, master, secret_password, connect[name])
            aws.call(
                secretsmanager.put_secret_value,
                SecretId=user.secret_arn,
                SecretString=dms_secret(side, engines[name], secret_password, username=user.username),
            )
            done["masking"] = {
                "user": user.username,
                "statements": count,
                "secret": user.secret_arn,
                "schemas": list(user.schemas),
            }
            log.info(
                "database-prepared",
                seen=f"{name} {side.host}:{side.port}",
                done=f"masking user {user.username} ready ({count} statements), secret version written",
                why="after-load masking connects with only the grants it uses, not as the master user",
            )
    return {"prepared": done}


def handler(event: Any, context: Any) -> dict[str, Any]:
    log = DecisionLog("db_prep", str(getattr(context, "aws_request_id", "") or ""))
    if not isinstance(event, Mapping):
        raise PreparationError("the event must be an object")
    try:
        return prepare(event, aws.client("secretsmanager"), log)
    except Exception as error:
        log.error("database-preparation-failed", error=str(error), done="nothing more", why="see the error")
        raise
