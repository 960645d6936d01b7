"""What both handlers do first: read the configuration (before any AWS call), then build a Run."""

from __future__ import annotations

from typing import Any

from dms_automation import aws
from dms_automation.config import Config, ConfigError
from dms_automation.log import DecisionLog
from dms_automation.options import Options
from dms_automation.run import Clock, Run, utcnow


def request_id(context: Any) -> str:
    return str(getattr(context, "aws_request_id", "") or "")


def prepare(function: str, context: Any, clock: Clock | None = None) -> Run:
    """Config and options from the environment, then clients; a bad value raises ConfigError.
    ``clock``: the run's clock (UTC now by default; tests pass a later one)."""
    log = DecisionLog(function, request_id(context))
    try:
        config = Config.from_env()
        options = Options.from_env()
    except ConfigError as error:
        log.error("configuration-refused", error=str(error), done="nothing", why="invalid configuration")
        raise
    log.task_arn = config.replication_task_arn
    clients = aws.make_clients(config.region, options.max_attempts_per_call)
    return Run(
        config=config, options=options, clients=clients, log=log, context=context, clock=clock or utcnow
    )
