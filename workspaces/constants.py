"""Names and limits of the content service, shared with its callers (the api proxy, the reconciler)."""

from __future__ import annotations

# Workspace layout under the PVC root.
REPOS_DIRECTORY = "repos"
WORKFLOWS_DIRECTORY = "workflows"
ARTIFACTS_DIRECTORY = "artifacts"
CONTROL_DIRECTORY = ".ambient"
SDK_RESTART_FLAG = f"{CONTROL_DIRECTORY}/sdk-restart-requested"
SDK_RESTART_COUNTER = f"{CONTROL_DIRECTORY}/sdk-restart-count"
ACTIVE_WORKFLOW_FILE = f"{CONTROL_DIRECTORY}/active-workflow.json"
LOCK_DIRECTORY = f"{CONTROL_DIRECTORY}/locks"
# Inside a workflow: its config and the Claude commands/agents the metadata route lists.
WORKFLOW_CONFIG_FILE = ".ambient/ambient.json"
WORKFLOW_COMMANDS_DIRECTORY = ".claude/commands"
WORKFLOW_AGENTS_DIRECTORY = ".claude/agents"
DEFAULT_ARTIFACTS_DIRECTORY = ARTIFACTS_DIRECTORY

# Defaults (ambient/settings/content.py reads the environment; these are its fallbacks).
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_JSON_BYTES = 1024 * 1024
# An upload found too large mid-body is still read (and dropped) up to this much more, for at most
# this long, before the 413 goes out: see workspaces/services/files.py.
OVERSIZE_DRAIN_BYTES = 1024 * 1024 * 1024
OVERSIZE_DRAIN_SECONDS = 30.0
DEFAULT_GIT_TIMEOUT_SECONDS = 30.0
DEFAULT_GIT_NETWORK_TIMEOUT_SECONDS = 110.0
DEFAULT_GIT_CLONE_TIMEOUT_SECONDS = 290.0
DEFAULT_GIT_USER_NAME = "Ambient Code Bot"
DEFAULT_GIT_USER_EMAIL = "bot@ambient-code.local"

# Limits on request values.
MAX_PATH_LENGTH = 4096
MAX_PATH_PART_BYTES = 255
MAX_TOKEN_LENGTH = 4096
MAX_COMMIT_MESSAGE_LENGTH = 10_000
MAX_METADATA_FILE_BYTES = 256 * 1024
DEFAULT_BRANCH = "main"
DEFAULT_COMMIT_MESSAGE = "Update from Ambient session"

GIT_READ_OPERATIONS = ("status", "list-branches", "merge-status", "diff")
GIT_WRITE_OPERATIONS = ("push", "pull", "create-branch", "configure-remote", "synchronize")
