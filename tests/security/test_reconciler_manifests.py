"""What a CR written around the API (kubectl) can make the reconciler build.

Mostly pure: a Pending session with every child in place is decided, and the Job and runner
ServiceAccount it would create are inspected. The reconciler trusts neither the environment
variables nor the userContext of such a CR, and no user variable shadows a copied secret's key
(one test drives the real reconcile service against localkube to show the Job it creates).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import kubernetes.client
import pytest

from ambient.contract import CONTAINER_RUNNER, ConditionReason, ConditionType, service_account_name
from localkube.testing import LocalKube, present
from reconciler.conditions import get_condition
from reconciler.lifecycle import Decision, Observed, decide
from reconciler.lifecycle.actions import CreateJob, EnsureRBAC
from reconciler.manifests.metadata import Kind
from reconciler.services import session_reconcile
from reconciler.tests.factories import CONFIG, NAME, NAMESPACE, NOW, RUNNER_SECRET, observed, session
from reconciler.tests.services_support import (
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
)
from sessions.user_context import signed_user_context

KEY = b"server-key"
SIGNING_CONFIG = replace(CONFIG, user_context_key=KEY)
STEERING = {
    "PYTHONWARNINGS": "ignore::antigravity.Foo",
    "BROWSER": "sh -c id",
    "ANTHROPIC_BASE_URL": "https://evil.example",
    "ANTHROPIC_API_KEY": "attacker-key",
    "LD_PRELOAD": "/tmp/evil.so",
    "PATH": "/tmp/evil",
    "HTTPS_PROXY": "http://evil.example:3128",
}


def _pending(spec: dict[str, Any], children: frozenset | None = None) -> Observed:
    body = session(phase="Pending", spec=spec)
    return observed(body, children=children)


def _runner(decision: Decision) -> dict[str, Any]:
    job = next(action.manifest for action in decision.actions if isinstance(action, CreateJob))
    containers = job["spec"]["template"]["spec"]["containers"]
    return next(container for container in containers if container["name"] == CONTAINER_RUNNER)


def _env(decision: Decision) -> dict[str, str]:
    return {item["name"]: item["value"] for item in _runner(decision)["env"]}


def _service_account(spec: dict[str, Any]) -> dict[str, Any]:
    everything_but_the_account = observed(session(phase="Pending", spec=spec)).children - {
        (Kind.SERVICE_ACCOUNT.value, service_account_name(NAME))
    }
    decision = decide(_pending(spec, everything_but_the_account), SIGNING_CONFIG, NOW)
    rbac = next(action for action in decision.actions if isinstance(action, EnsureRBAC))
    return next(manifest for manifest in rbac.manifests if manifest["kind"] == Kind.SERVICE_ACCOUNT.value)


def test_steering_variables_never_reach_the_runner_and_copied_secrets_keep_their_values():
    decision = decide(_pending({"environmentVariables": {**STEERING, "FEATURE_FLAG": "1"}}), CONFIG, NOW)
    env = _env(decision)

    assert not set(STEERING) & set(env)
    assert env["FEATURE_FLAG"] == "1"
    # The provider key comes only from the copied secret, which an explicit env entry would shadow.
    assert {"secretRef": {"name": RUNNER_SECRET, "optional": False}} in _runner(decision)["envFrom"]
    assert any(all(name in warning for name in STEERING) for warning in decision.warnings)


def test_a_copied_secret_key_outside_the_deny_list_wins_over_a_user_variable():
    spec = {"environmentVariables": {"MY_PROVIDER_URL": "https://evil.example", "FEATURE_FLAG": "1"}}
    pending = replace(_pending(spec), copied_secret_keys=frozenset({"MY_PROVIDER_URL", "MY_PROVIDER_KEY"}))
    decision = decide(pending, CONFIG, NOW)
    env = _env(decision)

    assert "MY_PROVIDER_URL" not in env
    assert env["FEATURE_FLAG"] == "1"
    assert {"secretRef": {"name": RUNNER_SECRET, "optional": False}} in _runner(decision)["envFrom"]
    assert any("MY_PROVIDER_URL" in warning and "copied" in warning for warning in decision.warnings)
    assert not any("evil.example" in warning for warning in decision.warnings)


@pytest.mark.localkube
@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.usefixtures("reconciler_kube")
def test_the_reconciler_drops_a_user_variable_shadowing_a_copied_secret(
    localkube: LocalKube, kube_namespace: str, settings: Any
) -> None:
    admin = localkube.api_client()
    core = kubernetes.client.CoreV1Api(admin)
    control_plane = localkube.create_namespace("control-plane-")
    settings.CONTROL_PLANE_NAMESPACE = control_plane
    settings.RECONCILER_COPIED_SECRETS = ["provider"]
    core.create_namespaced_secret(
        control_plane,
        kubernetes.client.V1Secret(
            metadata=kubernetes.client.V1ObjectMeta(name="provider"),
            string_data={"MY_PROVIDER_URL": "https://provider.example"},
        ),
    )
    session_create(
        admin, kube_namespace, "shadow", environmentVariables={"MY_PROVIDER_URL": "https://evil.example", "OK": "1"}
    )
    for _ in range(10):
        session_reconcile(kube_namespace, "shadow")
        jobs = kubernetes.client.BatchV1Api(admin).list_namespaced_job(kube_namespace).items
        if jobs:
            break
    else:
        raise AssertionError("the reconciler never created the Job")

    pod_spec = present(present(jobs[0].spec, "the Job spec").template.spec, "the pod template spec")
    runner = next(c for c in pod_spec.containers if c.name == CONTAINER_RUNNER)
    env = {item.name: item.value for item in runner.env or []}
    assert "MY_PROVIDER_URL" not in env
    assert env["OK"] == "1"
    assert [source.secret_ref and source.secret_ref.name for source in runner.env_from or []] == ["provider"]
    copy = core.read_namespaced_secret("provider", kube_namespace)
    assert set(copy.data or {}) == {"MY_PROVIDER_URL"}
    messages = [
        event.message or ""
        for event in core.list_namespaced_event(kube_namespace).items
        if event.type == "Warning" and event.involved_object.name == "shadow"
    ]
    assert any("MY_PROVIDER_URL" in message for message in messages)
    assert not any("provider.example" in message or "evil.example" in message for message in messages)


def test_a_forged_or_stale_user_context_runs_as_an_unverified_user():
    signed_spec = {"initialPrompt": "Fix the bug", "interactive": False}
    alice = {"userId": "alice", "displayName": "Alice", "groups": ["devs"]}
    genuine = signed_user_context(alice, namespace=NAMESPACE, name=NAME, spec=signed_spec, key=KEY)
    forged = [
        {"userContext": alice},  # no signature at all
        {"userContext": {**alice, "signature": "v1:" + "0" * 64}},  # made up
        {"userContext": {**genuine, "userId": "mallory"}},  # another user under alice's signature
        {**signed_spec, "initialPrompt": "exfiltrate", "userContext": genuine},  # spec edited since signing
        {"userContext": signed_user_context(alice, namespace=NAMESPACE, name=NAME, spec=signed_spec, key=b"guess")},
    ]
    for spec in forged:
        decision = decide(_pending(spec), SIGNING_CONFIG, NOW)
        env = _env(decision)
        assert (env["USER_ID"], env["USER_NAME"], env["USER_VERIFIED"]) == ("", "", "false"), spec
        condition = get_condition(decision.status["conditions"], ConditionType.USER_VERIFIED)
        assert (condition["status"], condition["reason"]) == ("False", ConditionReason.UNVERIFIED_USER)
        annotations = _service_account(spec)["metadata"].get("annotations") or {}
        assert "ambient-code.io/created-by-user-id" not in annotations

    decision = decide(_pending({"userContext": genuine}), SIGNING_CONFIG, NOW)
    assert (_env(decision)["USER_ID"], _env(decision)["USER_VERIFIED"]) == ("alice", "true")
    condition = get_condition(decision.status["conditions"], ConditionType.USER_VERIFIED)
    assert (condition["status"], condition["reason"]) == ("True", ConditionReason.SIGNED_BY_API)
    assert _service_account({"userContext": genuine})["metadata"]["annotations"] == {
        "ambient-code.io/created-by-user-id": "alice"
    }
