"""Read everything one decision needs into an `Observed` (reads only; nothing is fetched lazily).

A converged Running pass makes three reads: the session (by the caller), its Job, its runner pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.contract import (
    ACTIVE_PHASES,
    ANNOTATION_TOKEN_REFRESHED_AT,
    APP_RUNNER,
    LABEL_APP,
    LABEL_SESSION_OWNER,
    TERMINAL_PHASES,
    Phase,
    job_name,
    network_policy_name,
    pvc_name,
    role_binding_name,
    role_name,
    service_account_name,
    service_name,
    token_secret_name,
)
from ambient.kube import SESSION, KubeGateway
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle import Observed
from reconciler.lifecycle.intent import read_intent
from reconciler.manifests import Kind
from reconciler.manifests.secrets import is_copied_secret, secret_keys
from reconciler.services.children_memo import ChildrenSnapshot, children_memo
from reconciler.timestamps import parse_time


def needs_children(session: Mapping[str, Any]) -> bool:
    """A terminal session without a start intent is decided from the CR alone (decide_terminal
    returns 'unchanged' whatever the children are), so a resync of finished sessions reads nothing else."""
    phase = (session.get("status") or {}).get("phase")
    if not phase:
        # First sight only stamps Pending and startTime; the next pass reads the children.
        return False
    if phase not in {p.value for p in TERMINAL_PHASES}:
        return True
    return read_intent(Observed(session=session)).start


def session_observe(
    cluster: KubeGateway, session: Mapping[str, Any], config: ReconcilerConfig, *, recheck_seconds: float = 0.0
) -> Observed:
    """Reads for one decision. A Creating or Running session without an intent (and a stop, when no
    secrets are copied) reuses the secondary children read less than ``recheck_seconds`` ago (see
    ``children_memo``); the Job and pods are always read.
    ``recheck_seconds`` 0 reads everything every time."""
    if not needs_children(session):
        return Observed(session=session)
    metadata = session["metadata"]
    namespace, name = str(metadata["namespace"]), str(metadata["name"])

    job = cluster.get(Kind.JOB, namespace, job_name(name))
    pods = cluster.list(Kind.POD, namespace, label_selector=f"{LABEL_SESSION_OWNER}={name},{LABEL_APP}={APP_RUNNER}")
    uid = str(metadata.get("uid") or "")
    steady = _snapshot_serves(session, config)
    memo = children_memo()
    snapshot = memo.recall(uid) if steady and recheck_seconds > 0 else None
    copied_secret_keys: frozenset[str] = frozenset()
    if snapshot is None:
        snapshot, copied_secret_keys = _secondary_children(cluster, namespace, name, config)
        memo.remember(uid, snapshot, recheck_seconds)
    children = set(snapshot.children)
    if job is not None:
        children.add((Kind.JOB.value, job_name(name)))
    return Observed(
        session=session,
        job=job,
        pod=_newest(pods),
        children=frozenset(children),
        token_refreshed_at=snapshot.token_refreshed_at,
        missing_secrets=snapshot.missing_secrets,
        copied_secret_keys=copied_secret_keys,
        # Only a stop's cleanup asks this, and only with copied secrets configured (never steady then).
        copied_secrets_shared=False if steady else _copied_secrets_shared(cluster, session, config),
    )


def _snapshot_serves(session: Mapping[str, Any], config: ReconcilerConfig) -> bool:
    """Whether a recent children snapshot is as good as a fresh read for this decision: Creating or
    Running with no intent pending (they build no Job and clean up no child), Pending with no intent
    when no secrets are copied, and a stop (Creating,
    Running or Stopping) when no secrets are copied — the copies are the only children a stop
    looks at; it revokes the runner token whether or not it was seen."""
    phase = (session.get("status") or {}).get("phase")
    intent = read_intent(Observed(session=session))
    if intent.start:
        return False
    if phase in {Phase.CREATING.value, Phase.RUNNING.value} and not intent.stop:
        return True
    if phase == Phase.PENDING.value and not intent.stop and not config.copied_secrets:
        # The pass that builds the Job: without copied secrets it needs no child's content, only
        # which exist (creates answer AlreadyExists for the others), so first sight's empty
        # snapshot or a run's last one serves it too.
        return True
    return phase in {Phase.CREATING.value, Phase.RUNNING.value, Phase.STOPPING.value} and not config.copied_secrets


def _secondary_children(
    cluster: KubeGateway, namespace: str, name: str, config: ReconcilerConfig
) -> tuple[ChildrenSnapshot, frozenset[str]]:
    """The children snapshot, and the copied secrets' keys (names only, for the Job's env)."""
    children: set[tuple[str, str]] = set()
    keys: set[str] = set()
    token_refreshed_at = None
    wanted = [
        (Kind.PERSISTENT_VOLUME_CLAIM, pvc_name(name)),
        (Kind.SERVICE, service_name(name)),
        (Kind.NETWORK_POLICY, network_policy_name(name)),
        (Kind.SERVICE_ACCOUNT, service_account_name(name)),
        (Kind.ROLE, role_name(name)),
        (Kind.ROLE_BINDING, role_binding_name(name)),
    ]
    for kind, child in wanted:
        if cluster.get(kind, namespace, child) is not None:
            children.add((kind.value, child))
    for copy in config.copied_secrets:
        # Only our copy counts: a user's own Secret of that name makes the copy step fail loudly.
        existing = cluster.get(Kind.SECRET, namespace, copy.name)
        if existing is not None and is_copied_secret(existing):
            children.add((Kind.SECRET.value, copy.name))
            keys.update(secret_keys(existing))
    token_secret = cluster.get(Kind.SECRET, namespace, token_secret_name(name))
    if token_secret is not None:
        children.add((Kind.SECRET.value, token_secret_name(name)))
        annotations = (token_secret.get("metadata") or {}).get("annotations") or {}
        token_refreshed_at = parse_time(annotations.get(ANNOTATION_TOKEN_REFRESHED_AT))
    missing: set[str] = set()
    for copy in config.copied_secrets:
        # The source too: a copy made in this pass carries its keys, and the Job may be built with it.
        source = cluster.get(Kind.SECRET, config.control_plane_namespace, copy.name)
        if source is None:
            missing.add(copy.name)
        else:
            keys.update(secret_keys(source))
    snapshot = ChildrenSnapshot(
        children=frozenset(children), token_refreshed_at=token_refreshed_at, missing_secrets=frozenset(missing)
    )
    return snapshot, frozenset(keys)


def _newest(pods: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not pods:
        return None
    return max(pods, key=lambda pod: (pod["metadata"].get("creationTimestamp") or "", pod["metadata"]["name"]))


def _copied_secrets_shared(cluster: KubeGateway, session: Mapping[str, Any], config: ReconcilerConfig) -> bool:
    """Only asked when copies exist; another active session in the namespace still mounts them."""
    if not config.copied_secrets:
        return False
    metadata = session["metadata"]
    active = {phase.value for phase in ACTIVE_PHASES} | {Phase.STOPPING.value}
    for other in cluster.list(SESSION, str(metadata["namespace"])):
        if other["metadata"]["name"] == metadata["name"]:
            continue
        phase = (other.get("status") or {}).get("phase") or Phase.PENDING.value
        if phase in active:
            return True
    return False
