"""The one rule of every schedule input (schedule_expression.tf), run by Terraform's regex engine.

EventBridge's cron reference and schedule-pattern page are the source of every case:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
(its examples are the first accepted ones). The refusals of each input at plan time, with their
messages, are inventory cases (``invalid-cron-*``) of tests/terraform/automation and root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from tests.tf import env, repo_path

RULE_FILES = (
    repo_path("schedule_expression.tf"),
    repo_path("modules", "automation", "schedule_expression.tf"),
)

ACCEPTED = (
    # The pages' own examples.
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(15 10 ? * MON-FRI *)",
    "cron(0 18 L * ? *)",
    "cron(0 10 ? * 6#3 *)",
    "cron(0 0 3W * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 0 1 JAN,FEB,MAR ? *)",
    "cron(0 0 1-15 * ? *)",
    "cron(1/10 * * * ? *)",
    "cron(0 0 * * ? 1970-2199)",
    "cron(59 23 31 12 ? 2199)",
    "cron(0 0 ? * SUN,SAT *)",
    "cron(0 0 ? * 1-7 *)",
    "cron(0 0 ? * * *)",
    "cron(0 0 * * ? *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
)

REFUSED = (
    "cron(0 25 * * ? *)",  # hours 0-23
    "cron(61 0 * * ? *)",  # minutes 0-59
    "cron(60 0 * * ? *)",
    "cron(0 0 1 13 ? *)",  # month 1-12
    "cron(0 0 0 * ? *)",  # day-of-month 1-31
    "cron(0 0 32 * ? *)",
    "cron(a b c d ? f)",  # no such values
    "cron(0 0 ? * 9 *)",  # day-of-week 1-7
    "cron(0 0 ? * 0 *)",
    "cron(0 0 ? * FUN *)",
    "cron(0 0 * * ? 1969)",  # year 1970-2199
    "cron(0 0 * * ? 2200)",
    "cron(0 0 * * * *)",  # one of the day fields must be ?
    "cron(0 0 ? * ? *)",
    "cron(0 0 1 * MON *)",
    "cron(0 0 ? * 3#1,6#3 *)",  # '#' allows one expression only
    "cron(0 0 ? * 3#6 *)",
    "cron(0 0 ? * 1/2 *)",  # no / in day-of-week
    "cron(0 L * * ? *)",  # L and W belong to the day fields
    "cron(0 0 * L ? *)",
    "cron(0 0 * * ?)",  # six fields
    "cron(0 0 * * ? * *)",
    "cron(0  0 * * ? *)",
    "0 0 * * *",
    "cron(0/0 * * * ? *)",
    "rate(1 hours)",  # singular for 1, plural otherwise
    "rate(5 hour)",
    "rate(0 minutes)",
    "rate(1 week)",
    "rate(-1 days)",
    "",
)


def test_the_copies_are_identical() -> None:
    root, automation = (path.read_bytes() for path in RULE_FILES)
    assert root == automation, "schedule_expression.tf differs between the root module and modules/automation"


def test_every_schedule_input_uses_the_rule() -> None:
    inputs = {
        "variables.tf": ("schedule_expression",),
        "modules/automation/variables.tf": ("schedule_expression", "watchdog_schedule_expression"),
    }
    for path, names in inputs.items():
        with repo_path(path).open() as handle:
            variables = {
                name.strip('"'): body
                for block in hcl2.load(handle)["variable"]
                for name, body in block.items()
            }
        for name in names:
            conditions = [v["condition"] for v in variables[name].get("validation", [])]
            assert any(f"local.schedule_expression_pattern, var.{name}" in c for c in conditions), (
                f"{path}: {name} is not checked by local.schedule_expression_pattern"
            )


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    """Whether Terraform's regex engine (RE2, as the validations use it) accepts each expression."""
    workdir: Path = tmp_path_factory.mktemp("schedule-rule")
    shutil.copy(RULE_FILES[1], workdir / "schedule_expression.tf")
    expressions = list(ACCEPTED + REFUSED)
    (workdir / "cases.tf").write_text(
        f"locals {{\n  cases = jsondecode({json.dumps(json.dumps(expressions))})\n}}\n"
    )
    query = "jsonencode([for e in local.cases : can(regex(local.schedule_expression_pattern, e))])\n"
    result = subprocess.run(
        ["terraform", "console"],
        input=query,
        cwd=workdir,
        env={**os.environ, **env()},
        capture_output=True,
        text=True,
        check=True,
    )
    answers = json.loads(json.loads(result.stdout.strip()))
    return dict(zip(expressions, answers, strict=True))


@pytest.mark.parametrize("expression", ACCEPTED)
def test_eventbridge_accepts(verdicts: dict[str, bool], expression: str) -> None:
    assert verdicts[expression], f"{expression} is a valid EventBridge schedule expression but is refused"


@pytest.mark.parametrize("expression", REFUSED)
def test_eventbridge_refuses(verdicts: dict[str, bool], expression: str) -> None:
    assert not verdicts[expression], f"EventBridge refuses {expression}, the rule accepts it"
