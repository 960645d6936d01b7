"""Where a planned attribute's value comes from, read from the plan's configuration.

A plan knows many values only after apply (an ARN, a key a module creates), so "this target invokes
the starter" cannot be read from planned values. The plan's ``configuration`` says which
references each attribute's expression reads, but it names the locals an expression reads, not
what they hold; ``sources`` follows them through the module's ``locals`` blocks.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import hcl2

from tests.tf import repo_path

# A reference in an HCL expression: an input, a local, or a resource and its attribute.
_REFERENCE = re.compile(r"\b(?:var|local)\.\w+|\b(?:data\.)?aws_\w+\.\w+(?:\[[^\]]*\]|\.\w+)*")


@functools.cache
def module_locals(module: str) -> dict[str, str]:
    """Every local of ``modules/<module>`` and its expression, as text."""
    found: dict[str, str] = {}
    for path in sorted(repo_path("modules", module).glob("*.tf")):
        with path.open() as handle:
            for block in hcl2.load(handle).get("locals", []):
                found.update({name: json.dumps(value) for name, value in block.items()})
    return found


def sources(references: list[str], module: str) -> set[str]:
    """What reading ``references`` (an expression's, from the plan's configuration) reads, locals
    followed to what they are made of: inputs (``var.x``) and resource attributes."""
    local_values = module_locals(module)
    found: set[str] = set()
    pending, seen = list(references), set()
    while pending:
        reference = pending.pop()
        if not reference.startswith("local."):
            found.add(reference)
        elif (name := reference.split(".")[1]) not in seen:
            seen.add(name)
            pending += _REFERENCE.findall(local_values[name])
    # The configuration lists an attribute's resource beside it: keep the attribute.
    return {r for r in found if not any(o.startswith((r + ".", r + "[")) for o in found)}


def attribute_sources(resource: dict[str, Any], attribute: str, module: str) -> set[str]:
    """``sources`` of one attribute of a configuration resource, nested blocks included (empty
    for a constant)."""
    found: list[str] = []

    def walk(expression: Any) -> None:
        if isinstance(expression, dict):
            found.extend(expression.get("references", []))
            for key, value in expression.items():
                if key != "references":
                    walk(value)
        elif isinstance(expression, list):
            for value in expression:
                walk(value)

    walk(resource.get("expressions", {}).get(attribute, {}))
    return sources(found, module)


def resources_read(found: set[str]) -> set[str]:
    """The resources (``type.name``, without index or attribute) among ``sources``."""
    names = set()
    for reference in found:
        if not reference.startswith(("var.", "local.", "each.", "count.")):
            kind, name = reference.split(".")[:2]
            names.add(f"{kind}.{name.split('[')[0]}")
    return names
