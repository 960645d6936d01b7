"""Cold-import time of the Lambda handlers, from the shipped zip, in fresh interpreters.

    python -m scripts.bench_import [--rounds 15]

Each round starts a new Python process with only the unzipped package on its path (boto3
comes from the environment, as the Lambda runtime provides it) and measures the import of
both entry points. Prints the median and the worst round, the load average while measuring
(the figure swings with load; it is a benchmark figure, not a test), and whether a handler
imported boto3 at import time (it must not; tests/unit/test_loop.py checks that part).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile

from scripts.build_lambda import OUTPUT

PROBE = (
    "import sys, time; t = time.perf_counter(); "
    "import dms_automation.starter, dms_automation.post_process; "
    "print((time.perf_counter() - t) * 1000, 'boto3' in sys.modules)"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(OUTPUT) as archive:
            archive.extractall(tmp)
        times = []
        boto3_loaded = False
        for _ in range(args.rounds):
            out = subprocess.run(
                [sys.executable, "-X", "frozen_modules=on", "-c", PROBE],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            times.append(float(out[0]))
            boto3_loaded = boto3_loaded or out[1] == "True"
    size_kb = OUTPUT.stat().st_size / 1024
    print(f"package: {size_kb:.1f} KiB")
    print(
        f"handler import: median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms "
        f"over {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"boto3 imported at import time: {'YES (a handler imports it eagerly)' if boto3_loaded else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
