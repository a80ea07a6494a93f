"""Content-service routes (served by the sidecar under ambient.settings.content)."""

from django.urls import path

from workspaces import views

urlpatterns = [
    path("healthz", views.healthz, name="content-healthz"),
]
