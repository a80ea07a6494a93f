"""session_reconcile against a real (in-process) localkube over HTTPS: no client is mocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import kubernetes.client
import pytest

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_TOKEN_REFRESHED_AT,
    job_name,
    pvc_name,
    token_secret_name,
)
from localkube.testing import LocalKube, present
from reconciler.models import ConditionTransition
from reconciler.services import session_reconcile
from reconciler.tests.services_support import (
    RECONCILER_USER,
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
    session_patch,
    session_read,
)

pytestmark = [
    pytest.mark.localkube,
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.usefixtures("reconciler_kube"),
]


def _conditions(session: dict) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in session["status"].get("conditions", [])}


def _reconcile_until(namespace: str, name: str, phase: str, attempts: int = 10, now: datetime | None = None) -> None:
    for _ in range(attempts):
        session_reconcile(namespace, name, now=now)
        if session_read_admin(namespace, name)["status"].get("phase") == phase:
            return
    raise AssertionError(f"{name} never reached {phase}")


_admin: kubernetes.client.ApiClient | None = None


def session_read_admin(namespace: str, name: str) -> dict:
    assert _admin is not None
    return session_read(_admin, namespace, name)


@pytest.fixture(autouse=True)
def _admin_client(localkube: LocalKube) -> None:
    global _admin
    _admin = localkube.api_client()


def test_pending_creates_children_and_job_then_creating(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "s1")
    _reconcile_until(kube_namespace, "s1", "Creating")
    session = session_read(admin, kube_namespace, "s1")
    conditions = _conditions(session)
    assert conditions["JobCreated"] == ("True", "Created")
    assert conditions["PVCReady"][0] == "True"
    assert conditions["SecretsReady"] == ("True", "AllRequiredSecretsFound")
    assert session["status"]["observedGeneration"] == session["metadata"]["generation"]
    batch = kubernetes.client.BatchV1Api(admin)
    core = kubernetes.client.CoreV1Api(admin)
    job_spec = present(batch.read_namespaced_job(job_name("s1"), kube_namespace).spec, "the Job spec")
    assert job_spec.active_deadline_seconds == 600
    assert core.read_namespaced_persistent_volume_claim(pvc_name("s1"), kube_namespace)
    secret = core.read_namespaced_secret(token_secret_name("s1"), kube_namespace)
    assert ANNOTATION_TOKEN_REFRESHED_AT in (present(secret.metadata, "the secret metadata").annotations or {})
    assert set(secret.data or {}) == {"k8s-token", "content-token"}

    rows = ConditionTransition.objects.filter(namespace=kube_namespace, session_name="s1")
    assert {row.condition_type for row in rows} >= {"Ready", "JobCreated", "PVCReady", "SecretsReady"}
    events = core.list_namespaced_event(kube_namespace).items
    mine = [event for event in events if event.involved_object.kind == "AgenticSession"]
    # One Event per status write (first sight, then the creating write), naming every flip.
    assert len(mine) == 2 and "Initializing" in {event.reason for event in mine}
    messages = " ".join(event.message or "" for event in mine)
    assert all(f"{condition} unset → True" in messages for condition in ("PVCReady", "SecretsReady", "JobCreated"))


def test_converged_reconcile_makes_no_writes(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "idle")
    _reconcile_until(kube_namespace, "idle", "Creating")
    session_reconcile(kube_namespace, "idle")  # settle conditions copied from the pod
    session_reconcile(kube_namespace, "idle")
    mark = localkube.request_log.mark()
    session_reconcile(kube_namespace, "idle")
    session_reconcile(kube_namespace, "idle")
    assert localkube.request_log.writes_since(mark, user=RECONCILER_USER) == 0


def test_stop_from_creating_deletes_job_keeps_pvc(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "stopme")
    _reconcile_until(kube_namespace, "stopme", "Creating")
    session_patch(admin, kube_namespace, "stopme", {"metadata": {"annotations": {ANNOTATION_DESIRED_PHASE: "Stopped"}}})
    _reconcile_until(kube_namespace, "stopme", "Stopped", attempts=40)
    session = session_read(admin, kube_namespace, "stopme")
    assert ANNOTATION_DESIRED_PHASE not in (session["metadata"].get("annotations") or {})
    assert session["spec"]["interactive"] is True
    assert session["status"]["observedGeneration"] == session["metadata"]["generation"]
    assert _conditions(session)["Ready"] == ("False", "UserStopped")
    core = kubernetes.client.CoreV1Api(admin)
    assert core.read_namespaced_persistent_volume_claim(pvc_name("stopme"), kube_namespace)
    mark = localkube.request_log.mark()
    session_reconcile(kube_namespace, "stopme")
    assert localkube.request_log.writes_since(mark, user=RECONCILER_USER) == 0


def test_image_pull_failure_after_grace(localkube: LocalKube, kube_namespace: str, settings) -> None:
    settings.RECONCILER_IMAGE_PULL_GRACE_SECONDS = 0.0
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "pull")
    _reconcile_until(kube_namespace, "pull", "Failed", attempts=60)
    assert _conditions(session_read(admin, kube_namespace, "pull"))["Failed"][1] in {"ErrImagePull", "ImagePullBackOff"}


def test_token_refresh_when_old(localkube: LocalKube, kube_namespace: str) -> None:
    from ambient.kube import control_plane_gateway
    from reconciler.services.tokens import runner_token_refresh

    admin = localkube.api_client()
    session_create(admin, kube_namespace, "tok")
    _reconcile_until(kube_namespace, "tok", "Creating")
    later = datetime.now(UTC) + timedelta(hours=1)
    runner_token_refresh(
        control_plane_gateway(),
        kube_namespace,
        secret_name=token_secret_name("tok"),
        service_account="ambient-session-tok",
        now=later,
    )
    core = kubernetes.client.CoreV1Api(admin)
    secret = core.read_namespaced_secret(token_secret_name("tok"), kube_namespace)
    annotations = present(secret.metadata, "the secret metadata").annotations or {}
    assert annotations[ANNOTATION_TOKEN_REFRESHED_AT] == later.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_users_secret_with_a_copied_secrets_name_is_never_adopted(
    localkube: LocalKube, kube_namespace: str, settings
) -> None:
    admin = localkube.api_client()
    core = kubernetes.client.CoreV1Api(admin)
    control_plane = localkube.create_namespace("control-plane-")
    settings.CONTROL_PLANE_NAMESPACE = control_plane
    settings.RECONCILER_COPIED_SECRETS = ["shared-creds"]
    for namespace, value in ((control_plane, "from-control-plane"), (kube_namespace, "the-users-own")):
        core.create_namespaced_secret(
            namespace,
            kubernetes.client.V1Secret(
                metadata=kubernetes.client.V1ObjectMeta(name="shared-creds"), string_data={"k": value}
            ),
        )
    session_create(admin, kube_namespace, "s1")
    for _ in range(4):
        session_reconcile(kube_namespace, "s1")
    users_secret = core.read_namespaced_secret("shared-creds", kube_namespace)
    assert not present(users_secret.metadata, "the secret metadata").owner_references
    secrets_ready = next(
        c for c in session_read(admin, kube_namespace, "s1")["status"]["conditions"] if c["type"] == "SecretsReady"
    )
    assert secrets_ready["status"] == "False"
    assert "was not copied by Ambient" in secrets_ready["message"]
