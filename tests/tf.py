"""Terraform helpers for the tests: offline plans through tftest, one shared provider install."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import tftest

from scripts.tfcli import ROOT, terraform_env

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Credentials that cannot reach any account: every plan in the suite runs offline.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PROFILE": "",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return terraform_env({**FAKE_AWS_ENV, **(extra or {})})


@functools.cache
def initialised(tfdir: str) -> tftest.TerraformTest:
    """A TerraformTest on ``tfdir`` (relative to the repository root), initialised once per session."""
    test = tftest.TerraformTest(tfdir, basedir=str(ROOT), env=env())
    test.setup(upgrade=False)
    return test


def plan(tfdir: str, tf_vars: dict[str, Any] | None = None) -> tftest.TerraformPlanOutput:
    """Plan ``tfdir`` offline and return the parsed plan."""
    return initialised(tfdir).plan(output=True, tf_vars=tf_vars or {})


def plan_error(tfdir: str, tf_vars: dict[str, Any] | None = None) -> str:
    """Plan ``tfdir`` expecting a refusal; returns Terraform's error text (ANSI-free)."""
    try:
        initialised(tfdir).plan(output=True, tf_vars=tf_vars or {})
    except tftest.TerraformTestError as error:
        # tftest raises (message, stderr); join the real text, not the tuple's repr.
        text = " ".join(str(part) for part in error.args if part)
        return " ".join(_ANSI.sub("", text).replace("│", " ").split())
    raise AssertionError(f"terraform plan of {tfdir} with {tf_vars} succeeded; a refusal was expected")


def repo_path(*parts: str) -> Path:
    return ROOT.joinpath(*parts)
