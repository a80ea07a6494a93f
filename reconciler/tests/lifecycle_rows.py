"""LIFECYCLE.md's phase table as data: one Row per observation the reconciler must handle.

The rows live in lifecycle_rows_<group>.py by phase group; ROWS is the whole table, in table order.
"""

from __future__ import annotations

from reconciler.tests.lifecycle_rows_endings import ENDING_ROWS
from reconciler.tests.lifecycle_rows_failures import FAILURE_ROWS
from reconciler.tests.lifecycle_rows_infrastructure import INFRASTRUCTURE_ROWS
from reconciler.tests.lifecycle_rows_restarts import RESTART_ROWS
from reconciler.tests.lifecycle_rows_running import RUNNING_ROWS
from reconciler.tests.lifecycle_rows_startup import STARTUP_ROWS
from reconciler.tests.lifecycle_rows_stopping import STOPPING_ROWS
from reconciler.tests.lifecycle_rows_support import Row
from reconciler.tests.lifecycle_rows_verdicts import VERDICT_ROWS

ROWS: list[Row] = [
    *STARTUP_ROWS,
    *ENDING_ROWS,
    *VERDICT_ROWS,
    *FAILURE_ROWS,
    *INFRASTRUCTURE_ROWS,
    *STOPPING_ROWS,
    *RESTART_ROWS,
    *RUNNING_ROWS,
]
