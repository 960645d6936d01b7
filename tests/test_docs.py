"""Every module's README documents exactly its inputs and outputs, in the documented order.

For each module under ``modules/`` (and the root module, when the repository has one), the
README's inputs table (a table under a heading "Inputs" or "Variables") lists every variable of
the module's ``*.tf`` files, required ones first, each group in alphabetical order, and its
"Required" column (when it has one) says ``yes`` exactly for the variables without a default;
the outputs table (under "Outputs") lists every output, in alphabetical order. The variables and
outputs are read with python-hcl2.

The tables sit between the markers ``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->`` in
each README, and the text between them must be exactly what ``render`` makes. Print a module's
tables, or rewrite them in every README (``make docs``):

    .venv/bin/python -m tests.test_docs modules/automation
    .venv/bin/python -m tests.test_docs --write
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    path.parent for path in ROOT.glob("modules/**/variables.tf") if ".terraform" not in path.parts
)
if (ROOT / "variables.tf").exists():
    MODULES.insert(0, ROOT)


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: Any
    required: bool


BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            value = json.loads(value, strict=False)
        except json.JSONDecodeError:
            value = value[1:-1]
    if isinstance(value, str) and value.startswith("<<"):
        # A heredoc: its lines, joined by spaces.
        return " ".join(line.strip() for line in value.splitlines()[1:-1] if line.strip())
    return value


def _blocks(module: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(module.glob("*.tf")):
        with path.open() as handle:
            parsed = hcl2.load(handle)
        for block in parsed.get(kind, []):
            for name, body in block.items():
                found.append((_unquote(name), body))
    return found


def variables(module: Path) -> list[Variable]:
    return [
        Variable(
            name=name,
            description=_unquote(body.get("description", "")),
            type=str(body.get("type", "any")).removeprefix("${").removesuffix("}"),
            default=_unquote(body.get("default")),
            required="default" not in body,
        )
        for name, body in _blocks(module, "variable")
    ]


def outputs(module: Path) -> list[tuple[str, str]]:
    return [(name, _unquote(body.get("description", ""))) for name, body in _blocks(module, "output")]


def documented_order(found: list[Variable]) -> list[str]:
    return [v.name for v in sorted(found, key=lambda v: (not v.required, v.name))]


def _table_after(readme: str, headings: tuple[str, ...]) -> list[list[str]]:
    """Rows (cells, stripped) of the first table under a heading named one of ``headings``."""
    lines = readme.splitlines()
    pattern = re.compile(rf"^#+\s*({'|'.join(headings)})\s*$", re.IGNORECASE)
    for index, line in enumerate(lines):
        if not pattern.match(line.strip()):
            continue
        rows: list[list[str]] = []
        for row in lines[index + 1 :]:
            stripped = row.strip()
            if stripped.startswith("#"):
                break
            if stripped.startswith("|"):
                rows.append([cell.strip() for cell in stripped.strip("|").split("|")])
            elif rows:
                break
        return rows
    return []


def _name(cell: str) -> str:
    return cell.strip("`* ").replace("\\_", "_")


def _cell(value: Any) -> str:
    return "`null`" if value is None else f"`{json.dumps(value)}`"


def render(module: Path) -> str:
    """The Inputs and Outputs tables with their headings (one level down in the root README)."""
    heading = "###" if module == ROOT else "##"
    found = variables(module)
    by_name = {v.name: v for v in found}
    lines = [
        f"{heading} Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|---|---|---|---|:---:|",
    ]
    for name in documented_order(found):
        v = by_name[name]
        default = "n/a" if v.required else _cell(v.default)
        description = v.description.replace("|", "\\|")
        type_ = v.type.replace("|", "\\|")
        lines.append(
            f"| `{name}` | {description} | `{type_}` | {default} | {'yes' if v.required else 'no'} |"
        )
    lines += ["", f"{heading} Outputs", "", "| Name | Description |", "|---|---|"]
    for name, description in sorted(outputs(module)):
        lines.append(f"| `{name}` | {description} |")
    return "\n".join(lines) + "\n"


def _id(module: Path) -> str:
    return "root" if module == ROOT else str(module.relative_to(ROOT))


def _between_markers(readme: str) -> tuple[str, str, str] | None:
    """(before, between, after) the markers, or None when the README has not both, in order."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return None
    start += len(BEGIN)
    return readme[:start], readme[start:end], readme[end:]


