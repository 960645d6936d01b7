"""RDS: every DB instance gets its own ``DbiResourceId`` (moto 5.2.5 gives all the same one)."""

from __future__ import annotations

import secrets
from typing import Any

from moto.rds import models
from moto.rds.models import DBInstance

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_original_init = DBInstance.__init__


def new_dbi_resource_id() -> str:
    """``db-`` and 26 base32 characters, the shape RDS uses."""
    return "db-" + "".join(secrets.choice(_ALPHABET) for _ in range(26))


def _init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.dbi_resource_id = new_dbi_resource_id()


def apply() -> None:
    """Install the RDS patch (idempotent)."""
    if getattr(models, "_dms_automation_patched", False):
        return
    DBInstance.__init__ = _init  # type: ignore[method-assign]
    models._dms_automation_patched = True  # type: ignore[attr-defined]
