"""Masking of the target after a load: rules as data, applied as set-based, chunked, resumable SQL.

The post-process handler calls ``mask_after_load(run_id, context)``: it reads the rules (from the
SSM parameter the environment names), the database secret and the masking key, masks until the
Lambda is close to its time limit and returns a ``Progress``; ``Progress.done`` False means
"invoke again with the same run_id".
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from dms_automation.config import ConfigError
from dms_automation.log import DecisionLog
from dms_automation.options import env_int

from . import document
from .connection import SecretError, connection_settings, from_secret
from .engine import DEFAULT_CHUNK_ROWS, DEFAULT_PROGRESS_SCHEMA, PROGRESS_TABLE, MaskingError, Progress, run
from .key import KEYED_STRATEGIES, MaskingKey, MaskingKeyError, read_key
from .rules import STRATEGIES, MaskingRule, MaskingRuleError, parse_rules
from .sensitive import (
    DEFAULT_PATTERNS,
    MAX_LISTED,
    CoverageSettings,
    UnmaskedColumnsError,
    coverage,
    coverage_report,
)

__all__ = [
    "DEFAULT_PATTERNS",
    "PROGRESS_TABLE",
    "STRATEGIES",
    "CoverageSettings",
    "MaskingError",
    "MaskingKey",
    "MaskingKeyError",
    "MaskingRule",
    "MaskingRuleError",
    "Progress",
    "SecretError",
    "UnmaskedColumnsError",
    "connection_settings",
    "coverage",
    "coverage_report",
    "deadline_from_context",
    "from_secret",
    "mask_after_load",
    "parse_rules",
    "read_key",
    "run",
]

# Seconds kept free at the end of an invocation: the last chunk's commit, the handler's own work.
DEFAULT_RESERVE_SECONDS = 30.0


def deadline_from_context(
    context: Any,
    reserve_seconds: float = DEFAULT_RESERVE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> float | None:
    """The ``clock()`` time by which masking must pause, from a Lambda context; None without one."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return clock() + max(float(remaining()) / 1000.0 - reserve_seconds, 0.0)


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number 1 or more, parsed as every other setting is (``options.env_int``)."""
    try:
        return env_int(env, name, default, 1, 10**9)
    except ConfigError as error:
        raise MaskingRuleError(str(error)) from None


def mask_after_load(
    run_id: str,
    context: Any,
    environ: Mapping[str, str] | None = None,
    secretsmanager: Any = None,
    connection_factory: Callable[[], Any] | None = None,
    ssm: Any = None,
    log: DecisionLog | None = None,
) -> Progress:
    """Apply the after-load masking rules to the database of ``MASKING_SECRET_ARN``.

    Progress and the coverage check are written to ``log`` (default: a decision log of the
    post-process function, with the context's request id and ``REPLICATION_TASK_ARN``).

    Environment: ``MASKING_RULES_PARAMETER`` (the SSM parameter modules/automation writes the
    rules to, see ``document``) or ``MASKING_RULES`` (the rules' JSON; both empty or unset:
    nothing to do), ``MASKING_SECRET_ARN`` (required when there are rules),
    optional ``MASKING_CHUNK_ROWS`` (default 10000), ``MASKING_PROGRESS_SCHEMA`` (default
    ``dms_automation``), ``MASKING_RESERVE_SECONDS`` (default 30), ``MASKING_SSL_CA`` (a CA bundle
    path inside the package, to require TLS), ``MASKING_DB_HOST`` / ``MASKING_DB_PORT`` /
    ``MASKING_DB_NAME`` (used where the secret lacks host, port or dbname, as RDS-managed master
    secrets do). ``hash`` and ``fake_email`` rules need ``MASKING_KEY_SECRET`` (the name or ARN of
    the secret holding the HMAC key; ``MASKING_KEY_GENERATE=true``: the module created it empty and
    the first run stores a generated key).
    """
    env = os.environ if environ is None else environ
    log = log or DecisionLog(
        "post_process",
        str(getattr(context, "aws_request_id", "") or ""),
        task_arn=env.get("REPLICATION_TASK_ARN", ""),
    )
    loaded = document.load(env, ssm)
    default_where, settings = "after_load", CoverageSettings()
    if isinstance(loaded, dict):
        default_where = str(loaded.get("default_where") or default_where)
        settings = CoverageSettings.from_document(loaded.get("coverage"))
        loaded = loaded.get("rules", [])
    if not isinstance(loaded, list):
        raise MaskingRuleError('masking rules must be a JSON list, or an object {"rules": [...]}')
    every_rule = parse_rules(loaded, default_where)
    rules = [rule for rule in every_rule if rule.where == "after_load"]
    if not rules:
        return Progress(run_id=run_id, done=True)
    if connection_factory is None:
        secret = env.get("MASKING_SECRET_ARN", "").strip()
        if not secret:
            raise MaskingRuleError(
                "environment variable MASKING_SECRET_ARN is missing or empty; after-load masking rules need "
                "the target database's Secrets Manager secret (username, password, host, port, dbname)"
            )
        defaults = {
            "host": env.get("MASKING_DB_HOST", "").strip(),
            "port": env.get("MASKING_DB_PORT", "").strip(),
            "dbname": env.get("MASKING_DB_NAME", "").strip(),
        }
        connection_factory = from_secret(
            secret, secretsmanager, env.get("MASKING_SSL_CA") or None, defaults=defaults
        )
    key = None
    if any(rule.strategy in KEYED_STRATEGIES for rule in rules):
        key_secret = env.get("MASKING_KEY_SECRET", "").strip()
        if not key_secret:
            raise MaskingRuleError(
                "environment variable MASKING_KEY_SECRET is missing or empty; hash and fake_email rules need "
                "the Secrets Manager secret of the masking key"
            )
        generate = env.get("MASKING_KEY_GENERATE", "").strip().lower() == "true"
        key = read_key(key_secret, secretsmanager, generate=generate)
    reserve = float(_int_env(env, "MASKING_RESERVE_SECONDS", int(DEFAULT_RESERVE_SECONDS)))
    progress_schema = env.get("MASKING_PROGRESS_SCHEMA", "").strip() or DEFAULT_PROGRESS_SCHEMA
    progress = run(
        rules,
        connection_factory,
        run_id,
        deadline_from_context(context, reserve),
        chunk_rows=_int_env(env, "MASKING_CHUNK_ROWS", DEFAULT_CHUNK_ROWS),
        progress_schema=progress_schema,
        key=key,
        log=log,
    )
    if progress.done:
        check_coverage(progress, every_rule, connection_factory, settings, progress_schema, context, log)
    return progress


def check_coverage(
    progress: Progress,
    rules: list[MaskingRule],
    connection_factory: Callable[[], Any],
    settings: CoverageSettings,
    progress_schema: str = DEFAULT_PROGRESS_SCHEMA,
    context: Any = None,
    log: DecisionLog | None = None,
) -> list[str]:
    """Run the coverage check after a masked load: sets ``progress.uncovered``, writes one
    ``masking-coverage`` decision line (the UnmaskedColumns metric counts ``uncovered_count``) and
    raises ``UnmaskedColumnsError`` when ``settings.fail`` and a column is left unmasked."""
    uncovered, unseen = coverage_report(
        connection_factory, rules, settings.patterns, settings.schemas, [progress_schema]
    )
    progress.uncovered, progress.unseen_schemas = uncovered, unseen
    log = log or DecisionLog("post_process", str(getattr(context, "aws_request_id", "") or ""))
    fields: dict[str, Any] = {
        "seen": f"run {progress.run_id}: {len(uncovered)} column(s) that look sensitive and no rule masks"
        + (
            f"; schema(s) {', '.join(unseen)} not visible to the masking user, so not checked"
            if unseen
            else ""
        ),
        "uncovered_count": len(uncovered),
        "uncovered_columns": uncovered[:MAX_LISTED],
        "unseen_schemas": unseen or None,
    }
    if not uncovered and not unseen:
        log.info("masking-coverage", done="nothing", why="every sensitive-looking column is masked", **fields)
        return uncovered
    if settings.fail:
        log.error(
            "masking-coverage",
            done="failed the run; the trigger stays disabled",
            why="fail_on_unmasked_columns is set",
            **fields,
        )
        if not uncovered:
            raise UnmaskedColumnsError(
                f"the coverage check cannot see schema(s) {', '.join(unseen)}: they do not exist, or the "
                "masking user holds no privilege there (modules/baseline grants REFERENCES on "
                "masking_user.coverage_schemas); fix masking_coverage_schemas or the grants"
            )
        listed = ", ".join(uncovered[:20]) + (" ..." if len(uncovered) > 20 else "")
        raise UnmaskedColumnsError(
            f"{len(uncovered)} column(s) look sensitive and no masking rule covers them: {listed}; add rules "
            "for them, or narrow masking_sensitive_column_patterns, or set fail_on_unmasked_columns = false"
        )
    log.warning(
        "masking-coverage",
        done="reported",
        why="add masking rules for these columns, or narrow masking_sensitive_column_patterns"
        + ("; grant the masking user a privilege on the unseen schemas, or drop them" if unseen else ""),
        **fields,
    )
    return uncovered
