from django.apps import AppConfig


class ReconcilerConfig(AppConfig):
    name = "reconciler"
    verbose_name = "Reconciler"
    default_auto_field = "django.db.models.BigAutoField"
