"""A consumer written elsewhere, pointing at modules/automation by absolute path, plans offline.

An absolute path makes Terraform treat the module directory as a package of its own, so the
module must not reach outside it (no ``../`` module sources).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tftest

from dms_automation.config import VALID_COMBINATIONS
from tests import tf

CONSUMER = """
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variable "mode" {
  type = list(string)
}

module "dms" {
  source = "%s"

  replication_task_arn        = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  replication_task_id         = "orders-refresh"
  migration_refresh_indicator = var.mode[0]
  migration_refresh_type      = var.mode[1]
  schedule_or_one_time        = var.mode[2]
}

output "rule" {
  value = module.dms.event_rule_name
}
"""


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> tftest.TerraformTest:
    directory: Path = tmp_path_factory.mktemp("consumer")
    (directory / "main.tf").write_text(CONSUMER % tf.repo_path("modules", "automation").as_posix())
    test = tftest.TerraformTest(str(directory), env=tf.env())
    test.setup(upgrade=False)
    return test


def test_every_valid_combination_plans_from_an_absolute_source(consumer: tftest.TerraformTest) -> None:
    for combination in VALID_COMBINATIONS:
        plan = consumer.plan(output=True, tf_vars={"mode": list(combination)})
        assert plan.outputs["rule"] == "dms-orders-refresh-trigger", combination


def test_an_invalid_combination_is_refused_from_an_absolute_source(consumer: tftest.TerraformTest) -> None:
    with pytest.raises(tftest.TerraformTestError) as error:
        consumer.plan(output=True, tf_vars={"mode": ["data-refresh", "cdc", "schedule"]})
    text = " ".join(" ".join(str(part) for part in error.value.args).split())
    assert "data-refresh/cdc/schedule is not a valid combination" in text
    assert "valid: " + "; ".join("/".join(c) for c in VALID_COMBINATIONS) in text
