"""Content-service routes (served by the sidecar under ambient.settings.content); see API.md."""

from django.urls import path

from workspaces.views import files, git, health, repositories

urlpatterns = [
    path("healthz", health.healthz, name="content-healthz"),
    path("repos/clone", repositories.RepoCloneView.as_view(), name="content-repo-clone"),
    path("repos/<str:name>", repositories.RepoView.as_view(), name="content-repo"),
    path("repos/<str:name>/git/<str:operation>", git.GitOperationView.as_view(), name="content-repo-git"),
    path("workflows/clone", repositories.WorkflowCloneView.as_view(), name="content-workflow-clone"),
    path("workflow/metadata", repositories.WorkflowMetadataView.as_view(), name="content-workflow-metadata"),
    path("sdk/restart", repositories.SdkRestartView.as_view(), name="content-sdk-restart"),
    path("workspace/list", files.WorkspaceListView.as_view(), name="content-workspace-list"),
    path("workspace/file", files.WorkspaceFileView.as_view(), name="content-workspace-file"),
    path("git/<str:operation>", git.GitOperationView.as_view(), name="content-git"),
]

handler404 = "workspaces.views.errors.not_found"
handler500 = "workspaces.views.errors.server_error"
