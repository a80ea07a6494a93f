"""Manifest builders: ownership, labels, the Job's shape and the runner's environment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ambient.contract import (
    API_VERSION,
    BOT_TOKEN_PATH,
    CONTAINER_CONTENT,
    CONTAINER_RUNNER,
    CONTENT_PORT,
    KIND,
    LABEL_SESSION,
    LABEL_SESSION_OWNER,
    SECRET_KEY_CONTENT_TOKEN,
    SECRET_KEY_K8S_TOKEN,
)
from reconciler.manifests import (
    active_deadline_seconds,
    content_network_policy,
    content_service,
    copied_secret,
    runner_role,
    runner_role_binding,
    runner_service_account,
    runner_token_secret,
    session_job,
    workspace_pvc,
)
from reconciler.manifests.environment import runner_system_env
from reconciler.manifests.secrets import secret_keys
from reconciler.tests.factories import CONFIG, NOW, RUNNER_SECRET, session
from sessions.environment_policy import PLATFORM_ENVIRONMENT_NAMES, EnvironmentPolicy
from sessions.user_context import signed_user_context

KEY = b"test-signing-key"

SESSION = session(
    spec={
        "environmentVariables": {"WORKSPACE_PATH": "/tmp/evil", "BOT_TOKEN_FILE": "/x", "MY_FLAG": "1"},
        "llmSettings": {"model": "claude-x", "temperature": 0.2, "maxTokens": 1000},
        "repos": [{"url": "https://github.com/org/app.git"}],
        "activeWorkflow": {"gitUrl": "https://github.com/org/wf.git", "branch": "main", "path": "spec"},
        "userContext": {"userId": "alice", "displayName": "Alice"},
    }
)
SOURCE_SECRET = {"metadata": {"name": RUNNER_SECRET, "namespace": "ambient-system"}, "data": {"KEY": "dmFsdWU="}}


def job_manifest(body: dict[str, Any] = SESSION, config=CONFIG, copied_secret_keys=frozenset()) -> dict[str, Any]:  # noqa: ANN001
    return session_job(
        body, config, start_time="2025-06-01T11:55:00Z", generation=3, copied_secret_keys=copied_secret_keys
    )


def containers(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every container by name, init containers (the native content sidecar among them) included."""
    pod_spec = manifest["spec"]["template"]["spec"]
    return {container["name"]: container for container in [*pod_spec["initContainers"], *pod_spec["containers"]]}


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container["env"]}


CHILDREN = [
    job_manifest(),
    workspace_pvc(SESSION, CONFIG),
    content_service(SESSION),
    runner_service_account(SESSION, CONFIG),
    runner_role(SESSION),
    runner_role_binding(SESSION),
    runner_token_secret(SESSION, k8s_token="jwt", content_token="c", refreshed_at=NOW),
    copied_secret(SESSION, SOURCE_SECRET),
]


