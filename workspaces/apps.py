from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Content service (workspace and git)"
    default_auto_field = "django.db.models.BigAutoField"
