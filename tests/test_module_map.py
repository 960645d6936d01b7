"""The Lambda package's layout as docs/design.md ("Module map") describes it: modules small
enough to read, and the decision modules depending on the run record one way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lambda_src" / "dms_automation"
DESIGN = Path(__file__).resolve().parents[1] / "docs" / "design.md"
MAX_LINES = 450
# The decisions, in the order they may depend on one another (a module imports only earlier ones
# of this list, or none).
DECISIONS = ("run", "checks", "start", "watchdog", "finish", "reconcile")


def imported(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "dms_automation":
                names.update(parts[1:2] or [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("dms_automation."))
    return names


def test_no_module_of_the_package_is_over_450_lines() -> None:
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_decision_modules_depend_on_the_run_record_one_way() -> None:
    for position, name in enumerate(DECISIONS):
        later = set(DECISIONS[position + 1 :])
        assert not imported(PACKAGE / f"{name}.py") & later, f"{name}.py imports a later decision module"
    assert "run" in imported(PACKAGE / "start.py") and "run" in imported(PACKAGE / "reconcile.py")
    assert not (PACKAGE / "core.py").exists()


def test_the_module_map_names_every_decision_module() -> None:
    text = DESIGN.read_text()
    section = text[text.index("## Module map") : text.index("## Masking")]
    named = set(re.findall(r"`(\w+)\.py`", section))
    assert set(DECISIONS) <= named
