"""Plan inventories, the way cloud-foundation-fabric checks its modules.

A case is a pair of files in a case directory: ``NAME.tfvars`` (the inputs) and ``NAME.yaml``
(what the plan must show). A valid case's YAML holds any of

* ``values``: planned attributes by resource address; a subset is compared, so only what is
  listed is checked. ``__missing__`` asserts that a resource or attribute is absent (or null);
* ``counts``: the number of resources per type (every type of the plan, when given);
* ``outputs``: planned output values (an unknown output is written ``__unknown__``).

An invalid case's YAML holds ``error``: a list of substrings that Terraform's refusal must
contain (whitespace is normalised, so line wrapping does not matter).

Every module's directory of tests has the same shape: ``tests/terraform/<module>/`` holds
``fixture/`` (a consumer of the module whose variables the cases set), the cases, and one
``test_<module>_plan.py`` whose ``test_plan_matches_inventory`` runs ``assert_case`` on each
case. The valid cases of a directory are planned together, in one plan (``tests.tf.plan_cases``).

Regenerate an inventory from the current plan, then review the diff:

    .venv/bin/python -m tests.terraform.inventory tests/terraform/<module>/NAME.tfvars
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tftest
import yaml

from tests.tf import initialised, plan_cases, repo_path

MISSING = "__missing__"
UNKNOWN = "__unknown__"

# Attributes a regenerated inventory keeps, by resource type: what a user would notice.
KEEP: dict[str, tuple[str, ...]] = {
    "aws_cloudwatch_event_rule": ("name", "schedule_expression", "state"),
    "aws_db_instance": (
        "identifier",
        "engine",
        "storage_encrypted",
        "publicly_accessible",
        "manage_master_user_password",
    ),
    "aws_dms_endpoint": ("endpoint_id", "endpoint_type", "engine_name"),
    "aws_dms_replication_instance": ("replication_instance_id", "engine_version", "publicly_accessible"),
    "aws_dms_replication_task": ("replication_task_id", "migration_type"),
    "aws_rds_cluster": ("cluster_identifier", "engine", "storage_encrypted", "manage_master_user_password"),
    "aws_vpc_endpoint": ("service_name", "vpc_endpoint_type", "private_dns_enabled"),
    "aws_cloudwatch_event_target": ("target_id", "input"),
    "aws_cloudwatch_log_group": ("name", "retention_in_days", "kms_key_id"),
    "aws_cloudwatch_log_metric_filter": ("name", "pattern"),
    "aws_cloudwatch_metric_alarm": ("alarm_name", "namespace", "metric_name", "alarm_actions"),
    "aws_dms_event_subscription": ("name", "enabled", "source_type", "source_ids", "event_categories"),
    "aws_dynamodb_table": (
        "name",
        "billing_mode",
        "hash_key",
        "deletion_protection_enabled",
        "server_side_encryption",
        "point_in_time_recovery",
    ),
    "aws_iam_role": ("name", "path", "permissions_boundary"),
    "aws_lambda_function": (
        "function_name",
        "handler",
        "runtime",
        "timeout",
        "kms_key_arn",
        "environment",
        "tracing_config",
    ),
    "aws_lambda_permission": ("principal", "statement_id"),
    "aws_s3_bucket": ("bucket", "force_destroy"),
    "aws_secretsmanager_secret": ("name", "kms_key_id"),
    "aws_sns_topic": ("name", "kms_master_key_id"),
    "aws_ssm_parameter": ("name", "type", "tier", "key_id"),
    "aws_sns_topic_subscription": ("protocol", "endpoint"),
    "aws_sqs_queue": ("name", "sqs_managed_sse_enabled", "kms_master_key_id"),
}


@dataclass(frozen=True)
class Case:
    tfvars: Path
    expected: Path

    @property
    def name(self) -> str:
        return self.tfvars.stem


def collect(case_dir: Path) -> list[Case]:
    """Every ``*.tfvars`` of ``case_dir`` with its ``*.yaml``: adding a case is adding two files."""
    return [Case(path, path.with_suffix(".yaml")) for path in sorted(case_dir.glob("*.tfvars"))]


def fixture_of(case_dir: Path) -> str:
    """The fixture the cases of ``case_dir`` are planned with: its ``fixture/`` directory."""
    return str((case_dir / "fixture").resolve().relative_to(repo_path()))


def refused(case: Case) -> bool:
    return "error" in yaml.safe_load(case.expected.read_text())


@functools.cache
def valid_plans(case_dir: Path) -> dict[str, tftest.TerraformPlanOutput]:
    """The plans of every valid case of ``case_dir``, from one plan of them all."""
    cases = [case for case in collect(case_dir) if not refused(case)]
    return plan_cases(fixture_of(case_dir), {case.name: case.tfvars.read_text() for case in cases})


def assert_case(case: Case) -> None:
    """The case's plan shows what its YAML lists, or Terraform refuses it with the listed texts."""
    assert case.expected.exists(), f"{case.tfvars.name} has no {case.expected.name}; {regenerate_hint(case)}"
    expected = yaml.safe_load(case.expected.read_text())
    if "error" in expected:
        error = refusal(fixture_of(case.tfvars.parent), case)
        assert error is not None, f"{case.name}: the plan succeeded; a refusal was expected"
        missing = [text for text in expected["error"] if " ".join(text.split()) not in error]
        assert not missing, f"{case.name}: the refusal lacks {missing}; it was:\n{error}"
        return
    found = check(summarise(valid_plans(case.tfvars.parent)[case.name]), expected)
    assert not found, f"{case.name}: the plan differs from {case.expected.name}:\n" + "\n".join(
        [*found, regenerate_hint(case)]
    )


