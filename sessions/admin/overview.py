"""Reads for the console's lists: sessions across every project the staff user may see, filtered,
and the counts the dashboard shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ambient.contract import ConditionType, Phase
from ambient.kube import SESSION, AccessCheck
from sessions.auth import Caller
from sessions.resource import phase_of
from sessions.selectors import newest_first, project_list, session_matches

KubeObject = dict[str, Any]


@dataclass(frozen=True)
class SessionFilters:
    project: str = ""
    phase: str = ""
    reason: str = ""
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.project or self.phase or self.reason or self.search)


@dataclass(frozen=True)
class SessionRow:
    project: str
    name: str
    display_name: str
    phase: str
    ready_reason: str
    created: str
    interactive: bool


@dataclass
class Overview:
    """Everything the staff user may see: the projects and their sessions."""

    projects: list[str]
    sessions: list[KubeObject] = field(default_factory=list)


def ready_reason_of(session: KubeObject) -> str:
    for condition in (session.get("status") or {}).get("conditions") or ():
        if condition.get("type") == ConditionType.READY:
            return str(condition.get("reason") or "")
    return ""


def overview_read(*, caller: Caller) -> Overview:
    """The visible projects and their sessions: one cluster-wide list when RBAC allows it, else one
    list per project (a project-scoped binding is the usual case)."""
    projects = [project["name"] for project in project_list(caller=caller)]
    if not projects:
        return Overview(projects=[])
    gateway = caller.gateway()
    visible = set(projects)
    if caller.can(AccessCheck(namespace="", verb="list")):
        sessions = [
            session
            for session in gateway.list(SESSION, None)
            if (session.get("metadata") or {}).get("namespace") in visible
        ]
    else:
        sessions = [session for project in projects for session in gateway.list(SESSION, project)]
    return Overview(projects=projects, sessions=sessions)


def session_rows(overview: Overview, filters: SessionFilters) -> list[SessionRow]:
    """The sessions that pass the filters, newest first."""
    phase = Phase(filters.phase) if filters.phase in set(Phase) else None
    rows = []
    for session in newest_first(overview.sessions):
        metadata = session.get("metadata") or {}
        if filters.project and metadata.get("namespace") != filters.project:
            continue
        if not session_matches(session, search=filters.search, phase=phase):
            continue
        reason = ready_reason_of(session)
        if filters.reason and reason != filters.reason:
            continue
        spec = session.get("spec") or {}
        rows.append(
            SessionRow(
                project=str(metadata.get("namespace") or ""),
                name=str(metadata.get("name") or ""),
                display_name=str(spec.get("displayName") or ""),
                phase=phase_of(session).value,
                ready_reason=reason,
                created=str(metadata.get("creationTimestamp") or ""),
                interactive=bool(spec.get("interactive")),
            )
        )
    return rows


def ready_reasons(overview: Overview) -> list[str]:
    return sorted({reason for reason in map(ready_reason_of, overview.sessions) if reason})


@dataclass(frozen=True)
class Counts:
    phases: list[str]
    by_phase: dict[str, int]
    # project → counts in the order of `phases`, and the project's total
    by_project: list[tuple[str, list[int], int]]
    by_reason: list[tuple[str, int]]
    total: int


def overview_counts(overview: Overview) -> Counts:
    phases = [phase.value for phase in Phase]
    by_phase: Counter[str] = Counter()
    per_project: dict[str, Counter[str]] = {project: Counter() for project in overview.projects}
    by_reason: Counter[str] = Counter()
    for session in overview.sessions:
        phase = phase_of(session).value
        by_phase[phase] += 1
        per_project.setdefault(str((session.get("metadata") or {}).get("namespace") or ""), Counter())[phase] += 1
        by_reason[ready_reason_of(session) or "(none yet)"] += 1
    return Counts(
        phases=phases,
        by_phase={phase: by_phase[phase] for phase in phases},
        by_project=[
            (project, [counts[phase] for phase in phases], sum(counts.values()))
            for project, counts in sorted(per_project.items())
        ],
        by_reason=sorted(by_reason.items(), key=lambda item: (-item[1], item[0])),
        total=len(overview.sessions),
    )
