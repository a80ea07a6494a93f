"""The operator's console in the Django admin: sessions across projects, one session's story, actions.

AgenticSessions are custom resources, not rows, so the console is a set of custom admin views that
the site adds through `AdminSite.get_urls` (site.py), not a ModelAdmin over an unmanaged model. An
unmanaged model would need a fake QuerySet over the Kubernetes API for the changelist, and its
change form would write fields directly instead of going through the session services (which check
phases, sign userContext and retry lost races); custom views keep one path for every write — the
same services and selectors the API uses — and let each page read exactly what it shows.

Every call is made as the logged-in staff user through Kubernetes impersonation
(`sessions.auth.staff_caller`), so Kubernetes RBAC decides in the browser as it does for tokens.
This package stays import-light: Django imports it while loading apps (apps.py).
"""
