"""$(VAR) expansion, placeholders and mount-path rewriting."""

from __future__ import annotations

import pytest

from localkube.runtime.substitution import expand_var_refs, rewrite_all, rewrite_mount_paths, substitute_placeholders

MOUNTS = {"/workspace": "/state/pvc/ns/ws", "/var/run/secrets/ambient": "/pods/p/secret/token", "/tmp": "/pods/p/tmp"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$(A)-$(B)", "1-$(B)"),
        ("$$(A)", "$(A)"),
        ("plain", "plain"),
    ],
)
def test_expand_var_refs(value: str, expected: str) -> None:
    assert expand_var_refs(value, {"A": "1"}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{python} -m x", "/py -m x"),
        ("--port={port:8080}", "--port=31000"),
        ("{port:9999}", "{port:9999}"),  # unknown port stays visible
        ("print({1: 2}) {unknown}", "print({1: 2}) {unknown}"),
        ("{podDir}/x {mapDir}", "/pod/x /maps"),
    ],
)
def test_placeholders(value: str, expected: str) -> None:
    assert (
        substitute_placeholders(value, python="/py", ports={8080: 31000}, pod_dir="/pod", map_dir="/maps") == expected
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/workspace", "/state/pvc/ns/ws"),
        ("/workspace/", "/state/pvc/ns/ws/"),
        ("/workspace/repos/a", "/state/pvc/ns/ws/repos/a"),
        ("--root=/workspace", "--root=/state/pvc/ns/ws"),
        ("open('/workspace/x')", "open('/state/pvc/ns/ws/x')"),
        ("/workspaces", "/workspaces"),
        ("/a/workspace", "/a/workspace"),
        ("/var/run/secrets/ambient/token", "/pods/p/secret/token/token"),
        ("/var/run/secrets/other", "/var/run/secrets/other"),
        # one pass: the rewritten /state/... is not rewritten again, and /tmp only as a prefix
        ("/tmp/x:/workspace", "/pods/p/tmp/x:/state/pvc/ns/ws"),
    ],
)
def test_rewrite_mount_paths(value: str, expected: str) -> None:
    assert rewrite_mount_paths(value, MOUNTS) == expected


def test_root_mount_is_never_rewritten() -> None:
    assert rewrite_mount_paths("/etc/passwd", {"/": "/host"}) == "/etc/passwd"


def test_host_dir_under_another_mount_is_not_rewritten_twice() -> None:
    mounts = {"/workspace": "/tmp/state/ws", "/tmp": "/tmp/state/tmp"}
    assert rewrite_all("/workspace", python="p", ports={}, mounts=mounts) == "/tmp/state/ws"
