"""Bodies and answers of the repo, workflow, workspace, git and GitHub actions (13–29, 33)."""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers

from sessions.serializers.fields import validate_git_branch, validate_git_url, validate_repo_name
from sessions.serializers.inputs import RepoSerializer, WorkflowSerializer
from sessions.serializers.outputs import SessionSerializer
from sessions.serializers.strict import JSONBodySerializer, QuerySerializer

MAX_PATH_LENGTH = 1024
MAX_COMMIT_MESSAGE_LENGTH = 10_000
BRANCH_MAX_LENGTH = 255


def validate_content_path(value: str) -> None:
    """A path inside the workspace: relative, no `..`, no NUL or control characters, no option-like part."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise serializers.ValidationError("A workspace path may not hold control characters (NUL, newline, ...).")
    parts = value.split("/")
    if value.startswith("/") or ".." in parts:
        raise serializers.ValidationError("Use a path relative to the workspace, without '..'.")
    if any(part.startswith("-") for part in parts):
        raise serializers.ValidationError("A path part may not start with '-' (it would read as an option).")


class ContentPathField(serializers.CharField):
    """A workspace path. DRF gives every CharField its own NUL check; validate_content_path already
    names NUL among the control characters, and one problem should get one message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [check for check in self.validators if not isinstance(check, ProhibitNullCharactersValidator)]


def _path(*, required: bool = False, default: str | None = None) -> ContentPathField:
    options: dict[str, Any] = {"max_length": MAX_PATH_LENGTH, "validators": [validate_content_path]}
    if default is not None:
        options["default"] = default
    return ContentPathField(required=required, allow_blank=not required, trim_whitespace=False, **options)


def _branch(*, required: bool = False) -> serializers.CharField:
    return serializers.CharField(required=required, max_length=BRANCH_MAX_LENGTH, validators=[validate_git_branch])


# --- Spec writes (13–15) ------------------------------------------------------------------------


class RepoAddSerializer(RepoSerializer):
    """`{url, branch?, name?, output?{url, branch?}, autoPush?}` (the older `{input: {url, branch}}` too)."""


class WorkflowSelectSerializer(WorkflowSerializer):
    """`{gitUrl, branch?, path?}`: `path` picks a sub-directory of the repository as the workflow."""


class RepoAddedSerializer(serializers.Serializer):
    message = serializers.CharField()
    name = serializers.CharField(help_text="The repository's directory under repos/.")
    session = SessionSerializer()


class SessionChangedSerializer(serializers.Serializer):
    message = serializers.CharField()
    session = SessionSerializer()


# --- Workspace (16–18) --------------------------------------------------------------------------


class WorkspaceListQuerySerializer(QuerySerializer):
    path = _path(default="")


class WorkspaceItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    path = serializers.CharField()
    isDir = serializers.BooleanField()
    size = serializers.IntegerField()
    modifiedAt = serializers.CharField()


class WorkspaceListSerializer(serializers.Serializer):
    items = WorkspaceItemSerializer(many=True)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


# --- Git on a workspace directory (19–26) -------------------------------------------------------


class GitPathQuerySerializer(QuerySerializer):
    path = _path(default="artifacts")


class GitMergeStatusQuerySerializer(GitPathQuerySerializer):
    branch = _branch()


class GitPushSerializer(JSONBodySerializer):
    path = _path(default="artifacts")
    branch = _branch()
    message = serializers.CharField(required=False, max_length=MAX_COMMIT_MESSAGE_LENGTH)


class GitPullSerializer(JSONBodySerializer):
    path = _path(default="artifacts")
    branch = _branch()


class GitCreateBranchSerializer(JSONBodySerializer):
    path = _path(default="artifacts")
    branchName = _branch(required=True)


class GitConfigureRemoteSerializer(JSONBodySerializer):
    path = _path(required=True)
    remoteUrl = serializers.CharField(max_length=2048)
    branch = _branch()

    def validate_remoteUrl(self, value: str) -> str:
        validate_git_url(value)
        return value


class GitSynchronizeSerializer(JSONBodySerializer):
    path = _path(required=True)
    message = serializers.CharField(required=False, max_length=MAX_COMMIT_MESSAGE_LENGTH)
    branch = _branch()


class GitStatusSerializer(serializers.Serializer):
    initialized = serializers.BooleanField()
    hasChanges = serializers.BooleanField()
    branch = serializers.CharField(required=False)
    remoteUrl = serializers.CharField(required=False)
    filesAdded = serializers.IntegerField(required=False)
    filesRemoved = serializers.IntegerField(required=False)
    uncommittedFiles = serializers.IntegerField(required=False)
    totalAdded = serializers.IntegerField(required=False)
    totalRemoved = serializers.IntegerField(required=False)


class GitBranchesSerializer(serializers.Serializer):
    branches = serializers.ListField(child=serializers.CharField())


class GitMergeStatusSerializer(serializers.Serializer):
    canMergeClean = serializers.BooleanField()
    localChanges = serializers.IntegerField()
    remoteCommitsAhead = serializers.IntegerField()
    conflictingFiles = serializers.ListField(child=serializers.CharField())
    remoteBranchExists = serializers.BooleanField()


class GitResultSerializer(serializers.Serializer):
    """What a git write answered (message, branch; the content service may add more)."""

    message = serializers.CharField()
    branch = serializers.CharField(required=False)


# --- Workflow metadata (33) ---------------------------------------------------------------------


class WorkflowMetadataSerializer(serializers.Serializer):
    commands = serializers.ListField(child=serializers.DictField())
    agents = serializers.ListField(child=serializers.DictField())
    config = serializers.DictField()


# --- GitHub (27–29) -----------------------------------------------------------------------------


class GitHubTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiresAt = serializers.CharField(allow_null=True, help_text="RFC 3339; null for tokens without an expiry.")
    # The JSON key is `source`, which is also a Field attribute the stubs type; DRF's metaclass moves
    # declared fields off the class, so the two never meet at run time.
    source = serializers.ChoiceField(choices=["user-pat", "github-app", "project-secret"])  # type: ignore[assignment]


class GitHubPushSerializer(JSONBodySerializer):
    """`{repo | repoIndex, commitMessage?, branch?}`: which repository (its name, or its index in spec.repos)."""

    repo = serializers.CharField(required=False, max_length=100, validators=[validate_repo_name])
    repoIndex = serializers.IntegerField(required=False, min_value=0)
    commitMessage = serializers.CharField(required=False, max_length=MAX_COMMIT_MESSAGE_LENGTH)
    branch = _branch()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "repo" not in attrs and "repoIndex" not in attrs:
            raise serializers.ValidationError({"repo": ["Name the repository (repo) or its index (repoIndex)."]})
        return attrs


class GitHubDiffQuerySerializer(QuerySerializer):
    repo = serializers.CharField(max_length=100, validators=[validate_repo_name])


class DiffFilesSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()


class GitHubDiffSerializer(serializers.Serializer):
    files = DiffFilesSerializer()
    total_added = serializers.IntegerField()
    total_removed = serializers.IntegerField()


# --- Out-of-the-box workflows (34) --------------------------------------------------------------


class OotbWorkflowSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    gitUrl = serializers.CharField()
    branch = serializers.CharField()
    path = serializers.CharField()
    enabled = serializers.BooleanField()


class OotbWorkflowsSerializer(serializers.Serializer):
    workflows = OotbWorkflowSerializer(many=True)
