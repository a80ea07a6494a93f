"""Vocabulary only the session API uses (the CR's own vocabulary is in ambient.contract)."""

from __future__ import annotations

import re
from pathlib import Path

# --- Projects ------------------------------------------------------------------------------------

# A namespace is an Ambient project when it carries this label.
MANAGED_LABEL = "ambient-code.io/managed"
MANAGED_LABEL_VALUE = "true"
MANAGED_SELECTOR = f"{MANAGED_LABEL}={MANAGED_LABEL_VALUE}"
ANNOTATION_PROJECT_DISPLAY_NAME = "openshift.io/display-name"
ANNOTATION_PROJECT_REQUESTER = "openshift.io/requester"
# A project's default for spec.inactivityTimeout (seconds; 0 never), set on the namespace by a cluster admin.
ANNOTATION_PROJECT_INACTIVITY_TIMEOUT = "ambient-code.io/inactivity-timeout"
LABEL_PROJECT_ROLE = "ambient-code.io/role"
RESERVED_PROJECT_NAMES: frozenset[str] = frozenset(
    {"default", "kube-system", "kube-public", "kube-node-lease", "openshift", "openshift-infra", "openshift-node"}
)

ROLE_ADMIN = "ambient-project-admin"
ROLE_EDIT = "ambient-project-edit"
ROLE_VIEW = "ambient-project-view"
PROJECT_ROLES: tuple[str, ...] = (ROLE_ADMIN, ROLE_EDIT, ROLE_VIEW)
# Cluster-wide: the right to create projects (RBAC `create projects` in the API group).
ROLE_PROJECT_CREATOR = "ambient-project-creator"
# One ClusterRole per control-plane process (helm/ambient/templates/control-plane-role.yaml).
CONTROL_PLANE_ROLES = ("ambient-api", "ambient-reconciler", "ambient-watcher")

# --- Names ---------------------------------------------------------------------------------------

DNS_LABEL_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GENERATED_NAME_PREFIX = "session-"
GENERATED_SUFFIX_LENGTH = 8
CLONE_SUFFIX = "-duplicate"
# How many `<name>-duplicate-N` candidates a clone tries before giving up with 409.
CLONE_NAME_ATTEMPTS = 50

# --- Annotations the API writes ------------------------------------------------------------------

ANNOTATION_CLONED_FROM = "ambient-code.io/cloned-from"
# The legacy body key `parent_session_id` / `parentSessionId` also becomes this environment variable.
ENV_PARENT_SESSION_ID = "PARENT_SESSION_ID"

# --- Limits --------------------------------------------------------------------------------------

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
DISPLAY_NAME_MAX_LENGTH = 200

# --- Removed endpoints ---------------------------------------------------------------------------

CODE_ENDPOINT_REMOVED = "endpoint_removed"
CODE_SESSION_RUNNING = "session_running"
CODE_INVALID_PHASE = "invalid_phase"
CODE_STALE = "stale_resource_version"

# --- Repos, workflow, workspace and git (proxied to the content service) --------------------------

CODE_NOT_INTERACTIVE = "session_not_interactive"
CODE_REPO_EXISTS = "repo_exists"
CODE_SESSION_NOT_RUNNING = "session_not_running"
CODE_CONTENT_UNAVAILABLE = "content_service_unavailable"
CODE_CONTENT_TIMEOUT = "content_service_timeout"
MESSAGE_STATUS_REMOVED = (
    "PUT .../status was removed: the reconciler is the only writer of status. "
    "Use POST .../start or .../stop to express intent; read progress from GET on the session."
)
MESSAGE_CONTENT_POD_REMOVED = (
    "The temporary content pod was removed: the content service now runs inside every session's Job. "
    "Start the session (POST .../start) and use the workspace and git endpoints."
)

# --- Manifests -----------------------------------------------------------------------------------

HELM_CHART_DIR = Path(__file__).resolve().parent.parent / "helm" / "ambient"
CRD_MANIFEST = HELM_CHART_DIR / "crds" / "agenticsessions.yaml"
RBAC_MANIFESTS: tuple[Path, ...] = (
    HELM_CHART_DIR / "templates" / "project-roles.yaml",
    HELM_CHART_DIR / "templates" / "control-plane-role.yaml",
)
