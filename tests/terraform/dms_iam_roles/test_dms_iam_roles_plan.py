"""Plan checks of modules/dms-iam-roles: the account-wide roles DMS requires, by their fixed names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.inventory import Case, assert_case, collect

CASES = collect(Path(__file__).parent)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert_case(case)
