"""Lambda handlers that automate AWS DMS replication task runs.

Entry points: ``dms_automation.starter.handler`` and ``dms_automation.post_process.handler``.
"""

__version__ = "1.0.0"
