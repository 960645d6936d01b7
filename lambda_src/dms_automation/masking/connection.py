"""Connections to the target database from an RDS-style Secrets Manager secret.

The secret is the JSON that RDS and Secrets Manager's rotation templates use: ``username``,
``password``, ``host``, ``port`` (default 3306) and ``dbname`` (optional). A secret that RDS
manages for a cluster's master user holds only ``username`` and ``password``: ``defaults``
(from the module's ``MASKING_DB_*`` settings) fill in what the secret lacks. pymysql is imported
only when a connection is made, so the handlers import fast when no masking is configured.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from dms_automation import aws

REQUIRED_KEYS = ("username", "password", "host")


class SecretError(ValueError):
    """The database secret is missing a key or is not JSON; the message says which."""


def connection_settings(secret: Mapping[str, Any], source: str = "the secret") -> dict[str, Any]:
    missing = [key for key in REQUIRED_KEYS if not secret.get(key) and key != "password"]
    if "password" not in secret:
        missing.append("password")
    if missing:
        raise SecretError(
            f"{source} lacks {', '.join(missing)}; expected RDS secret JSON with username, password, host, "
            "port, dbname"
        )
    try:
        port = int(secret.get("port") or 3306)
    except (TypeError, ValueError):
        raise SecretError(f"{source}: port {secret.get('port')!r} is not a number") from None
    settings: dict[str, Any] = {
        "host": str(secret["host"]),
        "port": port,
        "user": str(secret["username"]),
        "password": str(secret["password"]),
        "connect_timeout": 10,
        "read_timeout": 600,
        "write_timeout": 600,
        "charset": "utf8mb4",
        "autocommit": False,
    }
    if secret.get("dbname"):
        settings["database"] = str(secret["dbname"])
    return settings


def connect(settings: Mapping[str, Any], ssl_ca: str | None = None) -> Any:
    import pymysql  # lazily: only the masking path needs it

    extra: dict[str, Any] = {"ssl": {"ca": ssl_ca}} if ssl_ca else {}
    return pymysql.connect(**settings, **extra)


def from_secret(
    secret_id: str,
    secretsmanager: Any = None,
    ssl_ca: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Callable[[], Any]:
    """A connection factory reading ``secret_id`` at each call (so a rotated password is picked up).

    ``defaults`` (host, port, dbname) fill in keys the secret does not have; the secret wins.
    """

    def factory() -> Any:
        client = secretsmanager if secretsmanager is not None else aws.client("secretsmanager")
        value = aws.call(client.get_secret_value, SecretId=secret_id)
        try:
            secret = json.loads(value["SecretString"])
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise SecretError(f"secret {secret_id} has no JSON SecretString ({error})") from None
        if not isinstance(secret, dict):
            raise SecretError(f"secret {secret_id} is not a JSON object")
        filled = {key: value for key, value in (defaults or {}).items() if value and not secret.get(key)}
        merged = {**secret, **filled}
        return connect(connection_settings(merged, f"secret {secret_id}"), ssl_ca)

    return factory
