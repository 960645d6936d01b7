"""The SQL each strategy becomes, for MySQL / Aurora MySQL / MariaDB.

Masking happens inside the database, set-based: one ``UPDATE ... SET col = <expression>`` per chunk
of rows. The SQL is what MariaDB (the tests' server), MySQL 8 and Aurora MySQL 3 all accept and
evaluate alike: no regular expressions (MySQL 8's ``REGEXP_REPLACE`` is ICU, MariaDB's PCRE, and
they read ``$`` and ``\\`` in a replacement differently: digits are replaced with ten nested
``REPLACE`` calls instead), no ``VALUES()`` in ``ON DUPLICATE KEY UPDATE`` (deprecated in MySQL
8.0.20) and no row alias (MariaDB has none); ``tests/masking/test_sql_dialects.py`` checks every
statement a masking run sends.

Identifiers are validated (``rules.IDENTIFIER``) and quoted with backticks; every value a user
supplies (constant, domain, mask character) and the masking key are bound parameters. Each
expression fits its column: hashes and fake values are cut or shaped to
``CHARACTER_MAXIMUM_LENGTH``, so strict mode never rejects a chunk halfway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .key import KEYED_STRATEGIES, MaskingKey, hmac_sql
from .rules import IDENTIFIER, MaskingRule, MaskingRuleError

TEXT_TYPES = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext"})
INTEGER_MAX = {
    "tinyint": (127, 255),
    "smallint": (32767, 65535),
    "mediumint": (8388607, 16777215),
    "int": (2147483647, 4294967295),
    "bigint": (9223372036854775807, 18446744073709551615),
}
NUMERIC_TYPES = frozenset({*INTEGER_MAX, "decimal", "float", "double"})
# Per-character digit randomization is spelled out position by position; beyond this many
# characters the remaining digits are masked to '0' instead (no such column was seen in practice).
MAX_RANDOMIZED_CHARS = 255
HASH_HEX_LENGTH = 64
FAKE_EMAIL_LOCAL_HEX = 16


def quote(identifier: str) -> str:
    """A backtick-quoted identifier; refuses anything outside the validated character set."""
    if not IDENTIFIER.match(identifier):
        raise MaskingRuleError(
            f"identifier {identifier!r} is not allowed; use 1-64 letters, digits, '_' or '$'"
        )
    return f"`{identifier}`"


@dataclass(frozen=True)
class ColumnInfo:
    """What information_schema.COLUMNS says about a masked column."""

    name: str
    data_type: str  # lower case, e.g. "varchar"
    column_type: str  # e.g. "int(10) unsigned"
    max_length: int | None  # CHARACTER_MAXIMUM_LENGTH; None for non-text columns
    nullable: bool

    @property
    def is_text(self) -> bool:
        return self.data_type in TEXT_TYPES

    @property
    def is_integer(self) -> bool:
        return self.data_type in INTEGER_MAX

    @property
    def unsigned(self) -> bool:
        return "unsigned" in self.column_type.lower()


def _fit(expression: str, info: ColumnInfo, produced_length: int | None) -> str:
    """Cut ``expression`` to the column's length when it could be longer."""
    if info.max_length is not None and (produced_length is None or produced_length > info.max_length):
        return f"LEFT({expression}, {int(info.max_length)})"
    return expression


def replace_digits(value_sql: str, replacement_sql: str) -> str:
    """``value_sql`` with every ASCII digit replaced by ``replacement_sql``: ten nested ``REPLACE``
    calls, plain string functions that MariaDB and MySQL 8 evaluate alike (``REGEXP_REPLACE`` is
    PCRE in one and ICU in the other)."""
    for digit in "0123456789":
        value_sql = f"REPLACE({value_sql}, '{digit}', {replacement_sql})"
    return value_sql


def _need_text(rule: MaskingRule, info: ColumnInfo) -> None:
    if not info.is_text:
        raise MaskingRuleError(
            f"masking rule {rule.name!r}: strategy {rule.strategy} needs a character column "
            f"(char, varchar, text); the column is {info.column_type}"
        )


