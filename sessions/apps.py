from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # `sessions` would clash with django.contrib.sessions, hence the explicit label.
    name = "sessions"
    label = "agent_sessions"
    verbose_name = "Agentic sessions"
    default_auto_field = "django.db.models.BigAutoField"
    # The OpenAPI descriptions of our authentication classes (sessions.schema) are registered by
    # ambient/urls.py, where the schema is served: the worker, watcher and management commands
    # never generate a schema and do not import drf-spectacular's machinery at start-up.
