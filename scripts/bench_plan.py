"""Offline plan time of a consumer of modules/automation against the floor: a one-resource config.

Both configurations use the same provider (hashicorp/aws, from the project's CLI config) and the
same offline provider block, are initialised once, then planned in one run, interleaved (the two
alternate, and which goes first alternates each round) so that machine load affects both alike.
Prints each median and the ratio; the target is a ratio of at most 1.2.

    .venv/bin/python -m scripts.bench_plan [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.tfcli import ROOT, terraform_env

TARGET_RATIO = 1.2

PROVIDER = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "fake-secret-key-for-offline-plans"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""

CONSUMER = """
module "automation" {
  source = "%s"

  replication_task_arn        = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  replication_task_id         = "orders-refresh"
  migration_refresh_indicator = "data-refresh"
  migration_refresh_type      = "full-load"
  schedule_or_one_time        = "schedule"
}
"""

FLOOR = """
resource "aws_sns_topic" "this" {
  name = "bench-floor"
}
"""

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-key-for-offline-plans",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _env() -> dict[str, str]:
    return {**os.environ, **terraform_env(FAKE_AWS)}


def _terraform(directory: Path, *args: str) -> None:
    result = subprocess.run(
        ["terraform", *args], cwd=directory, env=_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"terraform {' '.join(args)} failed in {directory}:\n{result.stdout}{result.stderr}")


def _prepare(base: Path) -> dict[str, Path]:
    dirs = {"automation": base / "automation", "floor": base / "floor"}
    module = (ROOT / "modules" / "automation").as_posix()
    dirs["automation"].mkdir(parents=True)
    dirs["floor"].mkdir(parents=True)
    (dirs["automation"] / "main.tf").write_text(PROVIDER + CONSUMER % module)
    (dirs["floor"] / "main.tf").write_text(PROVIDER + FLOOR)
    for directory in dirs.values():
        _terraform(directory, "init", "-input=false", "-backend=false")
    return dirs


def _plan_seconds(directory: Path) -> float:
    start = time.perf_counter()
    _terraform(directory, "plan", "-input=false", "-lock=false", "-no-color")
    return time.perf_counter() - start


def run(rounds: int) -> tuple[float, float]:
    base = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    try:
        dirs = _prepare(base)
        _plan_seconds(dirs["automation"])  # warm the file cache for both before timing
        _plan_seconds(dirs["floor"])
        times: dict[str, list[float]] = {"automation": [], "floor": []}
        for index in range(rounds):
            order = ["automation", "floor"] if index % 2 == 0 else ["floor", "automation"]
            for name in order:
                times[name].append(_plan_seconds(dirs[name]))
            print(
                f"round {index + 1}/{rounds}: automation {times['automation'][-1]:.2f}s, "
                f"floor {times['floor'][-1]:.2f}s",
                flush=True,
            )
        return statistics.median(times["automation"]), statistics.median(times["floor"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: use at least 1")
    automation, floor = run(args.rounds)
    ratio = automation / floor
    print(
        f"median offline plan: modules/automation consumer {automation:.2f}s, one-resource floor {floor:.2f}s"
    )
    verdict = "within" if ratio <= TARGET_RATIO else "above"
    print(f"ratio {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
