"""LIFECYCLE.md's phase table as data: one Row per observation the reconciler must handle.

The rows live in lifecycle_rows_<group>.py by phase group; ROWS is the whole table, in table order.
"""

from __future__ import annotations

from reconciler.tests.lifecycle_rows_endings import ENDING_ROWS
from reconciler.tests.lifecycle_rows_restarts import RESTART_ROWS
from reconciler.tests.lifecycle_rows_running import RUNNING_ROWS
from reconciler.tests.lifecycle_rows_startup import STARTUP_ROWS
from reconciler.tests.lifecycle_rows_stopping import STOPPING_ROWS
from reconciler.tests.lifecycle_rows_support import Row

ROWS: list[Row] = [*STARTUP_ROWS, *ENDING_ROWS, *STOPPING_ROWS, *RESTART_ROWS, *RUNNING_ROWS]
