"""modules/automation/modules/masking-rules: DMS transformation rules in DMS's documented format, the Lambda's JSON, refusals.

Every case plans the module offline (it has no resources, so no provider is involved). The
refusal cases run through both copies of the validation — HCL at plan time and Python in the
Lambda — so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dms_automation.masking import MaskingRuleError, parse_rules
from tests.terraform.inventory import Case, assert_case, collect
from tests.tf import plan, plan_error

MODULE = "modules/automation/modules/masking-rules"
CASES = collect(Path(__file__).parent)
# The rule-action values the DMS user guide lists for data masking (DMS 3.5.4+).
DMS_MASKING_ACTIONS = {"data-masking-digits-mask", "data-masking-digits-randomize", "data-masking-hash-mask"}

RULES: list[dict[str, Any]] = [
    {"schema": "hr", "table": "employees", "column": "ssn", "strategy": "hash", "where": "dms",
     "options": {"allow_unkeyed_hash": True}},
    {"schema": "hr", "table": "employees", "column": "phone", "strategy": "randomize_digits",
     "where": "dms"},
    {"schema": "hr", "table": "employees", "column": "passport", "strategy": "mask_digits", "where": "dms",
     "options": {"mask_char": "#"}},
    {"schema": "hr", "table": "employees", "column": "email", "strategy": "fake_email",
     "options": {"domain": "example.org"}},
    {"schema": "hr", "table": "employees", "column": "card", "strategy": "redact",
     "options": {"keep_last": 4}},
    {"schema": "sales", "table": "orders", "column": "customer_ssn", "strategy": "hash"},
    {"schema": "sales", "table": "orders", "column": "note", "strategy": "null"},
    {"schema": "sales", "table": "orders", "column": "city", "strategy": "fixed",
     "options": {"value": "Nowhere"}},
]  # fmt: skip


def outputs(tf_vars: dict[str, Any]) -> dict[str, Any]:
    return dict(plan(MODULE, tf_vars).outputs.items())


def refusal(tf_vars: dict[str, Any]) -> str:
    """Terraform's refusal as one line (the error text arrives with escaped line breaks)."""
    return " ".join(plan_error(MODULE, tf_vars).replace("\\n", " ").split())


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    return outputs({"masking_rules": RULES})


def test_dms_rules_follow_the_documented_transformation_format(rendered: dict[str, Any]) -> None:
    rules = rendered["dms_transformation_rules"]
    assert rules == [
        {
            # DMS's hash is 64 characters: the column is widened first (the lower rule-id).
            "rule-type": "transformation",
            "rule-id": "1001",
            "rule-name": "widen-hr-employees-ssn",
            "rule-target": "column",
            "object-locator": {"schema-name": "hr", "table-name": "employees", "column-name": "ssn"},
            "rule-action": "change-data-type",
            "data-type": {"type": "string", "length": 64},
        },
        {
            "rule-type": "transformation",
            "rule-id": "1002",
            "rule-name": "mask-hr-employees-ssn",
            "rule-target": "column",
            "object-locator": {"schema-name": "hr", "table-name": "employees", "column-name": "ssn"},
            "rule-action": "data-masking-hash-mask",
        },
        {
            "rule-type": "transformation",
            "rule-id": "1003",
            "rule-name": "mask-hr-employees-phone",
            "rule-target": "column",
            "object-locator": {"schema-name": "hr", "table-name": "employees", "column-name": "phone"},
            "rule-action": "data-masking-digits-randomize",
        },
        {
            "rule-type": "transformation",
            "rule-id": "1004",
            "rule-name": "mask-hr-employees-passport",
            "rule-target": "column",
            "object-locator": {"schema-name": "hr", "table-name": "employees", "column-name": "passport"},
            "rule-action": "data-masking-digits-mask",
            "value": "#",
        },
    ]
    assert {rule["rule-action"] for rule in rules} <= DMS_MASKING_ACTIONS | {"change-data-type"}
    # DMS wants rule ids as numeric strings, unique within the table mapping.
    assert all(re.fullmatch(r"[1-9][0-9]*", rule["rule-id"]) for rule in rules)
    assert json.loads(rendered["dms_transformation_rules_json"]) == rules
    assert rendered["has_dms_rules"] is True


def test_the_lambda_json_holds_only_after_load_rules_and_parses_back(rendered: dict[str, Any]) -> None:
    document = json.loads(rendered["after_load_rules_json"])
    assert document["version"] == 1
    parsed = parse_rules(rendered["after_load_rules_json"])
    assert [(r.name, r.strategy, r.where) for r in parsed] == [
        ("hr.employees.email", "fake_email", "after_load"),
        ("hr.employees.card", "redact", "after_load"),
        ("sales.orders.customer_ssn", "hash", "after_load"),
        ("sales.orders.note", "null", "after_load"),
        ("sales.orders.city", "fixed", "after_load"),
    ]
    by_name = {r.name: r for r in parsed}
    assert by_name["hr.employees.card"].keep_last == 4
    assert by_name["hr.employees.email"].domain == "example.org"
    assert by_name["sales.orders.customer_ssn"].options == {}
    assert rendered["after_load_tables"] == ["hr.employees", "sales.orders"]
    assert rendered["has_after_load_rules"] is True


