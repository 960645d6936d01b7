"""scripts/sample_data.py: the demo's verdict finds every readable production value, wherever it
sits, and every lost row; a properly masked copy passes."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.sample_data import (
    COLUMNS,
    ROWS,
    SENSITIVE,
    ProductionDataReadable,
    check_masked,
    readable_production_values,
)


def _loaded() -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, row, strict=True)) for row in ROWS]


def _masked() -> list[dict[str, Any]]:
    rows = _loaded()
    for row in rows:
        row.update(
            full_name=f"h{row['id']:039d}", email=f"u{row['id']}@example.invalid", phone="*" * 14 + "01"
        )
    return rows


def test_a_masked_copy_has_nothing_readable() -> None:
    assert readable_production_values(_masked()) == []
    check_masked(_masked())


def test_the_loaded_copy_shows_every_sensitive_value() -> None:
    assert len(readable_production_values(_loaded())) == len(ROWS) * len(SENSITIVE)


def test_a_value_moved_to_another_column_is_still_readable() -> None:
    rows = _masked()
    rows[2]["city"] = ROWS[0][COLUMNS.index("email")]
    assert readable_production_values(rows) == [f"customer 1: email {ROWS[0][2]!r} is readable"]


def test_a_lost_row_fails_and_the_check_raises() -> None:
    rows = _masked()[1:]
    assert readable_production_values(rows) == ["customer 1 is missing from the target"]
    with pytest.raises(ProductionDataReadable, match="customer 1 is missing"):
        check_masked(rows)
