"""Every change the project makes to moto's behaviour, applied in one call."""

from __future__ import annotations

from . import dms, ec2, lambda_config, rds


def apply() -> None:
    dms.apply()
    rds.apply()
    ec2.apply()
    lambda_config.apply()
