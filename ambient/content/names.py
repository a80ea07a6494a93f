"""Directory names in the workspace derived from git URLs (no I/O, no Django).

The api (duplicate check, response `name`), the reconciler (what to clone and remove) and the
content service must agree on them, so they are computed in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops.validation import derive_repo_name


def repo_name(repo: Mapping[str, Any]) -> str:
    """The directory under `repos/`: the explicit `name`, else derived from the URL."""
    if repo.get("name"):
        return str(repo["name"])
    source = repo.get("input") if isinstance(repo.get("input"), Mapping) else repo
    return derive_repo_name(str((source or {}).get("url") or ""))
