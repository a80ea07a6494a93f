"""Writes of the session API: AgenticSessions (create, edit, clone, start/stop) and projects.

Keyword-only, typed functions named `<entity>_<verb>`; each takes the acting `Caller`, so the
Kubernetes identity (the caller's token, or the control plane's for staff) is explicit.
"""

from sessions.services.lifecycle import session_start, session_stop
from sessions.services.projects import project_create, project_delete
from sessions.services.sessions import (
    session_clone,
    session_create,
    session_delete,
    session_display_name_set,
    session_metadata_patch,
    session_replace,
)

__all__ = [
    "project_create",
    "project_delete",
    "session_clone",
    "session_create",
    "session_delete",
    "session_display_name_set",
    "session_metadata_patch",
    "session_replace",
    "session_start",
    "session_stop",
]
