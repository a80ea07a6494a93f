"""kube's Covers as a table: which owner rules cover which granted rules, and how the gap reads."""

from __future__ import annotations

from typing import Any

import pytest

from localkube.auth.coverage import FULL_AUTHORITY, describe_missing, uncovered


def rule(groups: list[str], resources: list[str], verbs: list[str], **extra: Any) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs, **extra}


@pytest.mark.parametrize(
    ("owner", "servant", "covered"),
    [
        ([rule(["*"], ["*"], ["*"])], [rule(["apps"], ["deployments"], ["get"])], True),
        ([rule([""], ["pods"], ["get", "list"])], [rule([""], ["pods"], ["get"])], True),
        ([rule([""], ["pods"], ["get"])], [rule([""], ["pods"], ["get", "delete"])], False),
        ([rule([""], ["*/status"], ["get"])], [rule([""], ["pods/status"], ["get"])], True),
        ([rule([""], ["pods"], ["get"])], [rule([""], ["pods/log"], ["get"])], False),
        # An owner limited to names covers those names only, never the unnamed (all) form.
        ([rule([""], ["secrets"], ["get"], resourceNames=["a"])], [rule([""], ["secrets"], ["get"])], False),
        ([rule([""], ["secrets"], ["get"])], [rule([""], ["secrets"], ["get"], resourceNames=["a", "b"])], True),
        (
            [{"nonResourceURLs": ["/logs/*"], "verbs": ["get"]}],
            [{"nonResourceURLs": ["/logs/x"], "verbs": ["get"]}],
            True,
        ),
        ([rule(["*"], ["*"], ["*"])], [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}], False),
        ([], [], True),
    ],
)
def test_covers(owner: list[dict[str, Any]], servant: list[dict[str, Any]], covered: bool) -> None:
    assert (not uncovered(owner, servant)) is covered


def test_missing_rights_read_as_kube_prints_them() -> None:
    owner = [rule([""], ["pods"], ["get"])]
    missing = uncovered(owner, [rule([""], ["pods", "secrets"], ["get", "list"]), *FULL_AUTHORITY[1:]])
    assert describe_missing(missing) == [
        '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}',
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
        '{NonResourceURLs:["*"], Verbs:["*"]}',
    ]
