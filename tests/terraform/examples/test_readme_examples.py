"""Every HCL example in a README plans offline, as written, against this checkout.

Each ```hcl block of the root README and of every module README is written out as a
configuration of its own, with its module ``source`` (a git address with a ``//subdirectory``, or
a relative path ending in ``modules/<name>``) pointed at the same module in this checkout and an
offline ``provider "aws"`` block added. All of them are planned together in one plan
(``tests.tf.plan_calls``).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import pytest

from scripts.tfcli import STATE_DIR
from tests import tf

READMES = [
    Path("README.md"),
    *sorted(p.relative_to(tf.repo_path()) for p in tf.repo_path("modules").rglob("README.md")),
]
_BLOCK = re.compile(r"```hcl\n(.*?)```", re.DOTALL)
_SOURCE = re.compile(r'^(\s*source\s*=\s*)"([^"]+)"', re.MULTILINE)
PROVIDER = """
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""


def local_module(source: str) -> str:
    """The directory of this checkout that a README's module source names."""
    if source.startswith("git::"):
        address = source.split("?", 1)[0]
        return address.split("//", 2)[2] if address.count("//") >= 2 else "."
    found = re.search(r"(modules/[a-z0-9-]+(?:/modules/[a-z0-9-]+)?)/?$", source)
    assert found, f"a README module source this test cannot place in the checkout: {source}"
    return found.group(1)


def examples() -> dict[str, str]:
    """``<readme>#<n>`` -> the block's text, for every README block that calls a module."""
    found: dict[str, str] = {}
    for readme in READMES:
        for index, block in enumerate(_BLOCK.findall(tf.repo_path(*readme.parts).read_text()), start=1):
            if re.search(r'^module\s+"', block, re.MULTILINE):
                found[f"{readme.as_posix()}#{index}"] = block
    return found


@functools.cache
def plans() -> dict[str, Any]:
    calls: dict[str, tuple[str, str]] = {}
    for name, block in examples().items():
        directory = STATE_DIR / "readme-examples" / re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
        directory.mkdir(parents=True, exist_ok=True)

        def local(match: re.Match[str], directory: Path = directory) -> str:
            target = tf.repo_path(local_module(match.group(2)))
            return f'{match.group(1)}"{os.path.relpath(target, directory)}"'

        text = PROVIDER + _SOURCE.sub(local, block)
        main = directory / "main.tf"
        if not main.exists() or main.read_text() != text:
            main.write_text(text)
        calls[name] = (str(directory.relative_to(tf.repo_path())), "")
    return tf.plan_calls(calls)


def test_every_module_readme_has_an_example() -> None:
    named = {name.split("#")[0] for name in examples()}
    assert named == {readme.as_posix() for readme in READMES}


def creates_resources(module: str) -> bool:
    """Whether a module of this checkout declares resources (masking-rules is data only)."""
    return any(
        re.search(r'^resource\s+"', path.read_text(), re.MULTILINE)
        for path in tf.repo_path(module).rglob("*.tf")
        if ".terraform" not in path.parts
    )


@pytest.mark.parametrize("name", sorted(examples()))
def test_readme_example_plans(name: str) -> None:
    plan = plans()[name]  # a README example that Terraform refuses fails here, with its error
    sources = [local_module(m.group(2)) for m in _SOURCE.finditer(examples()[name])]
    calls = plan.configuration["root_module"]["module_calls"]
    assert len(calls) == len(sources), f"{name}: {sorted(calls)}"
    created = [c for c in plan.resource_changes.values() if c["change"]["actions"] == ["create"]]
    if any(creates_resources(module) for module in sources):
        assert created, f"the example {name} plans nothing"
