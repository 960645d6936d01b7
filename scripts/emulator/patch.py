"""Every change the project makes to moto's behaviour, applied in one call."""

from __future__ import annotations

from . import dms, rds


def apply() -> None:
    dms.apply()
    rds.apply()
