"""RDS behaviour moto 5.2.5 gets wrong, patched in-process before the server starts.

- every DB instance gets its own ``DbiResourceId`` (moto gives all the same one);
- a provisioned cluster has no ``ScalingConfigurationInfo``: RDS returns it for Aurora
  Serverless v1 (``EngineMode`` serverless) only, while moto returns an empty one for every
  cluster, which the AWS provider reads as a ``scaling_configuration`` block the configuration
  lacks, and so plans a change after every apply.
"""

from __future__ import annotations

import secrets
from typing import Any

from moto.rds import models
from moto.rds.models import DBCluster, DBInstance

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_original_init = DBInstance.__init__
_original_scaling_configuration_info = DBCluster.scaling_configuration_info


def new_dbi_resource_id() -> str:
    """``db-`` and 26 base32 characters, the shape RDS uses."""
    return "db-" + "".join(secrets.choice(_ALPHABET) for _ in range(26))


def _init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.dbi_resource_id = new_dbi_resource_id()


def scaling_configuration_info(cluster: DBCluster) -> dict[str, Any] | None:
    """The cluster's ``ScalingConfigurationInfo``: only for Aurora Serverless v1."""
    if cluster.engine_mode != "serverless":
        return None
    return _original_scaling_configuration_info.fget(cluster)  # type: ignore[no-any-return,union-attr]


def apply() -> None:
    """Install the RDS patches (idempotent)."""
    if getattr(models, "_dms_automation_patched", False):
        return
    DBInstance.__init__ = _init  # type: ignore[method-assign]
    DBCluster.scaling_configuration_info = property(scaling_configuration_info)  # type: ignore[assignment,method-assign]
    models._dms_automation_patched = True  # type: ignore[attr-defined]
