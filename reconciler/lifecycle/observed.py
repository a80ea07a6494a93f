"""The inputs and output of one decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.conditions import ConditionTransition
from reconciler.lifecycle.actions import Action
from reconciler.manifests.metadata import Kind


@dataclass(frozen=True)
class Observed:
    """What the task layer read before deciding; nothing here is fetched lazily."""

    # The AgenticSession as read (metadata, spec, status).
    session: Mapping[str, Any]
    # The Job `<s>-job`, or None.
    job: Mapping[str, Any] | None = None
    # The newest pod of the Job (by label), or None.
    pod: Mapping[str, Any] | None = None
    # Children that exist in the session namespace, as (kind, name).
    children: frozenset[tuple[str, str]] = frozenset()
    # The token Secret's token-refreshed-at annotation, if the Secret exists.
    token_refreshed_at: datetime | None = None
    # Configured copied secrets absent from the control-plane namespace.
    missing_secrets: frozenset[str] = frozenset()
    # Another active session in the namespace still uses the copied secrets.
    copied_secrets_shared: bool = False
    # Keys (never values) of the configured copied secrets, at the source and in our copies: the
    # names a user variable may not take. Read with the children; empty when the children snapshot
    # is reused (a steady session, which builds no Job).
    copied_secret_keys: frozenset[str] = frozenset()

    def has(self, kind: Kind, name: str) -> bool:
        return (kind.value, name) in self.children

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.session.get("metadata") or {}

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.session.get("spec") or {}

    @property
    def status(self) -> Mapping[str, Any]:
        return self.session.get("status") or {}

    @property
    def name(self) -> str:
        return str(self.metadata["name"])

    @property
    def generation(self) -> int:
        return int(self.metadata.get("generation") or 1)

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.metadata.get("annotations") or {}


@dataclass(frozen=True)
class Decision:
    # The complete next status.
    status: dict[str, Any]
    # JSON merge patch turning the read status into `status` (the body's "status" value); {} = no write.
    status_patch: dict[str, Any]
    actions: tuple[Action, ...] = ()
    transitions: tuple[ConditionTransition, ...] = ()
    requeue_after: float | None = None
    # Things worth a Warning Event that change no status (e.g. an unknown intent value).
    warnings: tuple[str, ...] = field(default=())

    @property
    def is_noop(self) -> bool:
        return not self.status_patch and not self.actions
