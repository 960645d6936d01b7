"""Lambda handlers that automate AWS DMS replication task runs.

Entry points: ``dms_automation.starter.handler`` and ``dms_automation.post_process.handler``.
"""

__version__ = "0.2.0"
