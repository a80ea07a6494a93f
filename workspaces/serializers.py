"""Request bodies and query parameters of the content service (validated with gitops' rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework import serializers

from gitops.validation import branch_problem, git_url_problem, relative_path_problem, repo_name_problem
from workspaces.constants import (
    ARTIFACTS_DIRECTORY,
    DEFAULT_BRANCH,
    DEFAULT_COMMIT_MESSAGE,
    MAX_COMMIT_MESSAGE_LENGTH,
    MAX_PATH_LENGTH,
)


def _check(problem: Callable[[str], str | None]) -> Callable[[str], None]:
    def validate(value: str) -> None:
        message = problem(value)
        if message:
            raise serializers.ValidationError(message)

    return validate


def _validate_git_url(value: str) -> None:
    message = git_url_problem(value, allow_file=getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False))
    if message:
        raise serializers.ValidationError(message)


def _validate_message(value: str) -> None:
    if "\0" in value:
        raise serializers.ValidationError("A commit message may not contain NUL.")


def _branch(*, required: bool = False, default: str | None = DEFAULT_BRANCH) -> serializers.CharField:
    if required:
        return serializers.CharField(validators=[_check(branch_problem)], trim_whitespace=False)
    return serializers.CharField(
        required=False,
        default=default,
        allow_null=default is None,
        validators=[_check(branch_problem)],
        trim_whitespace=False,
    )


def _path() -> serializers.CharField:
    # Confinement is checked where the path is resolved (workspaces.paths); here only its type.
    return serializers.CharField(
        required=False, default=ARTIFACTS_DIRECTORY, max_length=MAX_PATH_LENGTH, trim_whitespace=False, allow_blank=True
    )


def _message(default: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, default=default, max_length=MAX_COMMIT_MESSAGE_LENGTH, validators=[_validate_message]
    )


class RepoCloneInput(serializers.Serializer[Any]):
    url = serializers.CharField(validators=[_validate_git_url], trim_whitespace=False)
    branch = _branch(default=None)
    name = serializers.CharField(required=False, allow_null=True, default=None, validators=[_check(repo_name_problem)])


class WorkflowCloneInput(serializers.Serializer[Any]):
    gitUrl = serializers.CharField(validators=[_validate_git_url], trim_whitespace=False)
    branch = _branch(default=None)
    path = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, validators=[_check(relative_path_problem)]
    )


class GitPathQuery(serializers.Serializer[Any]):
    path = _path()


class MergeStatusQuery(GitPathQuery):
    branch = _branch()


class PushInput(GitPathQuery):
    # Absent: the branch the working copy is on (a push never switches branches unasked).
    branch = _branch(default=None)
    message = _message(DEFAULT_COMMIT_MESSAGE)
    # Push somewhere other than origin (e.g. a session's output fork) without changing origin.
    remoteUrl = serializers.CharField(
        required=False, allow_null=True, default=None, validators=[_validate_git_url], trim_whitespace=False
    )


class PullInput(GitPathQuery):
    branch = _branch()


class CreateBranchInput(GitPathQuery):
    branchName = _branch(required=True)


class ConfigureRemoteInput(GitPathQuery):
    remoteUrl = serializers.CharField(validators=[_validate_git_url], trim_whitespace=False)
    branch = _branch()


class SynchronizeInput(GitPathQuery):
    branch = _branch(default=None)
    message = _message(DEFAULT_COMMIT_MESSAGE)


class WorkspaceListQuery(serializers.Serializer[Any]):
    path = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)


class WorkspaceFileQuery(serializers.Serializer[Any]):
    path = serializers.CharField(trim_whitespace=False)
