"""The admin site with the session console's pages added by `get_urls` (see the package docstring)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, path


class ConsoleSite(AdminSite):
    site_header = "Ambient control plane"
    site_title = "Ambient"
    index_title = "Operator's console"
    index_template = "admin/console/index.html"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from sessions.admin import actions, pages  # noqa: PLC0415 - views import models; the site loads with apps

        def staff(view: Any) -> Any:
            return self.admin_view(view)

        session = "console/sessions/<slug:project>/<slug:name>/"
        console = [
            path("console/", staff(pages.dashboard), name="console-dashboard"),
            path("console/sessions/", staff(pages.session_list), name="console-sessions"),
            path("console/sessions/new/", staff(actions.session_create_page), name="console-session-create"),
            path(session, staff(pages.session_detail), name="console-session"),
            path(f"{session}live/", staff(pages.session_live), name="console-session-live"),
            path(f"{session}file/", staff(pages.session_file), name="console-session-file"),
            path(f"{session}chat/", staff(actions.session_chat_send), name="console-session-chat"),
            path(f"{session}delete/", staff(actions.session_delete_page), name="console-session-delete"),
            path(f"{session}<slug:action>/", staff(actions.session_action), name="console-session-action"),
        ]
        return console + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return super().index(request, {"console_enabled": True, **(extra_context or {})})
