"""A consumer written elsewhere, pointing at modules/automation by absolute path, plans offline.

An absolute path makes Terraform treat the module directory as a package of its own, so the
module must not reach outside it (no ``../`` module sources).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tftest

from dms_automation.config import VALID_COMBINATIONS
from scripts.tfcli import init_lock
from tests import tf

PROVIDER = """
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""

MODULE = """
module "dms_%(index)d" {
  source = "%(source)s"

  replication_task_arn        = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  replication_task_id         = "orders-refresh"
  migration_refresh_indicator = "%(indicator)s"
  migration_refresh_type      = "%(type)s"
  schedule_or_one_time        = "%(schedule)s"
}

output "rule_%(index)d" {
  value = module.dms_%(index)d.event_rule_name
}
"""


def consumer(directory: Path, combinations: list[tuple[str, str, str]]) -> tftest.TerraformTest:
    """A consumer with one module call per combination, initialised."""
    source = tf.repo_path("modules", "automation").as_posix()
    calls = [
        MODULE % {"index": i, "source": source, "indicator": c[0], "type": c[1], "schedule": c[2]}
        for i, c in enumerate(combinations)
    ]
    (directory / "main.tf").write_text(PROVIDER + "".join(calls))
    test = tftest.TerraformTest(str(directory), env=tf.env())
    with init_lock():
        test.setup(upgrade=False, cleanup_on_exit=False)
    return test


def test_every_valid_combination_plans_from_an_absolute_source(tmp_path: Path) -> None:
    # One consumer calling the module once per valid combination: one plan for all six.
    plan = consumer(tmp_path, list(VALID_COMBINATIONS)).plan(output=True)
    for index, combination in enumerate(VALID_COMBINATIONS):
        assert plan.outputs[f"rule_{index}"] == "dms-orders-refresh-trigger", combination


def test_an_invalid_combination_is_refused_from_an_absolute_source(tmp_path: Path) -> None:
    test = consumer(tmp_path, [("data-refresh", "cdc", "schedule")])
    with pytest.raises(tftest.TerraformTestError) as error:
        test.plan(output=True)
    text = " ".join(" ".join(str(part) for part in error.value.args).split())
    assert "data-refresh/cdc/schedule is not a valid combination" in text
    assert "valid: " + "; ".join("/".join(c) for c in VALID_COMBINATIONS) in text
