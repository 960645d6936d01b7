"""atlantis.yaml plans every example when the example, a module or the Lambda sources change."""

from __future__ import annotations

from typing import Any

import yaml

from tests import tf

REQUIRED = {
    "*.tf",
    "../../modules/**/*.tf",
    "../../lambda_src/**/*.py",
    "../../modules/automation/lambda/*.zip",
}


def _projects() -> dict[str, Any]:
    config = yaml.safe_load(tf.repo_path("atlantis.yaml").read_text())
    assert config["version"] == 3
    return {p["dir"]: p for p in config["projects"]}


def test_one_project_per_example_with_explicit_sources() -> None:
    examples = sorted(
        f"examples/{d.name}" for d in tf.repo_path("examples").iterdir() if (d / "main.tf").is_file()
    )
    projects = _projects()
    # Every example directory of this file's five is listed; others (local demos) may be too.
    for name in (
        "data-refresh-scheduled",
        "one-time-migration-cdc",
        "existing-task",
        "table-subset-sync",
        "multi-environment",
    ):
        assert f"examples/{name}" in examples
        autoplan = projects[f"examples/{name}"]["autoplan"]
        assert autoplan["enabled"] is True
        assert set(autoplan["when_modified"]) >= REQUIRED


def test_examples_that_use_the_root_module_watch_it() -> None:
    for directory, project in _projects().items():
        main = tf.repo_path(directory, "main.tf").read_text()
        if 'source = "../.."' in main:
            assert "../../*.tf" in project["autoplan"]["when_modified"], directory
