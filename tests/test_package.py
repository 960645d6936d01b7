"""The committed Lambda package is exactly what the deterministic build makes of lambda_src."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from scripts import build_lambda


def test_committed_zip_matches_a_fresh_build() -> None:
    assert build_lambda.OUTPUT.read_bytes() == build_lambda.build(), (
        "modules/automation/lambda/dms_automation.zip is stale: run `make build` and commit it"
    )


def test_build_ignores_timestamps_permissions_and_caches(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(build_lambda.SOURCE / build_lambda.PACKAGE, copy / build_lambda.PACKAGE)
    for path in copy.rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
        if path.is_file():
            path.chmod(0o600)
    cache = copy / build_lambda.PACKAGE / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "config.cpython-311.pyc").write_bytes(b"not source")
    assert build_lambda.build(copy) == build_lambda.build()


def test_zip_holds_only_the_package_sources() -> None:
    with zipfile.ZipFile(build_lambda.OUTPUT) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert "dms_automation/starter.py" in names
    assert "dms_automation/post_process.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]
    assert {info.date_time for info in infos} == {build_lambda.FIXED_DATE}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_check_mode_reports_a_stale_zip(tmp_path: Path, monkeypatch) -> None:
    stale = tmp_path / "stale.zip"
    stale.write_bytes(b"old")
    monkeypatch.setattr(build_lambda, "OUTPUT", stale)
    monkeypatch.setattr(build_lambda, "ROOT", tmp_path)
    assert build_lambda.main(["--check"]) == 1


def test_handlers_import_from_the_zip_alone(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_lambda.OUTPUT) as archive:
        archive.extractall(tmp_path)
    code = "import dms_automation.starter, dms_automation.post_process; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
