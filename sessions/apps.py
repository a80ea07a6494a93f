from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # `sessions` would clash with django.contrib.sessions, hence the explicit label.
    name = "sessions"
    label = "agent_sessions"
    verbose_name = "Agentic sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of our authentication classes with drf-spectacular.
        from sessions import schema  # noqa: F401