@pytest.mark.parametrize("manifest", CHILDREN, ids=lambda manifest: manifest["kind"])
def test_every_child_is_owned_by_and_labelled_with_the_session(manifest: dict[str, Any]) -> None:
    metadata = manifest["metadata"]

    assert metadata["namespace"] == "project-a"
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": "demo",
            "uid": SESSION["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert metadata["labels"][LABEL_SESSION] == "demo"
    assert metadata["labels"][LABEL_SESSION_OWNER] == "demo"


def test_job_shape() -> None:
    manifest = job_manifest()
    pod_spec = manifest["spec"]["template"]["spec"]

    assert manifest["metadata"]["name"] == "demo-job"
    assert manifest["spec"]["backoffLimit"] == 0
    assert pod_spec["restartPolicy"] == "Never"
    assert pod_spec["terminationGracePeriodSeconds"] == CONFIG.termination_grace_period_seconds
    assert pod_spec["serviceAccountName"] == "ambient-session-demo"
    assert pod_spec["automountServiceAccountToken"] is False
    labels = manifest["spec"]["template"]["metadata"]["labels"]
    assert labels["app"] == "ambient-code-runner"
    assert labels[LABEL_SESSION] == "demo"
    assert manifest["metadata"]["annotations"]["ambient-code.io/session-generation"] == "3"
    pod_spec = manifest["spec"]["template"]["spec"]
    assert [container["name"] for container in pod_spec["initContainers"]] == ["init-workspace", CONTAINER_CONTENT]
    assert [container["name"] for container in pod_spec["containers"]] == [CONTAINER_RUNNER]


def test_init_container_prepares_the_workspace() -> None:
    init = job_manifest()["spec"]["template"]["spec"]["initContainers"][0]

    script = init["command"][-1]
    for directory in ("repos", "workflows", "artifacts", ".ambient"):
        assert f'"$WORKSPACE_PATH/{directory}"' in script
    assert init["volumeMounts"] == [{"name": "workspace", "mountPath": "/workspace"}]


def test_volumes_and_mounts() -> None:
    manifest = job_manifest()
    volumes = {volume["name"]: volume for volume in manifest["spec"]["template"]["spec"]["volumes"]}
    runner, content = containers(manifest)[CONTAINER_RUNNER], containers(manifest)[CONTAINER_CONTENT]

    assert volumes["workspace"]["persistentVolumeClaim"] == {"claimName": "ambient-workspace-demo"}
    assert volumes["runner-token"]["secret"] == {
        "secretName": "ambient-runner-token-demo",
        "items": [{"key": SECRET_KEY_K8S_TOKEN, "path": "bot-token"}],
    }
    assert volumes["content-token"]["secret"]["items"] == [{"key": SECRET_KEY_CONTENT_TOKEN, "path": "content-token"}]
    runner_mounts = {mount["name"]: mount["mountPath"] for mount in runner["volumeMounts"]}
    assert runner_mounts == {"workspace": "/workspace", "runner-token": BOT_TOKEN_PATH.rsplit("/", 1)[0]}
    content_mounts = {mount["name"] for mount in content["volumeMounts"]}
    assert content_mounts == {"workspace", "content-token"}


def test_content_sidecar() -> None:
    content = containers(job_manifest())[CONTAINER_CONTENT]

    assert content["image"] == CONFIG.content_image
    assert env_of(content)["DJANGO_SETTINGS_MODULE"] == "ambient.settings.content"
    assert env_of(content)["CONTENT_TOKEN_FILE"] == "/var/run/secrets/ambient-content/content-token"
    assert content["ports"][0]["containerPort"] == CONTENT_PORT
    assert content["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # A native sidecar: restarted by the kubelet when it dies, stopped when the runner is done.
    assert content["restartPolicy"] == "Always"
    assert "restartPolicy" not in containers(job_manifest())["init-workspace"]


def test_runner_environment() -> None:
    env = env_of(containers(job_manifest())[CONTAINER_RUNNER])

    assert env["AGENTIC_SESSION_NAME"] == "demo"
    assert env["AGENTIC_SESSION_NAMESPACE"] == "project-a"
    assert env["INITIAL_PROMPT"] == "Fix the bug"
    assert env["INTERACTIVE"] == "false"
    assert (env["LLM_MODEL"], env["LLM_TEMPERATURE"], env["LLM_MAX_TOKENS"]) == ("claude-x", "0.20", "1000")
    assert env["REPOS_JSON"] == '[{"url":"https://github.com/org/app.git"}]'
    assert env["ACTIVE_WORKFLOW_GIT_URL"] == "https://github.com/org/wf.git"
    assert env["ACTIVE_WORKFLOW_PATH"] == "spec"
    assert env["WEBSOCKET_URL"].endswith("/api/projects/project-a/sessions/demo/ws")
    assert env["BACKEND_API_URL"].startswith("http://")
    assert env["BOT_TOKEN_FILE"] == BOT_TOKEN_PATH


def test_user_env_cannot_override_system_env() -> None:
    runner = containers(job_manifest())[CONTAINER_RUNNER]
    names = [item["name"] for item in runner["env"]]

    assert env_of(runner)["WORKSPACE_PATH"] == "/workspace"
    assert env_of(runner)["BOT_TOKEN_FILE"] == BOT_TOKEN_PATH
    assert env_of(runner)["MY_FLAG"] == "1"
    assert len(names) == len(set(names))


def test_policy_refused_user_env_never_reaches_the_runner() -> None:
    body = session(spec={"environmentVariables": {"LD_PRELOAD": "/tmp/x.so", "http_proxy": "http://evil", "OK": "1"}})
    env = env_of(containers(job_manifest(body))[CONTAINER_RUNNER])

    assert "LD_PRELOAD" not in env
    assert "http_proxy" not in env
    assert env["OK"] == "1"


def test_operator_policy_exempts_and_adds_names() -> None:
    policy = EnvironmentPolicy.configured(extra_denied=["MYCORP_*"], allowed=["GIT_AUTHOR_NAME"])
    body = session(spec={"environmentVariables": {"GIT_AUTHOR_NAME": "Bot", "MYCORP_URL": "x"}})
    env = env_of(containers(job_manifest(body, replace(CONFIG, environment_policy=policy)))[CONTAINER_RUNNER])

    assert env["GIT_AUTHOR_NAME"] == "Bot"
    assert "MYCORP_URL" not in env


def test_every_platform_variable_is_reserved_by_the_policy() -> None:
    assert set(runner_system_env(SESSION, CONFIG)) <= PLATFORM_ENVIRONMENT_NAMES


def test_unsigned_user_context_is_an_unverified_user() -> None:
    env = env_of(containers(job_manifest())[CONTAINER_RUNNER])
    account = runner_service_account(SESSION, CONFIG)

    assert (env["USER_ID"], env["USER_NAME"], env["USER_VERIFIED"]) == ("", "", "false")
    assert account["metadata"]["annotations"] == {"ambient-code.io/unverified-user-id": "alice"}


def test_signed_user_context_names_the_user() -> None:
    spec = {"initialPrompt": "go", "timeout": 300}
    context = signed_user_context(
        {"userId": "alice", "displayName": "Alice", "groups": []},
        namespace="project-a",
        name="demo",
        spec=spec,
        key=KEY,
    )
    body = session(spec={**spec, "userContext": context})
    config = replace(CONFIG, user_context_key=KEY)
    env = env_of(containers(job_manifest(body, config))[CONTAINER_RUNNER])

    assert (env["USER_ID"], env["USER_NAME"], env["USER_VERIFIED"]) == ("alice", "Alice", "true")
    assert runner_service_account(body, config)["metadata"]["annotations"] == {
        "ambient-code.io/created-by-user-id": "alice"
    }


def test_user_env_named_like_a_copied_secret_key_is_left_out() -> None:
    body = session(
        spec={"environmentVariables": {"MY_PROVIDER_URL": "https://evil", "my_provider_url": "x", "OK": "1"}}
    )
    env = env_of(containers(job_manifest(body, copied_secret_keys=frozenset({"MY_PROVIDER_URL"})))[CONTAINER_RUNNER])

    assert "MY_PROVIDER_URL" not in env
    assert "my_provider_url" not in env
    assert env["OK"] == "1"
    # Without the key the policy alone decides, and it allows the name.
    assert env_of(containers(job_manifest(body))[CONTAINER_RUNNER])["MY_PROVIDER_URL"] == "https://evil"


def test_secret_keys_are_names_only() -> None:
    assert secret_keys(SOURCE_SECRET) == frozenset({"KEY"})
    assert secret_keys({"metadata": {"name": "empty"}}) == frozenset()


def test_copied_secrets_are_env_from_and_only_required_ones_are_mandatory() -> None:
    runner = containers(job_manifest())[CONTAINER_RUNNER]

    assert runner["envFrom"] == [
        {"secretRef": {"name": "ambient-runner-secrets", "optional": False}},
        {"secretRef": {"name": "ambient-langfuse", "optional": True}},
    ]


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        (None, CONFIG.default_timeout_seconds),
        (600, 600),
        (10**9, CONFIG.max_timeout_seconds),
        (0, CONFIG.max_timeout_seconds),  # no limit of its own: only the platform maximum
        (-5, CONFIG.default_timeout_seconds),
        (True, CONFIG.default_timeout_seconds),
        ("3600", CONFIG.default_timeout_seconds),
    ],
)
def test_active_deadline_comes_from_spec_timeout_capped(timeout: Any, expected: int) -> None:
    assert active_deadline_seconds({"timeout": timeout}, CONFIG) == expected
    assert job_manifest(session(spec={"timeout": timeout}))["spec"]["activeDeadlineSeconds"] == expected


