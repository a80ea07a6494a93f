"""The admin app with our site (sessions.admin.site.ConsoleSite) as the default `admin.site`."""

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    default_site = "sessions.admin.site.ConsoleSite"
