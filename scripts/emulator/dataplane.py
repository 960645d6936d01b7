"""The emulated DMS data plane: a full load really copies rows between MySQL-compatible databases.

The control plane (``dms.py``) answers the API; this module moves data. When a task starts with a
full load (``start-replication`` or ``reload-target`` of a ``full-load`` or ``full-load-and-cdc``
task) and both of its endpoints are MySQL-compatible (``mysql``, ``mariadb``, ``aurora``), the
tables its selection rules include are copied from the source endpoint's server to the target's,
with the endpoints' own server, port, user and password, as DMS does while the task runs. Any
other task (another engine, a ``cdc`` task, ``resume-processing``) moves nothing, as before.

What it follows, and where AWS documents it:
- selection rules ``include`` / ``exclude`` with the wildcards ``%`` and ``_`` in
  ``object-locator`` ("Selection rules and actions", "Wildcards in table mapping",
  https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Selections.html,
  .../CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Wildcards.html);
- the transformation rule ``rename`` of a schema ("Transformation rules and actions",
  .../CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Transformations.html).
  Every other transformation rule (``data-masking-*`` included) is refused: the load fails
  rather than copy what a rule says must not arrive as it is;
- ``FullLoadSettings.TargetTablePrepMode``: ``DROP_AND_CREATE`` (the default), ``TRUNCATE_BEFORE_LOAD``
  or ``DO_NOTHING`` ("Full-load task settings",
  https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.FullLoad.html);
- a table goes to the schema of its source schema's name (after a rename), or to the target
  endpoint's ``DatabaseName`` when it has one (``MySQLSettings.TargetDbType`` ``specific-database``,
  https://docs.aws.amazon.com/dms/latest/APIReference/API_MySQLSettings.html).

Simplifications: tables are created from the source's ``SHOW CREATE TABLE`` (DMS creates only the
primary key and maps types itself), and the load runs inside ``StartReplicationTask``'s answer
(DMS loads in the background while the task is ``running``; the emulator ends the run on request).
A load that fails leaves the task ``failed`` with DMS's stop reason and the error, as DMS fails a
task whose full load hits an error it cannot recover from.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from moto.dms.models import dms_backends

log = logging.getLogger("dms-automation.dataplane")

MYSQL_ENGINES = frozenset({"mysql", "mariadb", "aurora"})
PREP_MODES = ("DROP_AND_CREATE", "TRUNCATE_BEFORE_LOAD", "DO_NOTHING")
DEFAULT_PREP_MODE = "DROP_AND_CREATE"
SYSTEM_SCHEMAS = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
BATCH_ROWS = 1000
_ENDPOINT_ARN = re.compile(r"^arn:[^:]+:dms:(?P<region>[^:]+):(?P<account>[^:]*):endpoint:")


class LoadError(RuntimeError):
    """The full load cannot run as the task defines it; the message says what and how to fix it."""


@dataclass(frozen=True)
class Endpoint:
    """What DMS knows of an endpoint, enough to connect to a MySQL-compatible database."""

    identifier: str
    engine: str
    host: str
    port: int
    username: str
    password: str
    database: str | None = None

    def connect(self) -> Any:
        import pymysql  # the emulator's environment has it (the masking tests use it too)

        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.username,
            password=self.password,
            connect_timeout=5,
            charset="utf8mb4",
            autocommit=False,
        )


@dataclass
class TableLoad:
    source: str
    target: str
    rows: int


@dataclass
class LoadReport:
    tables: list[TableLoad] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def __str__(self) -> str:
        loaded = ", ".join(f"{t.source} -> {t.target} ({t.rows} rows)" for t in self.tables)
        return f"full load: {loaded or 'no table selected'}"


# ---------------------------------------------------------------------------------------------
# Table mappings
# ---------------------------------------------------------------------------------------------
def _like(pattern: str) -> re.Pattern[str]:
    """A DMS object-locator name as a regular expression: % any run, _ one character, [..] a set."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("^" + "".join(out) + "$")


@dataclass(frozen=True)
class Mappings:
    includes: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    excludes: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    schema_renames: tuple[tuple[re.Pattern[str], str], ...]

    @classmethod
    def parse(cls, document: str | None) -> Mappings:
        try:
            rules = json.loads(document or "{}").get("rules", [])
        except (json.JSONDecodeError, AttributeError) as error:
            raise LoadError(f"the task's table mappings are not a JSON object with rules: {error}") from None
        includes, excludes, renames = [], [], []
        for rule in rules:
            locator = rule.get("object-locator") or {}
            schema = _like(str(locator.get("schema-name", "%")))
            table = _like(str(locator.get("table-name", "%")))
            kind, action = rule.get("rule-type"), rule.get("rule-action")
            name = rule.get("rule-name") or rule.get("rule-id")
            if kind == "selection" and action in ("include", "explicit"):
                includes.append((schema, table))
            elif kind == "selection" and action == "exclude":
                excludes.append((schema, table))
            elif kind == "transformation" and action == "rename" and rule.get("rule-target") == "schema":
                renames.append((schema, str(rule["value"])))
            else:
                raise LoadError(
                    f"table-mapping rule {name!r} ({kind} {rule.get('rule-target', '')} {action}) is not "
                    "one the emulated full load applies (selection include/explicit/exclude, schema rename); "
                    "it refuses to copy rows such a rule would change"
                )
        return cls(tuple(includes), tuple(excludes), tuple(renames))

    def selects(self, schema: str, table: str) -> bool:
        def hit(rules: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]) -> bool:
            return any(s.match(schema) and t.match(table) for s, t in rules)

        return hit(self.includes) and not hit(self.excludes)

    def target_schema(self, schema: str) -> str:
        for pattern, value in self.schema_renames:
            if pattern.match(schema):
                return value
        return schema


