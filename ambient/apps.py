from django.apps import AppConfig


class AmbientConfig(AppConfig):
    name = "ambient"
    verbose_name = "Ambient"

    def ready(self) -> None:
        # `shared_task` binds to the current Celery app: load ours in every Django process (api,
        # watcher, management commands), so `.delay()` goes to the configured broker, not a default one.
        import ambient.async_middleware  # noqa: F401, PLC0415 - registers its deployment checks
        import ambient.celery  # noqa: F401, PLC0415
