"""A release a consumer can pin: the CHANGELOG, the package version, the README refs and the
``moved`` blocks agree.

- CHANGELOG.md is in Keep a Changelog form (https://keepachangelog.com/en/1.1.0/): an optional
  ``## [Unreleased]``, then one ``## [X.Y.Z] - YYYY-MM-DD`` section per release, newest first,
  each with ``### <kind>`` subsections of the kinds that page lists, plus ``### Upgrading``.
- A release that breaks the interface (an item marked ``**Breaking**``) is a new major version (or, before
  1.0.0, a new minor one, as semantic versioning allows) and has an ``### Upgrading`` section.
- Every ``moved`` block of the modules names its ``from`` address in an Upgrading section, so
  nobody meets an address change without the step that goes with it.
- Every ``?ref=vX.Y.Z`` of a README names a release of the CHANGELOG, and the Python package's
  version is the newest release.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security", "Upgrading"}
_RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$")


@dataclass
class Release:
    version: tuple[int, int, int]
    released: date
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.kinds.values())


def releases(text: str) -> list[Release]:
    """The CHANGELOG's releases, newest first, each with its subsections' text."""
    found: list[Release] = []
    current: Release | None = None
    kind = ""
    for line in text.splitlines():
        if line.startswith("## "):
            match = _RELEASE.match(line)
            if line.strip() == "## [Unreleased]":
                current = None
                continue
            assert match, (
                f"CHANGELOG heading not in Keep a Changelog form '## [X.Y.Z] - YYYY-MM-DD': {line!r}"
            )
            major, minor, patch, day = match.groups()
            current = Release((int(major), int(minor), int(patch)), date.fromisoformat(day))
            found.append(current)
        elif line.startswith("### ") and current is not None:
            kind = line[4:].strip()
            assert kind in KINDS, f"CHANGELOG {current.version}: '### {kind}' is not one of {sorted(KINDS)}"
            current.kinds[kind] = current.kinds.get(kind, "")
        elif current is not None and kind:
            current.kinds[kind] += line + "\n"
    return found


def changelog() -> list[Release]:
    return releases((ROOT / "CHANGELOG.md").read_text())


def test_releases_are_newest_first_and_dated() -> None:
    found = changelog()
    assert found, "CHANGELOG.md has no released version"
    versions = [r.version for r in found]
    assert versions == sorted(versions, reverse=True), f"releases out of order: {versions}"
    assert len(set(versions)) == len(versions), f"a release appears twice: {versions}"
    days = [r.released for r in found]
    assert days == sorted(days, reverse=True), f"release dates out of order: {days}"


def test_a_breaking_release_is_a_major_one_with_upgrade_steps() -> None:
    found = changelog()
    for newer, older in itertools.pairwise(found):
        if "**Breaking" not in newer.text:
            continue
        if older.version[0] == 0 and newer.version[0] == 0:
            assert newer.version[1] > older.version[1], (
                f"{newer.version} breaks the interface of {older.version}"
            )
        else:
            assert newer.version[0] > older.version[0], (
                f"{newer.version} breaks {older.version}: a major release"
            )
        assert newer.kinds.get("Upgrading", "").strip(), (
            f"{newer.version} breaks the interface: add '### Upgrading'"
        )


def test_every_moved_block_is_an_upgrade_step() -> None:
    upgrading = "\n".join(r.kinds.get("Upgrading", "") for r in changelog())
    moved = re.compile(r"moved\s*\{\s*from\s*=\s*([^\s}]+)", re.MULTILINE)
    missing = []
    for path in sorted(ROOT.glob("**/*.tf")):
        if ".terraform" in path.parts or "tests" in path.relative_to(ROOT).parts:
            continue
        for address in moved.findall(path.read_text()):
            if address not in upgrading:
                missing.append(f"{path.relative_to(ROOT)}: {address}")
    assert not missing, "moved blocks the CHANGELOG's Upgrading sections do not name:\n" + "\n".join(missing)


def test_readme_refs_name_a_release() -> None:
    released = {"v{}.{}.{}".format(*r.version) for r in changelog()}
    refs = []
    for readme in sorted(ROOT.glob("**/README.md")):
        if ".terraform" in readme.parts or ".venv" in readme.parts[0]:
            continue
        refs += [
            (readme.relative_to(ROOT), ref) for ref in re.findall(r"\?ref=([^\s\"]+)", readme.read_text())
        ]
    assert refs, "no README pins a release"
    unknown = [f"{readme}: {ref}" for readme, ref in refs if ref not in released]
    assert not unknown, f"README refs that no CHANGELOG release names ({sorted(released)}):\n" + "\n".join(
        unknown
    )


def test_package_version_is_the_newest_release() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    newest = "{}.{}.{}".format(*changelog()[0].version)
    assert project["version"] == newest
    init = (ROOT / "lambda_src" / "dms_automation" / "__init__.py").read_text()
    assert f'__version__ = "{newest}"' in init, "dms_automation.__version__ is not the newest release"


def test_the_parser_refuses_what_it_should() -> None:
    """The checks above fail on a CHANGELOG that breaks the form (so they can fail at all)."""
    import pytest

    with pytest.raises(AssertionError, match="Keep a Changelog"):
        releases("## 1.0.0\n")
    with pytest.raises(AssertionError, match="not one of"):
        releases("## [1.0.0] - 2026-01-01\n### Misc\n")
    parsed = releases("## [2.0.0] - 2026-02-01\n### Changed\n- **Breaking** x\n## [1.0.0] - 2026-01-01\n")
    assert parsed[0].version == (2, 0, 0) and "Upgrading" not in parsed[0].kinds
