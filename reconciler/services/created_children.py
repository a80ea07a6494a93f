"""The secondary children a successful creating pass leaves behind, known without reading them again.

The pass that takes a session from Pending to Creating reads every secondary child, creates the
missing ones and the Job, and writes Creating only once all of that succeeded. What exists then
is what it saw plus what it made, so it is remembered as the session's children snapshot and the
passes that follow (the pod scheduled, then running) read only the session, its Job and its pods.
A child deleted by hand meanwhile is found once the snapshot is older than the recheck period,
as for any snapshot (see ``children_memo``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from reconciler.lifecycle import (
    Action,
    ClearIntent,
    CopySecret,
    CreateJob,
    DeleteJob,
    DeletePod,
    EnsurePVC,
    EnsureRBAC,
    EnsureRunnerToken,
    EnsureService,
    Observed,
    SetInteractive,
)
from reconciler.manifests import Kind
from reconciler.services.children_memo import ChildrenSnapshot

# Actions on the run (the Job and its pods, always read fresh) or on the session itself: they leave
# the secondary children as the snapshot recorded them. Any other action makes the snapshot stale.
RUN_AND_SESSION_ACTIONS: tuple[type[Action], ...] = (CreateJob, DeleteJob, DeletePod, SetInteractive, ClearIntent)
# A session seen for the first time: nothing made for it yet.
NO_CHILDREN = ChildrenSnapshot(children=frozenset(), token_refreshed_at=None, missing_secrets=frozenset())


def touches_secondary_children(actions: Iterable[Action]) -> bool:
    """Whether carrying out `actions` may change what a children snapshot records (a stop's Job
    deletion does not, so its next pass can still reuse the snapshot)."""
    return any(not isinstance(action, RUN_AND_SESSION_ACTIONS) for action in actions)


def snapshot_after_creation(observed: Observed, done: Iterable[Action], now: datetime) -> ChildrenSnapshot:
    """The snapshot `observed` would give after the actions in `done` all succeeded at `now`."""
    children = {child for child in observed.children if child[0] != Kind.JOB.value}
    token_refreshed_at = observed.token_refreshed_at
    for action in done:
        if isinstance(action, EnsurePVC):
            children.add(_identity(action.manifest))
        elif isinstance(action, EnsureRBAC | EnsureService):
            children.update(_identity(manifest) for manifest in action.manifests)
        elif isinstance(action, EnsureRunnerToken):
            # A new token Secret carries a token issued now (its refreshed-at annotation).
            children.add((Kind.SECRET.value, action.secret_name))
            token_refreshed_at = now
        elif isinstance(action, CopySecret) and action.required:
            # An optional copy whose source vanished meanwhile is skipped without error; a
            # required one fails the pass instead, so only a required copy surely exists.
            children.add((Kind.SECRET.value, action.name))
    return ChildrenSnapshot(
        children=frozenset(children), token_refreshed_at=token_refreshed_at, missing_secrets=observed.missing_secrets
    )


def _identity(manifest: Mapping[str, Any]) -> tuple[str, str]:
    return str(manifest["kind"]), str(manifest["metadata"]["name"])
