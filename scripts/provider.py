"""One long-lived ``hashicorp/aws`` provider process that terraform commands attach to.

Terraform otherwise starts the provider (a binary of several hundred MB) several times per
command: for the schema, validation, plan, apply and ``show``. A provider started once in debug
mode prints a ``TF_REATTACH_PROVIDERS`` value; every terraform command given that value talks to
the running process instead of starting its own. What the provider does is unchanged: each
command still configures it from its own ``provider`` block.

One process serves one sequence of commands at a time (each command reconfigures it): the demo
uses one per run, the test suite one per test worker.

    server = ProviderServer(ProviderServer.find(lock_file), workdir=tmp, cwd=fixture).spawn()
    env["TF_REATTACH_PROVIDERS"] = server.wait_ready()
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

from scripts.emulator import FAKE_CREDENTIALS
from scripts.tfcli import STATE_DIR

ADDRESS = "registry.terraform.io/hashicorp/aws"
_PR_SET_PDEATHSIG = 1


class ProviderError(RuntimeError):
    """The provider could not be started or did not announce how to attach to it."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """The provider is killed by the kernel when the process that started it dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _go_arch() -> str:
    machine = os.uname().machine.lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


def locked_version(lock_file: Path) -> str | None:
    """The ``hashicorp/aws`` version a ``.terraform.lock.hcl`` selects (None without one)."""
    if not lock_file.exists():
        return None
    lock = lock_file.read_text()
    marker = f'provider "{ADDRESS}"'
    if marker not in lock:
        return None
    return lock[lock.index(marker) :].split("version", 1)[1].split('"')[1]


class ProviderServer:
    """``hashicorp/aws`` started once in debug mode; terraform attaches through TF_REATTACH_PROVIDERS."""

    def __init__(self, binary: Path, workdir: Path, cwd: Path) -> None:
        self.binary = binary
        self.cwd = cwd  # where terraform runs: relative paths (a Lambda zip) resolve alike
        self.log_path = workdir / "provider.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.reattach: str | None = None

    @staticmethod
    def find(lock_file: Path, tf_data_dir: Path | None = None) -> Path | None:
        """The provider binary of the version ``lock_file`` selects, from the plugin cache or
        ``tf_data_dir``; None before the first ``terraform init`` (no lock file or no binary yet)."""
        version = locked_version(lock_file)
        if version is None:
            return None
        platform = f"{os.uname().sysname.lower()}_{_go_arch()}"
        candidates = [STATE_DIR / "plugin-cache"]
        if tf_data_dir is not None:
            candidates.insert(0, tf_data_dir / "providers")
        for base in candidates:
            directory = base / ADDRESS / version / platform
            found = sorted(directory.glob("terraform-provider-aws*")) if directory.is_dir() else []
            if found:
                return found[0]
        return None

    @staticmethod
    def environment() -> dict[str, str]:
        """Fake credentials and no CA bundle, profile or shared config: the provider reaches no account.

        (A CA bundle from the environment also breaks a second ConfigureProvider in one process.)
        """
        kept = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        return {
            **kept,
            **FAKE_CREDENTIALS,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "CHECKPOINT_DISABLE": "1",
        }

    def spawn(self) -> ProviderServer:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "-debug"],
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                preexec_fn=_die_with_parent,  # prctl only, between fork and exec
            )
        atexit.register(self.stop)
        return self

    def wait_ready(self, timeout: float = 120.0) -> str:
        """The TF_REATTACH_PROVIDERS value, once the provider listens."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            for line in text.splitlines():
                if "TF_REATTACH_PROVIDERS=" in line:
                    self.reattach = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
                    return self.reattach
            if self.process.poll() is not None:
                raise ProviderError(f"the AWS provider exited with code {self.process.returncode}:\n{text}")
            time.sleep(0.05)
        raise ProviderError(f"the AWS provider did not start within {timeout:.0f}s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)  # the provider's own graceful shutdown
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
