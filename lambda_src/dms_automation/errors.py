"""Domain errors. Each one makes the invocation fail, so the Lambda error alarm fires."""

from __future__ import annotations


class AutomationError(RuntimeError):
    """A fault the automation cannot resolve by itself; the message says what and what to do."""


class TaskNotFoundError(AutomationError):
    """The configured replication task does not exist (deleted, or the ARN is wrong)."""


class TriggerNotFoundError(AutomationError):
    """The configured EventBridge rule does not exist (deleted, or the name is wrong)."""


class StartRefusedError(AutomationError):
    """StartReplicationTask was refused; the schedule trigger was left armed."""


class CdcSourceNotReadyError(StartRefusedError):
    """The premigration assessment of a CDC task's source failed; the task was not started."""


class EndpointConnectionError(AutomationError):
    """An endpoint connection test failed or did not finish in time; nothing was started."""


class ReplicationFailedError(AutomationError):
    """The replication task reported a failure."""


class PostProcessingError(AutomationError):
    """Post-processing (masking) failed; the trigger stays disabled until it succeeds."""


class RearmError(AutomationError):
    """The trigger could not be re-enabled; the schedule is stopped until someone acts."""


class WatchdogAlarm(AutomationError):
    """The watchdog found a state it must not repair by itself."""


class StateTableError(AutomationError):
    """The state table (STATE_TABLE_NAME) is missing or unreachable: a configuration error."""


class NotSettledError(AutomationError):
    """A notification announced an ending the task does not show yet; the invocation is retried."""


class TaskMismatchError(AutomationError):
    """The task's migration type is not the one the automation was configured for."""


class PreparationError(RuntimeError):
    """The database preparation's event or a database refused it; the message says what to fix."""
