"""Each control-plane process's ClusterRole grants exactly what its code calls.

The table below is the one place that says, per process, which (API group, resource, verb) its
code uses; the chart's plain-YAML ClusterRoles must equal it, no more and no less.
"""

from __future__ import annotations

from ambient import contract
from reconciler.manifests.rbac import runner_role
from tests.packaging.support import TEMPLATES, load_yaml_documents, template_texts

Grant = tuple[str, str, str]
SESSIONS = ("vteam.ambient-code", "agenticsessions")


def grants(*, group: str, resources: tuple[str, ...], verbs: tuple[str, ...]) -> set[Grant]:
    return {(group, resource, verb) for resource in resources for verb in verbs}


NEEDED: dict[str, set[Grant]] = {
    # sessions/services/projects.py, sessions/auth.py, the staff path of sessions/views, k8s-resources.
    "ambient-api": grants(group="", resources=("namespaces",), verbs=("get", "list", "create", "delete"))
    | {("rbac.authorization.k8s.io", "rolebindings", "create"), ("rbac.authorization.k8s.io", "clusterroles", "bind")}
    | {("authentication.k8s.io", "tokenreviews", "create"), ("authorization.k8s.io", "subjectaccessreviews", "create")}
    # sessions/auth.py: staff act through impersonation of their username and groups.
    | grants(group="", resources=("users", "groups"), verbs=("impersonate",))
    | grants(group=SESSIONS[0], resources=(SESSIONS[1],), verbs=("get", "list", "create", "update", "patch", "delete"))
    | {("batch", "jobs", "get"), ("", "pods", "list"), ("", "persistentvolumeclaims", "get"), ("", "services", "get")}
    # sessions/services/workspace.py, github.py, github_tokens.py (ambient/content/tokens.py).
    | {("", "secrets", "get"), ("", "configmaps", "get"), ("", "events", "create")},
    # reconciler/services (observe, execute, tokens) through the gateway.
    "ambient-reconciler": grants(group=SESSIONS[0], resources=(SESSIONS[1],), verbs=("get", "list", "patch"))
    | {(SESSIONS[0], "agenticsessions/status", "patch")}
    | grants(group="batch", resources=("jobs",), verbs=("get", "list", "create", "delete"))
    | grants(group="", resources=("pods",), verbs=("get", "list"))
    | grants(
        group="",
        resources=("persistentvolumeclaims", "services", "serviceaccounts"),
        verbs=("get", "list", "create", "delete"),
    )
    | grants(group="", resources=("secrets",), verbs=("get", "list", "create", "patch", "delete"))
    | {("", "serviceaccounts/token", "create"), ("", "events", "create")}
    | {("", "configmaps", "get")}
    # sessions/chat/inactivity.py (the beat task the worker runs): each project's inactivity default.
    | grants(group="", resources=("namespaces",), verbs=("get", "list"))
    | grants(group="networking.k8s.io", resources=("networkpolicies",), verbs=("get", "create"))
    | grants(
        group="rbac.authorization.k8s.io",
        resources=("roles", "rolebindings"),
        verbs=("get", "list", "create", "delete"),
    ),
    # reconciler/watching: list-then-watch of sessions, Jobs and pods.
    "ambient-watcher": grants(group=SESSIONS[0], resources=(SESSIONS[1],), verbs=("list", "watch"))
    | grants(group="batch", resources=("jobs",), verbs=("list", "watch"))
    | grants(group="", resources=("pods",), verbs=("list", "watch")),
}


def role_grants(role: dict) -> set[Grant]:
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def control_plane_roles() -> dict[str, dict]:
    return {role["metadata"]["name"]: role for role in load_yaml_documents(TEMPLATES / "control-plane-role.yaml")}


def test_each_process_role_grants_exactly_what_its_code_uses():
    roles = control_plane_roles()
    assert set(roles) == set(NEEDED)
    for name, needed in NEEDED.items():
        granted = role_grants(roles[name])
        assert granted == needed, f"{name}: extra {sorted(granted - needed)}, missing {sorted(needed - granted)}"


def test_no_control_plane_role_uses_wildcards_or_escalation():
    for role in control_plane_roles().values():
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            assert "escalate" not in rule["verbs"]
            # Impersonation of people only (the admin console), never of service accounts.
            if "impersonate" in rule["verbs"]:
                assert set(rule["resources"]) <= {"users", "groups"} and rule["apiGroups"] == [""]


def test_the_api_may_bind_only_the_project_admin_role():
    (bind_rule,) = [rule for rule in control_plane_roles()["ambient-api"]["rules"] if "bind" in rule["verbs"]]
    assert bind_rule["resourceNames"] == ["ambient-project-admin"]


def test_each_process_runs_as_its_own_service_account_and_beat_has_no_token():
    texts = template_texts()
    for template, account in (
        ("api.yaml", "ambient-api"),
        ("worker.yaml", "ambient-worker"),
        ("watcher.yaml", "ambient-watcher"),
    ):
        assert f"serviceAccountName: {account}" in texts[template]
    assert "serviceAccountName: ambient-beat" in texts["beat.yaml"]
    assert "automountServiceAccountToken: false" in texts["beat.yaml"]
    bindings = texts["control-plane-serviceaccount.yaml"]
    assert '"api" "ambient-api" "worker" "ambient-reconciler" "watcher" "ambient-watcher"' in bindings


def test_the_reconciler_holds_every_permission_it_grants_the_runner():
    session = {"metadata": {"name": "s1", "namespace": "p", "uid": "u"}}
    reconciler = role_grants(control_plane_roles()["ambient-reconciler"])
    for rule in runner_role(session)["rules"]:
        for resource in rule["resources"]:
            for verb in rule["verbs"]:
                assert (rule["apiGroups"][0], resource, verb) in reconciler


def test_the_runner_role_never_writes_sessions():
    session = {"metadata": {"name": "s1", "namespace": "p", "uid": "u"}}
    for rule in runner_role(session)["rules"]:
        if any(resource.startswith("agenticsessions") for resource in rule["resources"]):
            assert set(rule["verbs"]) <= {"get", "list", "watch"}


def test_the_content_port_policy_admits_the_pods_the_chart_labels():
    """The reconciler's NetworkPolicy selects api and worker pods by labels the chart must set."""
    helpers = template_texts()["_helpers.tpl"]
    assert f"{contract.LABEL_K8S_NAME}: {contract.CONTROL_PLANE_APP_NAME}" in helpers
    assert f"{contract.LABEL_K8S_COMPONENT}: {{{{ .component }}}}" in helpers
    for component in contract.CONTENT_CLIENT_COMPONENTS:
        assert f'(dict "root" $ "component" "{component}")' in template_texts()[f"{component}.yaml"]