def write(module: Path) -> bool:
    """Rewrite the tables between the markers of the module's README; True when it changed."""
    readme = module / "README.md"
    text = readme.read_text()
    parts = _between_markers(text)
    if parts is None:
        raise SystemExit(f"{_id(module)}/README.md has no {BEGIN} ... {END} markers")
    before, _, after = parts
    updated = f"{before}\n{render(module)}{after}"
    if updated != text:
        readme.write_text(updated)
    return updated != text


@pytest.mark.parametrize("module", MODULES, ids=[_id(m) for m in MODULES])
def test_readme_tables_between_the_markers_are_the_rendered_ones(module: Path) -> None:
    parts = _between_markers((module / "README.md").read_text())
    assert parts is not None, f"{_id(module)}/README.md has no {BEGIN} ... {END} markers"
    assert parts[1] == f"\n{render(module)}", (
        f"{_id(module)}/README.md tables are stale: run `make docs` (tests.test_docs --write)"
    )


@pytest.mark.parametrize("module", MODULES, ids=[_id(m) for m in MODULES])
def test_readme_inputs_table_matches_variables(module: Path) -> None:
    readme = module / "README.md"
    assert readme.exists(), f"{_id(module)} has no README.md"
    rows = _table_after(readme.read_text(), ("Inputs", "Variables"))
    assert rows, f"{_id(module)}/README.md has no table under an 'Inputs' (or 'Variables') heading"
    header, body = rows[0], [row for row in rows[2:] if row]
    documented = [_name(row[0]) for row in body]
    found = variables(module)
    hint = f"print the tables with: .venv/bin/python -m tests.test_docs {_id(module)}"
    assert sorted(documented) == sorted(v.name for v in found), (
        f"{_id(module)}/README.md inputs {sorted(set(documented) ^ {v.name for v in found})} "
        f"are documented but not declared, or declared but not documented; {hint}"
    )
    assert documented == documented_order(found), (
        f"{_id(module)}/README.md inputs must be listed required first, then alphabetically: "
        f"{documented_order(found)}; {hint}"
    )
    lowered = [cell.lower() for cell in header]
    if "required" in lowered:
        column = lowered.index("required")
        required = {v.name: v.required for v in found}
        wrong = [_name(row[0]) for row in body if (row[column].lower() == "yes") != required[_name(row[0])]]
        assert not wrong, f"{_id(module)}/README.md 'Required' is wrong for {wrong}; {hint}"


@pytest.mark.parametrize("module", MODULES, ids=[_id(m) for m in MODULES])
def test_readme_outputs_table_matches_outputs(module: Path) -> None:
    readme = module / "README.md"
    assert readme.exists(), f"{_id(module)} has no README.md"
    rows = _table_after(readme.read_text(), ("Outputs",))
    declared = [name for name, _ in outputs(module)]
    if not declared and not rows:
        return
    assert rows, f"{_id(module)}/README.md has no table under an 'Outputs' heading"
    documented = [_name(row[0]) for row in rows[2:] if row]
    assert documented == sorted(declared), (
        f"{_id(module)}/README.md outputs must be exactly {sorted(declared)} in this order, "
        f"found {documented}; print the tables with: .venv/bin/python -m tests.test_docs {_id(module)}"
    )


@pytest.mark.parametrize("module", MODULES, ids=[_id(m) for m in MODULES])
def test_variables_and_outputs_are_declared_in_order(module: Path) -> None:
    """Variables alphabetically (or required first, then alphabetically); outputs alphabetically."""
    found = variables(module)
    names = [v.name for v in found]
    assert names in (sorted(names), documented_order(found)), (
        f"{_id(module)}: variables are declared neither alphabetically nor required first then "
        f"alphabetically: {names}"
    )
    declared = [name for name, _ in outputs(module)]
    assert declared == sorted(declared), f"{_id(module)}: outputs are not declared alphabetically: {declared}"


def test_the_docs_check_sees_the_automation_module() -> None:
    assert ROOT / "modules" / "automation" in MODULES


if __name__ == "__main__":
    arguments = sys.argv[1:]
    writing = "--write" in arguments
    arguments = [a for a in arguments if a != "--write"]
    if writing:
        targets = [ROOT if a in ("root", ".") else (ROOT / a) for a in arguments] or MODULES
        for target in targets:
            if write(target):
                print(f"rewrote {_id(target)}/README.md")
    else:
        for argument in arguments or ["modules/automation"]:
            target = ROOT if argument in ("root", ".") else (ROOT / argument)
            print(render(target))