def test_no_limit_anywhere_leaves_the_job_without_a_deadline() -> None:
    unlimited = replace(CONFIG, default_timeout_seconds=0, max_timeout_seconds=0)

    assert active_deadline_seconds({}, unlimited) is None
    assert active_deadline_seconds({"timeout": 0}, unlimited) is None
    assert active_deadline_seconds({"timeout": 90}, unlimited) == 90
    manifest = session_job(
        session(), unlimited, start_time="2025-06-01T12:00:00Z", generation=1, copied_secret_keys=frozenset()
    )
    assert "activeDeadlineSeconds" not in manifest["spec"]


def test_resource_overrides() -> None:
    body = session(spec={"resourceOverrides": {"cpu": "3", "memory": "6Gi", "priorityClass": "high"}})
    manifest = job_manifest(body)
    runner = containers(manifest)[CONTAINER_RUNNER]

    assert runner["resources"]["limits"] == {"cpu": "3", "memory": "6Gi"}
    assert runner["resources"]["requests"] == {"cpu": "3", "memory": "6Gi"}
    assert manifest["spec"]["template"]["spec"]["priorityClassName"] == "high"
    assert "priorityClassName" not in job_manifest()["spec"]["template"]["spec"]


def test_pvc_size_and_storage_class() -> None:
    pvc = workspace_pvc(SESSION, CONFIG)
    assert pvc["metadata"]["name"] == "ambient-workspace-demo"
    assert pvc["spec"]["resources"]["requests"]["storage"] == CONFIG.storage_size
    assert "storageClassName" not in pvc["spec"]

    assert workspace_pvc(SESSION, replace(CONFIG, storage_class="fast"))["spec"]["storageClassName"] == "fast"
    override = session(spec={"resourceOverrides": {"storageClass": "local"}})
    assert workspace_pvc(override, replace(CONFIG, storage_class="fast"))["spec"]["storageClassName"] == "local"


