"""The masking key: HMAC-SHA-256 for ``hash`` and ``fake_email``, keyed by a Secrets Manager secret.

A plain or salted SHA-256 of a phone number or a national ID is reversed by hashing every
possible value; a keyed hash is not, without the key. The key lives only in Secrets Manager: the
post-process Lambda reads it at run time (``read_key``), binds it to the masking ``UPDATE`` as a
query parameter, and never logs it; Terraform state, plans, outputs and the Lambda environment
hold the secret's name, never its value.

The SQL is HMAC-SHA-256 (RFC 2104) spelled with MySQL/MariaDB's ``SHA2``, which has no HMAC:

    SHA2(CONCAT(K xor opad, UNHEX(SHA2(CONCAT(K xor ipad, CONVERT(value USING utf8mb4)), 256))), 256)

``K`` is the secret's string as UTF-8, hashed with SHA-256 first when longer than 64 bytes and
padded with zeros to SHA-256's 64-byte block; ``K xor ipad`` and ``K xor opad`` are computed here
and bound as two binary parameters. The message is the value's UTF-8 bytes, whatever the column's
character set, so the same value gives the same hex digest in every table and every run, equal
to Python's ``hmac.new(key, value.encode(), "sha256").hexdigest()`` — joins on masked keys keep
working, within one key.

A key the module created (``generate=True``) has no value until the first run needs it: the
function then generates 32 random bytes (64 hex characters) and stores them with
``PutSecretValue`` under one fixed ``ClientRequestToken``, so two concurrent first runs cannot
both store a key: Secrets Manager refuses a second version with the same token and other content
(``ResourceExistsException``), and the loser reads the winner's key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from dms_automation import aws

BLOCK_BYTES = 64  # SHA-256's block size
MIN_KEY_CHARACTERS = 32
# The version id of a generated key; the same for every function, so only one first key can exist.
FIRST_VERSION_TOKEN = "dms-automation-masking-key-first-version-0001"
KEYED_STRATEGIES = frozenset({"hash", "fake_email"})


class MaskingKeyError(RuntimeError):
    """The masking key could not be read or created; the message says which secret and why."""


@dataclass(frozen=True)
class MaskingKey:
    """The two padded forms of an HMAC key, as the SQL binds them; repr and str never show them."""

    inner: bytes = field(repr=False)
    outer: bytes = field(repr=False)
    id: str  # a digest that tells keys apart (progress fingerprints), not the key

    @classmethod
    def from_secret(cls, value: str) -> MaskingKey:
        raw = value.encode()
        if len(value) < MIN_KEY_CHARACTERS:
            raise MaskingKeyError(
                f"the masking key must be at least {MIN_KEY_CHARACTERS} characters long; it has {len(value)}"
            )
        block = hashlib.sha256(raw).digest() if len(raw) > BLOCK_BYTES else raw
        block = block.ljust(BLOCK_BYTES, b"\0")
        return cls(
            inner=bytes(b ^ 0x36 for b in block),
            outer=bytes(b ^ 0x5C for b in block),
            id=hmac.new(raw, b"dms-automation masking key id", "sha256").hexdigest()[:16],
        )


def hmac_sql(value_sql: str, key: MaskingKey) -> tuple[str, list[Any]]:
    """``(sql, params)``: the hex HMAC-SHA-256 of ``value_sql``'s UTF-8 bytes under ``key``."""
    inner = f"UNHEX(SHA2(CONCAT(%s, CONVERT({value_sql} USING utf8mb4)), 256))"
    return f"SHA2(CONCAT(%s, {inner}), 256)", [key.outer, key.inner]


def read_key(secret_id: str, secretsmanager: Any = None, generate: bool = False) -> MaskingKey:
    """The key in ``secret_id``'s current version; with ``generate``, create it if there is none."""
    client = secretsmanager if secretsmanager is not None else aws.client("secretsmanager")
    try:
        value = aws.call(client.get_secret_value, SecretId=secret_id)
    except Exception as error:
        if aws.error_code(error) != "ResourceNotFoundException":
            reason = aws.error_code(error) or error
            raise MaskingKeyError(f"cannot read the masking key secret {secret_id}: {reason}") from None
        if not generate:
            raise MaskingKeyError(
                f"the masking key secret {secret_id} has no value; put a random string of at least "
                f"{MIN_KEY_CHARACTERS} characters in it (e.g. 64 hex characters)"
            ) from None
        try:
            aws.call(
                client.put_secret_value,
                SecretId=secret_id,
                ClientRequestToken=FIRST_VERSION_TOKEN,
                SecretString=secrets.token_hex(32),
            )
        except Exception as put_error:
            # Another invocation stored the first key between our read and our write: use it.
            if aws.error_code(put_error) != "ResourceExistsException":
                reason = aws.error_code(put_error) or put_error
                raise MaskingKeyError(
                    f"cannot store a generated masking key in {secret_id}: {reason}"
                ) from None
        value = aws.call(client.get_secret_value, SecretId=secret_id)
    text = value.get("SecretString")
    if not isinstance(text, str):
        raise MaskingKeyError(f"the masking key secret {secret_id} has no SecretString")
    try:
        return MaskingKey.from_secret(text)
    except MaskingKeyError as error:
        raise MaskingKeyError(f"secret {secret_id}: {error}") from None
