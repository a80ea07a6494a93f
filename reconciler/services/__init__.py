"""The reconciler's I/O layer: observe the cluster, run the pure core, act, record.

`session_reconcile` is what the `reconcile_session` task calls; the periodic selectors return the
keys beat tasks enqueue. Kubernetes access goes through the gateway, `ambient.kube`.
"""

from reconciler.services.config import reconciler_config_from_settings
from reconciler.services.periodic import (
    session_keys_all,
    session_keys_past_deadline,
    session_keys_token_stale,
)
from reconciler.services.reconcile import ReconcileOutcome, session_reconcile

__all__ = [
    "ReconcileOutcome",
    "reconciler_config_from_settings",
    "session_keys_all",
    "session_keys_past_deadline",
    "session_keys_token_stale",
    "session_reconcile",
]
