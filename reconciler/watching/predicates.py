"""Which session updates are worth a pass: controller-runtime's GenerationChanged and
AnnotationChanged/LabelChanged predicates, in one fingerprint.

The reconciler is the only writer of a session's status, so an update that changed nothing but
``status`` (and the server-managed ``resourceVersion`` and ``managedFields``) is the echo of its
own write: enqueueing it would only run one more pass that finds nothing to do. Every pass that
needs to come back asks for it by countdown, and a resync re-enqueues every session anyway.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Metadata the API server changes on every write, including status writes.
SERVER_MANAGED_METADATA = frozenset({"resourceVersion", "managedFields"})


def desired_state_fingerprint(obj: dict[str, Any]) -> str:
    """Everything a pass may act on besides status: spec, generation, labels, annotations,
    finalizers, deletionTimestamp, ownerReferences… as a digest of one canonical string (a
    digest, so a thousand remembered sessions cost kilobytes).

    Compared whole rather than field by field, so a change to anything not known to be
    status-only (a CRD without a status subresource, a new metadata field) still enqueues.
    """
    metadata = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in SERVER_MANAGED_METADATA}
    rest = {key: value for key, value in obj.items() if key not in ("status", "metadata")}
    canonical = json.dumps({"metadata": metadata, **rest}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
