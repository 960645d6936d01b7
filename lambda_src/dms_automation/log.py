"""Structured decision logs: one JSON object per line, with the request id and the task.

Every decision the handlers take is written as ``{"level", "time", "request_id", "function",
"task_arn", "task_id", "decision", "seen", "done", "why", ...}`` on its own line of standard
output, which Lambda ships to CloudWatch Logs unchanged (Logs Insights reads the fields).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Writer = Callable[[str], None]


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class DecisionLog:
    """Writes one JSON line per decision; the request id and task are on every line."""

    def __init__(self, function: str, request_id: str, task_arn: str = "", writer: Writer | None = None):
        self.function = function
        self.request_id = request_id
        self.task_arn = task_arn
        self.task_id = ""
        self._write = writer or _stdout

    def emit(self, level: str, decision: str, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "level": level,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": self.request_id,
            "function": self.function,
            "task_arn": self.task_arn,
            "task_id": self.task_id,
            "decision": decision,
        }
        record.update({key: value for key, value in fields.items() if value is not None})
        self._write(json.dumps(record, default=str, sort_keys=False))
        return record

    def info(self, decision: str, **fields: Any) -> dict[str, Any]:
        return self.emit("INFO", decision, **fields)

    def warning(self, decision: str, **fields: Any) -> dict[str, Any]:
        return self.emit("WARNING", decision, **fields)

    def error(self, decision: str, **fields: Any) -> dict[str, Any]:
        return self.emit("ERROR", decision, **fields)
