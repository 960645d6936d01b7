"""Every configuration of the project admits the same AWS provider range, and it stops before 6.0.

The version 6 upgrade guide of the provider deprecates attributes the modules use
(``data.aws_region.<name>.name``, replaced by ``region``, which 5.x lacks) and 6.x cannot be
planned here (only 5.x is mirrored), so the range ends at 6.0 until the modules are moved and
tested on 6.x (see README, "AWS provider versions").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RANGE = ">= 5.40, < 6.0"
_AWS_BLOCK = re.compile(r'aws\s*=\s*\{[^}]*source\s*=\s*"hashicorp/aws"[^}]*\}', re.S)
_VERSION = re.compile(r'version\s*=\s*"([^"]+)"')


def _configurations() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.tf")
        if ".terraform" not in path.parts and not any(part.startswith(".venv") for part in path.parts)
    )


def _constraints() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _configurations():
        for block in _AWS_BLOCK.findall(path.read_text()):
            match = _VERSION.search(block)
            found[str(path.relative_to(ROOT))] = match.group(1) if match else ""
    return found


def test_every_configuration_pins_the_same_range_below_6() -> None:
    constraints = _constraints()
    assert "versions.tf" in constraints and "modules/baseline/versions.tf" in constraints
    wrong = {path: value for path, value in constraints.items() if value != RANGE}
    assert not wrong, f"AWS provider constraints other than {RANGE!r}: {wrong}"


@pytest.mark.parametrize("script", ["scripts/bench_plan.py"])
def test_generated_configurations_use_the_same_range(script: str) -> None:
    text = (ROOT / script).read_text()
    assert RANGE in text and "< 7.0" not in text
