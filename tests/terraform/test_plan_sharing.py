"""The plan kept for the processes that read the same cases (tests.tf.plan_cases) is reused only
while nothing it can read has changed: a stale plan would let every plan test pass on old code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tf import plan_inputs_digest

FILES = {
    "main.tf": 'module "dms_automation" {}\n',
    "modules/automation/iam.tf": "# grants\n",
    "modules/automation/lambda/dms_automation.zip": "zip bytes",
    "tests/terraform/root/fixture/main.tf": "# fixture\n",
    ".tfcli/plan-cases/abc/main.tf": 'module "case_0" {}\n',
    ".tfcli/plan-cases/abc/.terraform.lock.hcl": "# provider 5.100.0\n",
    ".tfcli/plan-cases/abc/.terraform/modules/modules.json": "{}",
    "modules/automation/.terraform/terraform.tfstate": "{}",
    "lambda_src/dms_automation/core.py": "# code the plan does not read\n",
    "README.md": "# docs\n",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _digest(root: Path) -> str:
    return plan_inputs_digest(root / ".tfcli/plan-cases/abc", root)


@pytest.mark.parametrize(
    "changed",
    [
        "main.tf",  # the root module, which the root fixture calls
        "modules/automation/iam.tf",
        "modules/automation/lambda/dms_automation.zip",  # read by filebase64sha256
        "tests/terraform/root/fixture/main.tf",
        ".tfcli/plan-cases/abc/main.tf",  # the cases themselves
        ".tfcli/plan-cases/abc/.terraform.lock.hcl",  # another provider version
    ],
)
def test_a_change_to_anything_the_plan_reads_plans_afresh(root: Path, changed: str) -> None:
    before = _digest(root)
    (root / changed).write_text((root / changed).read_text() + "changed")
    assert _digest(root) != before


@pytest.mark.parametrize(
    "changed",
    [
        "lambda_src/dms_automation/core.py",
        "README.md",
        ".tfcli/plan-cases/abc/.terraform/modules/modules.json",
        "modules/automation/.terraform/terraform.tfstate",
    ],
)
def test_what_the_plan_does_not_read_keeps_the_plan(root: Path, changed: str) -> None:
    before = _digest(root)
    (root / changed).write_text("changed")
    assert _digest(root) == before
