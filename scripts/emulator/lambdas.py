"""Run a Lambda deployed in the emulator the way the Lambda service would, without Docker.

moto's server stores a function's code but can run it only in Docker. ``invoke`` does what the
Lambda runtime does: it downloads the function's deployment package from the emulator, checks it
against the function's ``CodeSha256``, unpacks it into a fresh directory and calls the configured
handler in a new Python process, with the function's environment variables, fake credentials and
every AWS endpoint pointed at the emulator. The handler imports only what is in the package (and
boto3, which the Lambda runtime provides).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3

from . import FAKE_CREDENTIALS

# Runs in the child process: a minimal Lambda runtime for one invocation.
_BOOTSTRAP = r"""
import json, sys, time, traceback
task_root, handler_path, request_id, function_name, function_arn, memory, timeout, out = sys.argv[1:9]
sys.path.insert(0, task_root)
deadline = time.monotonic() + int(timeout)

class Context:
    aws_request_id = request_id
    function_name = function_name
    function_version = "$LATEST"
    invoked_function_arn = function_arn
    memory_limit_in_mb = int(memory)
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "local/" + request_id
    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.monotonic()) * 1000))

event = json.load(sys.stdin)
module_name, _, attribute = handler_path.rpartition(".")
result = {}
try:
    import importlib
    handler = getattr(importlib.import_module(module_name), attribute)
    module = sys.modules[module_name]
    if not str(getattr(module, "__file__", "")).startswith(task_root):
        raise ImportError(f"{module_name} came from {module.__file__}, not from the deployment package")
    result["payload"] = handler(event, Context())
except Exception as error:
    result["error"] = {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exc().splitlines(),
    }
with open(out, "w") as handle:
    json.dump(result, handle, default=str)
"""


class LambdaRunError(RuntimeError):
    """The function could not be run at all (no such function, package mismatch, runtime crash)."""


@dataclass(frozen=True)
class Invocation:
    function_name: str
    request_id: str
    payload: Any
    error: dict[str, Any] | None
    logs: str

    @property
    def failed(self) -> bool:
        return self.error is not None


def _client(endpoint: str, region: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def download_package(endpoint: str, region: str, function_name: str) -> tuple[bytes, dict[str, Any]]:
    """The function's deployment package and its configuration, the package checked against CodeSha256."""
    configuration = _client(endpoint, region).get_function(FunctionName=function_name)["Configuration"]
    account = configuration["FunctionArn"].split(":")[4]
    query = urlencode({"name": function_name, "region": region, "account": account})
    with urllib.request.urlopen(f"{endpoint}/_emulator/lambda/code?{query}", timeout=30) as response:
        package = response.read()
    digest = base64.b64encode(hashlib.sha256(package).digest()).decode()
    if digest != configuration["CodeSha256"]:
        raise LambdaRunError(
            f"the package of {function_name} ({digest}) does not match "
            f"its CodeSha256 {configuration['CodeSha256']}"
        )
    return package, configuration


def invoke(endpoint: str, region: str, function_name: str, event: Any, timeout: float = 120.0) -> Invocation:
    """Invoke ``function_name`` with ``event`` from its deployed package; returns payload or error."""
    package, configuration = download_package(endpoint, region, function_name)
    request_id = str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix=f"lambda-{function_name}-") as work:
        task_root = Path(work) / "task"
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            archive.extractall(task_root)
        out = Path(work) / "result.json"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            **FAKE_CREDENTIALS,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration.get("MemorySize", 128)),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
            "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            **configuration.get("Environment", {}).get("Variables", {}),
        }
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    _BOOTSTRAP,
                    str(task_root),
                    configuration["Handler"],
                    request_id,
                    function_name,
                    configuration["FunctionArn"],
                    str(configuration.get("MemorySize", 128)),
                    str(configuration.get("Timeout", 3)),
                    str(out),
                ],
                input=json.dumps(event).encode(),
                capture_output=True,
                env=env,
                cwd=task_root,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise LambdaRunError(f"{function_name} did not return within {timeout:.0f}s") from error
        logs = (completed.stdout + completed.stderr).decode(errors="replace")
        if not out.exists():
            raise LambdaRunError(f"{function_name} crashed (exit {completed.returncode}):\n{logs}")
        result = json.loads(out.read_text())
    return Invocation(function_name, request_id, result.get("payload"), result.get("error"), logs)
