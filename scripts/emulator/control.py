"""The emulator's own endpoints, under ``/_emulator/``: what AWS does on its own, on request.

GET  /_emulator/health                               {"status": "ok"}
GET  /_emulator/dms/task?arn=ARN                      what the task's last run was started with
POST /_emulator/dms/task/finish {"arn", "outcome", "reason"?, "message"?}
     the running task ends as DMS would end it (DmsModel.end_run): outcome "stopped" (a full load
     finished, or with "reason" any other stop reason) or "failed" (StopReason and
     LastFailureMessage set); answers DescribeReplicationTasks' shape
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.core.exceptions import JsonRESTError

from . import dms
from .dms_model import DmsError, to_wire

PREFIX = "/_emulator/"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _task_state(arn: str) -> dict[str, Any]:
    model = dms.model_of_task(arn)
    with model.lock:
        task = model.task(arn)
    return {
        "ReplicationTaskArn": task.arn,
        "ReplicationTaskIdentifier": task.identifier,
        "Status": task.status,
        "LastStartType": task.last_start_type,
        "StartCount": task.start_count,
        "StopReason": task.stop_reason,
        "LoadedTables": [vars(t) for t in getattr(getattr(task, "load_report", None), "tables", [])],
    }


def lambda_code(query: str) -> bytes:
    from moto.awslambda.models import lambda_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    params = parse_qs(query)
    name = params.get("name", [""])[0]
    region = params.get("region", ["us-east-1"])[0]
    account = params.get("account", [DEFAULT_ACCOUNT_ID])[0]
    function = lambda_backends[account][region].get_function(name)
    return bytes(function.code_bytes)


def handle(method: str, path: str, query: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """Answer one control request: (HTTP status, JSON body)."""
    try:
        if path == PREFIX + "health":
            return 200, {"status": "ok"}
        if path == PREFIX + "dms/task" and method == "GET":
            arn = parse_qs(query).get("arn", [""])[0]
            return 200, _task_state(arn)
        if path == PREFIX + "dms/task/finish" and method == "POST":
            params = json.loads(body or b"{}")
            arn = params.get("arn", "")
            model = dms.model_of_task(arn)
            with model.lock:
                model.end_run(
                    arn, params.get("outcome", ""), params.get("reason", ""), params.get("message", "")
                )
                answer = model.handle(
                    "DescribeReplicationTasks",
                    {"Filters": [{"Name": "replication-task-arn", "Values": [arn]}]},
                )
            return 200, {"ReplicationTask": to_wire(answer["ReplicationTasks"][0])}
    except DmsError as error:
        return 400, {"__type": error.code, "message": error.message}
    except JsonRESTError as error:
        return error.code, {"__type": error.error_type, "message": error.message}
    except json.JSONDecodeError as error:
        return 400, {"__type": "ValidationError", "message": f"body is not JSON: {error}"}
    return 404, {"__type": "NotFound", "message": f"no emulator endpoint {method} {path}"}


class ControlMiddleware:
    """Serves ``/_emulator/`` itself and hands everything else to moto's application."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        content_type = "application/json"
        if path == PREFIX + "lambda/code":
            try:
                payload, status, content_type = lambda_code(query), 200, "application/zip"
            except JsonRESTError as error:
                status = error.code
                payload = json.dumps({"__type": error.error_type, "message": error.message}).encode()
        else:
            status, answer = handle(environ.get("REQUEST_METHOD", "GET"), path, query, body)
            payload = json.dumps(answer).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
        )
        return [payload]