def expression(rule: MaskingRule, info: ColumnInfo, key: MaskingKey | None = None) -> tuple[str, list[Any]]:
    """``(sql, params)`` for the new value of the rule's column; the SQL reads the current value.

    ``hash`` and ``fake_email`` need ``key`` (their HMAC key, see ``key``).
    """
    column = quote(rule.column)
    strategy = rule.strategy
    if strategy in KEYED_STRATEGIES and key is None:
        raise MaskingRuleError(
            f"masking rule {rule.name!r}: strategy {strategy} is keyed by the masking key, and none was "
            "given (MASKING_KEY_SECRET)"
        )
    if strategy == "hash":
        _need_text(rule, info)
        assert key is not None
        digest, params = hmac_sql(column, key)
        return _fit(digest, info, HASH_HEX_LENGTH), params
    if strategy == "redact":
        _need_text(rule, info)
        # Same length as before: mask characters, then the last keep_last characters.
        return (
            f"CONCAT(REPEAT(%s, GREATEST(CHAR_LENGTH({column}) - %s, 0)), RIGHT({column}, %s))",
            [rule.mask_char, rule.keep_last, rule.keep_last],
        )
    if strategy == "mask_digits":
        _need_text(rule, info)
        return replace_digits(column, "%s"), [rule.mask_char] * 10
    if strategy == "randomize_digits":
        return _randomize_digits(rule, info)
    if strategy == "fixed":
        return _fixed(rule, info)
    if strategy == "null":
        if not info.nullable:
            raise MaskingRuleError(
                f"masking rule {rule.name!r}: strategy null needs a nullable column; the column is NOT NULL "
                "(use fixed or redact instead)"
            )
        return "NULL", []
    if strategy == "fake_email":
        _need_text(rule, info)
        assert key is not None
        return _fake_email(rule, info, key)
    raise MaskingRuleError(f"masking rule {rule.name!r}: unknown strategy {strategy!r}")


def _randomize_digits(rule: MaskingRule, info: ColumnInfo) -> tuple[str, list[Any]]:
    column = quote(rule.column)
    if info.is_integer:
        # A random number with as many digits as the old one, within the column's range.
        signed_max, unsigned_max = INTEGER_MAX[info.data_type]
        top = unsigned_max if info.unsigned else signed_max
        digits = f"CHAR_LENGTH(CAST(ABS({column}) AS CHAR))"
        value = f"FLOOR(POW(10, {digits} - 1) + RAND() * 9 * POW(10, {digits} - 1))"
        if info.unsigned:
            return f"LEAST({value}, {top})", []
        return f"SIGN({column}) * LEAST({value}, {top})", []
    if not info.is_text:
        raise MaskingRuleError(
            f"masking rule {rule.name!r}: strategy randomize_digits needs a character or integer column; "
            f"the column is {info.column_type}"
        )
    length = min(info.max_length or MAX_RANDOMIZED_CHARS, MAX_RANDOMIZED_CHARS)
    # Position by position: a digit becomes a random digit, anything else stays. Trailing empty
    # SUBSTRINGs of shorter values add nothing, so the length is kept exactly.
    parts = [
        f"IF(SUBSTRING({column}, {i}, 1) BETWEEN '0' AND '9', CHAR(48 + FLOOR(RAND() * 10)), "
        f"SUBSTRING({column}, {i}, 1))"
        for i in range(1, length + 1)
    ]
    if info.max_length is None or info.max_length > MAX_RANDOMIZED_CHARS:
        parts.append(replace_digits(f"SUBSTRING({column}, {MAX_RANDOMIZED_CHARS + 1})", "'0'"))
    return f"IF({column} IS NULL, NULL, CONCAT({', '.join(parts)}))", []


def _fixed(rule: MaskingRule, info: ColumnInfo) -> tuple[str, list[Any]]:
    value = rule.options["value"]
    if info.data_type in NUMERIC_TYPES:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise MaskingRuleError(
                f"masking rule {rule.name!r}: fixed value {value!r} is not a number; "
                f"the column is {info.column_type}"
            ) from None
        if info.is_integer and number != int(number):
            raise MaskingRuleError(
                f"masking rule {rule.name!r}: fixed value {value!r} is not a whole number; "
                f"the column is {info.column_type}"
            )
        return "%s", [value]
    text = str(value)
    if info.max_length is not None:
        text = text[: info.max_length]
    return "%s", [text]


def _fake_email(rule: MaskingRule, info: ColumnInfo, key: MaskingKey) -> tuple[str, list[Any]]:
    """``u<hex>@<domain>``: deterministic per value (same key, same address), shaped to fit."""
    column = quote(rule.column)
    domain = rule.domain
    hex_length = FAKE_EMAIL_LOCAL_HEX
    if info.max_length is not None:
        hex_length = min(hex_length, info.max_length - len(domain) - 2)
    digest, params = hmac_sql(column, key)
    if hex_length >= 6:
        return f"CONCAT('u', LEFT({digest}, {hex_length}), '@', %s)", [*params, domain]
    # Too narrow for an address at the domain: a hash shaped like a local part, cut to fit.
    return _fit(f"CONCAT('u', {digest})", info, HASH_HEX_LENGTH + 1), params