def test_service_selects_the_session_pod_on_8080() -> None:
    service = content_service(SESSION)

    assert service["metadata"]["name"] == "ambient-content-demo"
    assert service["spec"]["selector"] == {"app": "ambient-code-runner", LABEL_SESSION: "demo"}
    assert service["spec"]["ports"][0]["port"] == CONTENT_PORT


def test_only_the_control_planes_api_and_worker_reach_the_content_port() -> None:
    policy = content_network_policy(SESSION, CONFIG)

    assert policy["metadata"]["name"] == "ambient-content-demo"
    assert policy["metadata"]["ownerReferences"][0]["kind"] == "AgenticSession"
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app": "ambient-code-runner", LABEL_SESSION: "demo"}}
    assert spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": CONTENT_PORT}]
    namespace = {"kubernetes.io/metadata.name": CONFIG.control_plane_namespace}
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": namespace},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ambient", "app.kubernetes.io/component": role}},
        }
        for role in ("api", "worker")
    ]


def test_runner_role_cannot_write_anything() -> None:
    rules = runner_role(SESSION)["rules"]

    assert {verb for rule in rules for verb in rule["verbs"]} == {"get"}
    assert {name for rule in rules for name in rule["resourceNames"]} == {"demo", "ambient-runner-token-demo"}
    binding = runner_role_binding(SESSION)
    assert binding["roleRef"]["name"] == "ambient-session-demo-role"
    assert binding["subjects"][0]["name"] == "ambient-session-demo"


def test_token_secret_and_copied_secret() -> None:
    secret = runner_token_secret(SESSION, k8s_token="jwt", content_token="c", refreshed_at=NOW)
    assert set(secret["data"]) == {SECRET_KEY_K8S_TOKEN, SECRET_KEY_CONTENT_TOKEN}
    assert secret["metadata"]["annotations"]["ambient-code.io/token-refreshed-at"] == "2025-06-01T12:00:00Z"

    copy = copied_secret(SESSION, SOURCE_SECRET, controller=False)
    assert copy["data"] == SOURCE_SECRET["data"]
    assert copy["metadata"]["name"] == RUNNER_SECRET
    assert copy["metadata"]["annotations"]["ambient-code.io/copied-from"] == f"ambient-system/{RUNNER_SECRET}"
    assert copy["metadata"]["ownerReferences"][0]["controller"] is False
