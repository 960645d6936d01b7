"""The masking_rules object type is written in every module that passes the rules on (Terraform
has no shared types); an attribute one copy lacks is dropped silently on the way down, as
options.allow_unkeyed_hash would be. Every copy, the environments' included, is the same type."""

from __future__ import annotations

import re

import hcl2

from tests.tf import repo_path

DECLARED = (
    "variables.tf",
    "modules/automation/variables.tf",
    "modules/automation/modules/masking-rules/variables.tf",
)


def _variable_types(path: str) -> dict[str, str]:
    with repo_path(*path.split("/")).open() as handle:
        parsed = hcl2.load(handle)
    return {
        name.strip('"'): str(body.get("type", ""))
        for block in parsed["variable"]
        for name, body in block.items()
    }


def _rules_type(text: str) -> str:
    """The list(object({...})) that follows the first ``masking_rules`` in a type (or the type itself)."""
    start = text.index("list(object(")
    depth = 0
    for index in range(text.index("(", start), len(text)):
        depth += text[index] == "("
        depth -= text[index] == ")"
        if depth == 0:
            return re.sub(r"\s+", "", text[start : index + 1])
    raise AssertionError(f"unbalanced type: {text}")


def test_every_masking_rules_type_is_the_same() -> None:
    found = {path: _rules_type(_variable_types(path)["masking_rules"]) for path in DECLARED}
    environments = _variable_types("variables.tf")["environments"]
    found["variables.tf: environments.masking_rules"] = _rules_type(
        environments[environments.index("masking_rules") :]
    )
    assert len(set(found.values())) == 1, "\n".join(f"{where}: {text}" for where, text in found.items())
    assert "allow_unkeyed_hash=optional(bool)" in next(iter(found.values()))
