"""Git failures in the project's one error vocabulary (`ambient.exceptions.ApplicationError`).

The content service's exception handler renders them as `{"error", "code", "details"}`; the codes
let the api and the reconciler tell a refused push from an unreachable host.
"""

from __future__ import annotations

from rest_framework import status

from ambient.exceptions import ApplicationError, Conflict, NotFound


class GitFailed(ApplicationError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "git_failed"
    default_message = "git could not complete the operation."


class GitTimeout(ApplicationError):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    code = "git_timeout"
    default_message = "git did not finish in time; retry, or check the remote is reachable."


class GitRemoteUnavailable(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    code = "git_remote_unavailable"
    default_message = "The git remote could not be reached; check the URL and retry."


class GitAuthenticationFailed(ApplicationError):
    # 403, not 401: a 401 from the content service means its own token was wrong.
    status_code = status.HTTP_403_FORBIDDEN
    code = "git_auth_failed"
    default_message = "The git remote refused the credentials; send a token with access in X-Git-Token."


class GitRepositoryNotFound(NotFound):
    code = "git_repository_not_found"
    default_message = "The git remote has no such repository (or the token cannot see it)."


class GitBranchNotFound(NotFound):
    code = "git_branch_not_found"
    default_message = "The git remote has no such branch."


class GitNotRepository(Conflict):
    code = "git_not_initialized"
    default_message = "This directory is not a git repository; clone or configure a remote first."


class GitPushRejected(Conflict):
    code = "git_push_rejected"
    default_message = "The remote has commits this branch lacks; pull (or synchronize) and push again."


class GitMergeConflict(Conflict):
    code = "git_merge_conflict"
    default_message = "The remote changes conflict with local ones."


class GitLocalChanges(Conflict):
    code = "git_local_changes"
    default_message = "Uncommitted local changes would be overwritten; commit or push them first."