def test_default_where_moves_unplaced_rules_and_first_rule_id_shifts_ids() -> None:
    rules = [
        {"schema": "hr", "table": "employees", "column": "ssn", "strategy": "mask_digits"},
        {"schema": "hr", "table": "employees", "column": "card", "strategy": "redact", "where": "after_load"},
    ]
    rendered = outputs({"masking_rules": rules, "default_where": "dms", "first_rule_id": 50})
    assert [(r["rule-id"], r["rule-action"]) for r in rendered["dms_transformation_rules"]] == [
        ("50", "data-masking-digits-mask")
    ]
    assert [r.column for r in parse_rules(rendered["after_load_rules_json"])] == ["card"]


def test_no_rules_render_nothing() -> None:
    rendered = outputs({})
    assert rendered["dms_transformation_rules"] == []
    assert rendered["has_after_load_rules"] is False and rendered["has_dms_rules"] is False
    assert parse_rules(rendered["after_load_rules_json"]) == []


BASE = {"schema": "hr", "table": "employees", "column": "ssn", "strategy": "hash"}


@pytest.mark.parametrize(
    ("change", "terraform_says", "python_says"),
    [
        ({"strategy": "scramble"}, 'hr.employees.ssn (strategy "scramble"); use one of: hash',
         "unknown strategy"),
        ({"table": ""}, 'check: "hr..ssn"', "'table' is missing or empty"),
        ({"column": "ssn; DROP TABLE x"}, 'check: "hr.employees.ssn; DROP TABLE x"', "is not allowed"),
        ({"column": "first name"}, "must be 1-64 letters, digits", "is not allowed"),
        ({"where": "later"}, 'hr.employees.ssn (where "later")', "where='later' is not allowed"),
        ({"strategy": "null", "where": "dms"}, "set where = \"after_load\" for: hr.employees.ssn (null)",
         "DMS cannot apply strategy null"),
        ({"options": {"salt": "x"}}, "options.salt is no longer accepted", "options.salt is no longer accepted"),
        ({"where": "dms", "options": {"salt": "x"}}, "Drop options.salt from: hr.employees.ssn",
         "keyed by the masking key"),
        ({"options": {"keep_last": 2}}, "hr.employees.ssn (hash: keep_last)",
         "do not apply to strategy hash"),
        ({"strategy": "fixed"}, "needs options.value", "needs options.value"),
        ({"strategy": "redact", "options": {"keep_last": 1.5}}, "hr.employees.ssn (1.5)", "whole number"),
        ({"strategy": "redact", "options": {"mask_char": " "}}, 'hr.employees.ssn (" ")', "printable ASCII"),
        ({"strategy": "fake_email", "options": {"domain": "no domain"}}, "domain name",
         "not a domain name"),
        # DMS's own hash is unkeyed and 64 characters: refused unless asked for, by default_where too.
        ({"where": "dms"}, "an unkeyed SHA-256, so phone numbers and IDs are recovered by hashing every "
         "possible value, and always 64 characters", "an unkeyed SHA-256"),
        ({"where": "dms", "options": {"allow_unkeyed_hash": False}}, "allow_unkeyed_hash = true } (the target "
         "column is then changed to a 64-character string first): hr.employees.ssn", "allow_unkeyed_hash = true"),
        ({"options": {"allow_unkeyed_hash": True}}, "allow_unkeyed_hash only applies to strategy hash with "
         'where = "dms" (after load, hash is always keyed); drop it from: hr.employees.ssn',
         "only applies to strategy hash"),
        ({"strategy": "mask_digits", "where": "dms", "options": {"allow_unkeyed_hash": True}},
         "drop it from: hr.employees.ssn", "do not apply to strategy mask_digits"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_at_plan_time_and_by_the_lambda_naming_the_rule(
    change: dict[str, Any], terraform_says: str, python_says: str
) -> None:
    rule = {**BASE, **change}
    assert terraform_says in refusal({"masking_rules": [rule]})
    with pytest.raises(MaskingRuleError, match=re.escape(python_says)):
        parse_rules([rule])


def test_one_rule_per_column_at_plan_time() -> None:
    error = refusal({"masking_rules": [BASE, {**BASE, "column": "SSN", "strategy": "null"}]})
    assert "one rule per column; more than one rule for: hr.employees.ssn, hr.employees.SSN" in error


def test_bad_module_settings_are_refused() -> None:
    assert 'default_where = "later" is not allowed' in refusal({"default_where": "later"})
    assert "first_rule_id = 0 is not allowed" in refusal({"first_rule_id": 0})


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_matches_inventory(case: Case) -> None:
    assert_case(case)
