"""Deterministic build of the Lambda package that modules/automation ships.

The same sources give the same bytes on every machine: entries sorted, one fixed timestamp,
fixed permissions, no caches or tests, no compression. ``terraform plan`` reads the
committed zip (``filebase64sha256``), so plans need no packaging step and agree everywhere.

    python -m scripts.build_lambda            # rewrite modules/automation/lambda/dms_automation.zip
    python -m scripts.build_lambda --check    # exit 1 when the committed zip is stale
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "lambda_src"
PACKAGE = "dms_automation"
OUTPUT = ROOT / "modules" / "automation" / "lambda" / "dms_automation.zip"

# 1980-01-01 00:00:00, the earliest timestamp a zip entry can hold.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644


def _vendored() -> tuple[tuple[str, Path], ...]:
    """Third-party pure-Python packages shipped in the zip, as (import name, installed directory).

    PyMySQL is pinned in requirements-dev.txt, so every machine ships the same files; the masking
    engine imports it only when it connects.
    """
    import pymysql

    return (("pymysql", Path(pymysql.__file__).resolve().parent),)


def _files(base: Path, top: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((base / top).rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        yield path.relative_to(base).as_posix(), path


def entries(source: Path = SOURCE) -> list[tuple[str, bytes]]:
    """(archive name, content) for every file in the package, sorted by name."""
    found = list(_files(source, PACKAGE))
    for name, directory in _vendored():
        found += list(_files(directory.parent, name))
    return sorted((arcname, path.read_bytes()) for arcname, path in found)


def build(source: Path = SOURCE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for arcname, content in entries(source):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            # Stored, not deflated: deflate output depends on the zlib build (zlib-ng and
            # friends compress differently), and byte-identity across machines matters more.
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.create_system = 3  # unix, whatever the building machine is
            archive.writestr(info, content)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed zip is stale")
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != data:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run `make build` and commit it", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date ({len(data)} bytes)")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
