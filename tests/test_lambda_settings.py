"""Every environment variable the Lambdas read is in README's table of Lambda settings, and back."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every way the package reads a variable: os.environ/env .get, the typed parsers, Config's helpers.
READS = re.compile(
    r'(?:\.get|env_int|env_bool|_int_env|required|one_of)\((?:env, )?"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"'
)


def read_in_code() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "lambda_src" / "dms_automation").rglob("*.py"):
        names |= set(READS.findall(source.read_text()))
    return names


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- BEGIN_LAMBDA_SETTINGS -->")[1].split("<!-- END_LAMBDA_SETTINGS -->")[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.strip().startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def test_the_scan_finds_the_settings_it_should() -> None:
    assert {
        "REPLICATION_TASK_ARN",
        "STATE_TABLE_NAME",
        "AUTOMATION_ENABLED",
        "MASKING_CHUNK_ROWS",
    } <= read_in_code()


def test_every_setting_read_is_documented_and_every_documented_one_is_read() -> None:
    code, readme = read_in_code(), documented()
    assert not code - readme, f"read by the Lambdas but missing from README's table: {sorted(code - readme)}"
    assert not readme - code, f"in README's table but read nowhere: {sorted(readme - code)}"
