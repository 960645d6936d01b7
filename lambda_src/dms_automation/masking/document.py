"""Where the post-process Lambda finds its masking rules: an SSM parameter, or inline JSON.

modules/automation writes every rule (those DMS applies included) to the SecureString parameter
named by ``MASKING_RULES_PARAMETER``, as ``base64(gzip(json))`` of ``{"version": 1, "rules":
[...], "coverage": {...}}``: Lambda refuses an environment over 4 KB, which rules inline reach
from about 30 rules on, while the compressed document of 200 rules with realistic names is about
2.5 KB. ``MASKING_RULES`` (the document or a bare list, as JSON) is still read when no parameter
is set, for tests and hand-made configurations.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Mapping
from typing import Any

from dms_automation import aws

from .rules import MaskingRuleError


def decode(value: str, source: str) -> Any:
    """The JSON of a parameter value: ``base64(gzip(json))``, or plain JSON."""
    text = value.strip()
    if not text.startswith(("{", "[")):
        try:
            text = gzip.decompress(base64.b64decode(text, validate=True)).decode()
        except (binascii.Error, OSError, EOFError, UnicodeDecodeError) as error:
            raise MaskingRuleError(
                f"{source} is neither JSON nor base64 of gzip-compressed JSON ({error})"
            ) from None
    try:
        return json.loads(text) if text else []
    except json.JSONDecodeError as error:
        raise MaskingRuleError(f"{source} is not valid JSON: {error}") from None


def load(env: Mapping[str, str], ssm: Any = None) -> Any:
    """The rules document (or list) the environment points at; ``[]`` when none is configured."""
    name = env.get("MASKING_RULES_PARAMETER", "").strip()
    if not name:
        return decode(env.get("MASKING_RULES", ""), "MASKING_RULES")
    client = ssm if ssm is not None else aws.client("ssm")
    value = aws.call(client.get_parameter, Name=name, WithDecryption=True)["Parameter"]["Value"]
    return decode(str(value), f"SSM parameter {name}")