def prep_mode(settings: str | None) -> str:
    try:
        document = json.loads(settings or "{}") or {}
    except json.JSONDecodeError as error:
        raise LoadError(f"the task's settings are not JSON: {error}") from None
    mode = str((document.get("FullLoadSettings") or {}).get("TargetTablePrepMode") or DEFAULT_PREP_MODE)
    if mode not in PREP_MODES:
        allowed = ", ".join(PREP_MODES)
        raise LoadError(f"FullLoadSettings.TargetTablePrepMode {mode!r} is not one of {allowed}")
    return mode


# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------
def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _source_tables(cursor: Any, mappings: Mappings) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
        "WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME"
    )
    return [
        (schema, table)
        for schema, table in cursor.fetchall()
        if schema.lower() not in SYSTEM_SCHEMAS and mappings.selects(schema, table)
    ]


def full_load(
    source: Endpoint, target: Endpoint, table_mappings: str | None, settings: str | None
) -> LoadReport:
    """Copy every table the mappings select from ``source`` to ``target``; returns what was copied."""
    mappings = Mappings.parse(table_mappings)
    mode = prep_mode(settings)
    report = LoadReport()
    reader, writer = source.connect(), target.connect()
    try:
        with reader.cursor() as read, writer.cursor() as write:
            for schema, table in _source_tables(read, mappings):
                into_schema = target.database or mappings.target_schema(schema)
                into = f"{_quote(into_schema)}.{_quote(table)}"
                read.execute(f"SHOW CREATE TABLE {_quote(schema)}.{_quote(table)}")
                create = read.fetchone()[1].replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
                create = create.replace(f"IF NOT EXISTS {_quote(table)}", f"IF NOT EXISTS {into}", 1)
                write.execute(f"CREATE DATABASE IF NOT EXISTS {_quote(into_schema)}")
                if mode == "DROP_AND_CREATE":
                    write.execute(f"DROP TABLE IF EXISTS {into}")
                write.execute(create)
                if mode == "TRUNCATE_BEFORE_LOAD":
                    write.execute(f"TRUNCATE TABLE {into}")
                read.execute(f"SELECT * FROM {_quote(schema)}.{_quote(table)}")
                columns = ", ".join(_quote(d[0]) for d in read.description)
                marks = ", ".join(["%s"] * len(read.description))
                copied = 0
                while batch := read.fetchmany(BATCH_ROWS):
                    write.executemany(f"INSERT INTO {into} ({columns}) VALUES ({marks})", batch)
                    copied += len(batch)
                writer.commit()
                report.tables.append(TableLoad(f"{schema}.{table}", f"{into_schema}.{table}", copied))
    finally:
        reader.close()
        writer.close()
    return report


# ---------------------------------------------------------------------------------------------
# The hook the emulated task lifecycle calls
# ---------------------------------------------------------------------------------------------
def _endpoint(arn: str) -> Any:
    match = _ENDPOINT_ARN.match(arn or "")
    if not match:
        return None
    backend = dms_backends[match["account"]][match["region"]]
    return next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)


def _as_endpoint(endpoint: Any) -> Endpoint | None:
    if endpoint is None or not endpoint.server_name:
        return None
    if (endpoint.engine_name or "").lower() not in MYSQL_ENGINES:
        return None
    return Endpoint(
        identifier=endpoint.endpoint_identifier,
        engine=endpoint.engine_name,
        host=endpoint.server_name,
        port=int(endpoint.port or 3306),
        username=endpoint.username or "",
        password=endpoint.password or "",
        database=endpoint.database_name or None,
    )


def on_task_start(task: Any, start_type: str) -> LoadReport | None:
    """Run the full load of a task that just started, when it has one and both endpoints are MySQL.

    ``task`` is the emulated task: ``migration_type``, ``source_endpoint_arn``,
    ``target_endpoint_arn``, ``table_mappings`` and its settings (``replication_task_settings``
    or ``settings``). Its ``load_report`` is set; when the load fails the task ends ``failed`` as
    DMS ends it (``StopReason`` ``FATAL_ERROR``, the error in ``LastFailureMessage``), and a task
    that would settle to another status on its own (``settles_to``) stays failed.
    """
    task.load_report = None
    if task.migration_type == "cdc" or start_type == "resume-processing":
        return None
    source = _as_endpoint(_endpoint(task.source_endpoint_arn))
    target = _as_endpoint(_endpoint(task.target_endpoint_arn))
    if source is None or target is None:
        return None
    settings = getattr(task, "replication_task_settings", None) or getattr(task, "settings", None)
    name = getattr(task, "identifier", None) or getattr(task, "id", "?")
    try:
        report = full_load(source, target, task.table_mappings, settings)
    except Exception as error:  # any failure of the load fails the task, as in DMS
        log.warning("full load of task %s failed: %s", name, error)
        task.status = "failed"
        if hasattr(task, "settles_to"):
            task.settles_to = None
        task.stop_reason = "Stop Reason FATAL_ERROR"
        task.last_failure_message = f"Last Error Full load failed: {error} Task error notification received"
        return None
    log.info("task %s: %s", name, report)
    task.load_report = report
    return report


def table_statistics(report: LoadReport) -> list[dict[str, Any]]:
    """The load as DescribeTableStatistics reports it: one completed table per copied table
    (``TableStatistics``, https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html)."""
    return [
        {
            "SchemaName": table.source.split(".", 1)[0],
            "TableName": table.source.split(".", 1)[1],
            "FullLoadRows": table.rows,
            "TableState": "Table completed",
        }
        for table in report.tables
    ]