def _walk(module: dict[str, Any]) -> list[dict[str, Any]]:
    resources = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        resources += _walk(child)
    return resources


def _mark_unknown(value: Any, unknown: Any) -> Any:
    """``value`` with the parts Terraform knows only after apply replaced by ``__unknown__``."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        base = dict(value) if isinstance(value, dict) else {}
        for key, inner in unknown.items():
            base[key] = _mark_unknown(base.get(key), inner)
        return base
    if isinstance(unknown, list) and isinstance(value, list):
        return [_mark_unknown(v, u) for v, u in zip(value, unknown + [False] * len(value), strict=False)]
    return value


def summarise(plan: tftest.TerraformPlanOutput) -> dict[str, Any]:
    """Planned values by address, counts by type, outputs (unknown ones as ``__unknown__``)."""
    raw = plan._raw
    resources = [
        r for r in _walk(raw.get("planned_values", {}).get("root_module", {})) if r["mode"] == "managed"
    ]
    changes = {c["address"]: c["change"] for c in raw.get("resource_changes", [])}
    values = {
        r["address"]: _mark_unknown(
            r.get("values", {}), changes.get(r["address"], {}).get("after_unknown", {})
        )
        for r in resources
    }
    types = {r["address"]: r["type"] for r in resources}
    counts = dict(sorted(Counter(types.values()).items()))
    outputs = {
        name: change["after"] if not change.get("after_unknown") else UNKNOWN
        for name, change in sorted(raw.get("output_changes", {}).items())
    }
    return {"values": values, "types": types, "counts": counts, "outputs": outputs}


def plan_case(tfdir: str, case: Case) -> tftest.TerraformPlanOutput:
    return initialised(tfdir).plan(output=True, tf_var_file=str(case.tfvars.resolve()))


def refusal(tfdir: str, case: Case) -> str | None:
    """Terraform's error text (whitespace normalised), or None when the plan succeeds."""
    try:
        plan_case(tfdir, case)
    except tftest.TerraformTestError as error:
        return error_text(error)
    return None


def error_text(error: BaseException) -> str:
    """Terraform's standard error from a tftest failure, whitespace normalised (its args are a tuple)."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, tuple | list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            parts.append(value)

    walk(error.args)
    text = parts[-1] if len(parts) > 1 else " ".join(parts)
    return " ".join(text.replace("│", " ").split())


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` does not contain ``expected`` (dicts: subset; lists: same length)."""
    if expected == MISSING:
        return [] if actual is None else [f"{path}: expected absent, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        found: list[str] = []
        for key, value in expected.items():
            found += mismatches(value, actual.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        found = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(want, got, f"{path}[{index}]")
        return found
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def check(summary: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    found = mismatches(expected.get("values", {}), summary["values"], "values")
    if "counts" in expected and expected["counts"] != summary["counts"]:
        found.append(f"counts: expected {expected['counts']!r}, got {summary['counts']!r}")
    found += mismatches(expected.get("outputs", {}), summary["outputs"], "outputs")
    return found


def regenerate_hint(case: Case) -> str:
    relative = case.tfvars.resolve().relative_to(repo_path())
    command = f".venv/bin/python -m tests.terraform.inventory {relative}"
    return f"if the change is intended, regenerate the inventory and review its diff: {command}"


def inventory_of(summary: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for address, attributes in sorted(summary["values"].items()):
        keep = KEEP.get(summary["types"][address])
        if keep:
            values[address] = {key: attributes.get(key) for key in keep}
    return {"values": values, "counts": summary["counts"], "outputs": summary["outputs"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the expected-plan YAML of a valid case from its plan."
    )
    parser.add_argument("tfvars", nargs="+", type=Path, help="case file(s): <case dir>/<name>.tfvars")
    parser.add_argument("--tfdir", help="consumer to plan (default: fixture/ beside the case)")
    args = parser.parse_args(argv)
    for tfvars in args.tfvars:
        case = Case(tfvars.resolve(), tfvars.resolve().with_suffix(".yaml"))
        try:
            summary = summarise(plan_case(args.tfdir or fixture_of(case.tfvars.parent), case))
        except tftest.TerraformTestError as error:
            refused = error_text(error)
            print(f"{case.name}: the plan is refused; write its `error:` substrings by hand:\n{refused}")
            continue
        text = yaml.safe_dump(inventory_of(summary), sort_keys=False, width=110)
        case.expected.write_text(
            f"# Expected plan of {case.name}.tfvars (regenerated, then reviewed).\n{text}"
        )
        print(f"wrote {case.expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
