"""The project's local AWS emulator: moto's server plus the DMS/RDS behaviour moto lacks.

``Emulator`` starts ``python -m scripts.emulator`` in its own process group on a free loopback
port, waits until it answers, and stops the whole group on ``stop()``, on interpreter exit, and
(from the emulator's side) when the process that started it disappears.

    with Emulator() as emulator:
        boto3.client("dms", endpoint_url=emulator.endpoint, ...)
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class EmulatorError(RuntimeError):
    """The emulator did not start, or answered a control request with an error."""


class Emulator:
    def __init__(self, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> None:
        self.host = host
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="dms-automation-emulator-"))
        self.log_path = self._workdir / "emulator.log"
        self._port_file = self._workdir / "port"

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    def client(self, service: str, region: str = FAKE_CREDENTIALS["AWS_REGION"]) -> Any:
        """A boto3 client of ``service`` that talks to this emulator, with the fake credentials."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def aws_env(self) -> dict[str, str]:
        """Environment for an AWS SDK or CLI that should talk to this emulator only."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint}

    def start(self) -> Emulator:
        """Start the emulator and wait until it answers."""
        return self.spawn().wait_ready()

    def spawn(self) -> Emulator:
        """Start the emulator's process without waiting for it (see ``wait_ready``)."""
        if self.process is not None:
            return self
        self._port_file = self._workdir / "port"
        self._port_file.unlink(missing_ok=True)
        env = {**os.environ, **FAKE_CREDENTIALS}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scripts.emulator",
                    "--host",
                    self.host,
                    "--port",
                    "0",
                    "--port-file",
                    str(self._port_file),
                    "--parent-pid",
                    str(os.getpid()),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends it and all it started
            )
        atexit.register(self.stop)
        return self

    def wait_ready(self) -> Emulator:
        """Wait until the spawned emulator answers its health check."""
        if self.process is None:
            raise EmulatorError("the emulator was not started; call spawn() or start() first")
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(
                    f"the emulator exited with code {self.process.returncode}; log:\n{self.log_tail()}"
                )
            if self._port_file.exists():
                self.port = int(self._port_file.read_text())
                with contextlib.suppress(OSError, EmulatorError):
                    if self.control("GET", "health").get("status") == "ok":
                        return self
            time.sleep(0.05)
        self.stop()
        raise EmulatorError(
            f"the emulator did not answer within {self.startup_timeout:.0f}s; log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # anything left in the group
        self.port = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call one of the emulator's own ``/_emulator/`` endpoints."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.endpoint}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            raise EmulatorError(f"{method} /_emulator/{path}: {answer.get('message', error)}") from None

    def finish_task(self, arn: str, outcome: str, message: str | None = None) -> dict[str, Any]:
        """End a running DMS task as DMS would: ``stopped`` (full load finished) or ``failed``."""
        body: dict[str, Any] = {"arn": arn, "outcome": outcome}
        if message:
            body["message"] = message
        return self.control("POST", "dms/task/finish", body)["ReplicationTask"]  # type: ignore[no-any-return]

    def task_state(self, arn: str) -> dict[str, Any]:
        """How the task's last run was started (``LastStartType``, ``StartCount``) and its status."""
        from urllib.parse import quote

        return self.control("GET", f"dms/task?arn={quote(arn, safe='')}")

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
