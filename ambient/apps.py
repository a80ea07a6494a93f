from django.apps import AppConfig


class AmbientConfig(AppConfig):
    name = "ambient"
    verbose_name = "Ambient"
