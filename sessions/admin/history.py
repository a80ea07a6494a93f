"""Who did what from the console, kept in the session's history as a Kubernetes Event on the CR.

The Event names the staff user (their Kubernetes identity, as impersonated), so `kubectl describe`
and the console's timeline both show who started, stopped or renamed a session. It is posted with
the control plane's identity (which may create Events; a project's users usually may not), after
the action succeeded, and best effort: a lost Event must not undo or fail the action.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ambient.exceptions import ApplicationError
from ambient.kube import EVENT, control_plane_gateway
from reconciler.services.history import NORMAL, event_body
from sessions.auth import Caller

logger = logging.getLogger(__name__)

KubeObject = dict[str, Any]
# The Event's source component: tells console actions from the reconciler's own Events.
COMPONENT = "ambient-admin-console"


def console_action_record(*, caller: Caller, session: KubeObject, reason: str, what: str) -> None:
    """Post `<what> by <user> (admin console)` on the session, as reason `reason` (CamelCase)."""
    metadata = session.get("metadata") or {}
    if not metadata.get("name") or not metadata.get("namespace"):
        return
    username = caller.identity().username
    body = event_body(
        session, type_=NORMAL, reason=reason, message=f"{what} by {username} (admin console)", now=datetime.now(UTC)
    )
    body["source"] = {"component": COMPONENT}
    body["reportingComponent"] = COMPONENT
    try:
        control_plane_gateway().create(EVENT, str(metadata["namespace"]), body)
    except ApplicationError:
        logger.warning("could not record %s on %s/%s", reason, metadata["namespace"], metadata["name"])
