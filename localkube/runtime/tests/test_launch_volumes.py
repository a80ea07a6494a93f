"""Launch building (argv/env/cwd) and volume planning/sync. Pure, no processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localkube.runtime.imagemap import parse_entry
from localkube.runtime.launch import build_launch, container_ports
from localkube.runtime.volumes import container_mounts, plan_volumes, projected_files, sync_directory

POD: dict[str, Any] = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
    "spec": {
        "initContainers": [{"name": "init", "ports": [{"containerPort": 9000}]}],
        "containers": [
            {
                "name": "content",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "volumeMounts": [
                    {"name": "ws", "mountPath": "/workspace"},
                    {"name": "token", "mountPath": "/var/run/secrets/ambient"},
                    {"name": "ws", "mountPath": "/data", "subPath": "sub"},
                ],
            }
        ],
        "volumes": [
            {"name": "ws", "persistentVolumeClaim": {"claimName": "claim"}},
            {"name": "token", "secret": {"secretName": "tok", "items": [{"key": "k", "path": "token"}]}},
            {"name": "scratch", "emptyDir": {}},
        ],
    },
}


def test_plan_volumes(tmp_path: Path) -> None:
    paths, sourced = plan_volumes(POD, tmp_path / "state", tmp_path / "pod")
    assert paths["ws"] == tmp_path / "state" / "volumes" / "pvc" / "ns" / "claim"
    assert paths["scratch"] == tmp_path / "pod" / "volumes" / "empty-dir" / "scratch"
    assert [volume.sources[0][:2] for volume in sourced] == [("secret", "tok")]
    mounts = container_mounts(POD["spec"]["containers"][0], paths)
    assert mounts["/data"] == str(paths["ws"] / "sub")


def test_sync_directory(tmp_path: Path) -> None:
    target = tmp_path / "vol"
    assert sync_directory(target, projected_files({"k": b"1", "other": b"2"}, [{"key": "k", "path": "token"}]))
    assert (target / "token").read_bytes() == b"1" and not (target / "other").exists()
    assert not sync_directory(target, {"token": b"1"})  # unchanged: nothing written
    assert sync_directory(target, {"new": b"2"})
    assert [item.name for item in target.iterdir()] == ["new"]


def test_container_ports_include_init_containers() -> None:
    assert container_ports(POD) == [9000, 8080]


def test_build_launch(tmp_path: Path) -> None:
    entry = parse_entry(
        "img", {"command": ["{python}", "serve", "--root", "/workspace"], "keepArgs": True, "env": {"A": "image"}}
    )
    container = {
        **POD["spec"]["containers"][0],
        "command": ["ignored"],
        "args": ["--port", "{port:8080}", "--token-file=/var/run/secrets/ambient/token", "$(A)"],
    }
    launch = build_launch(
        entry=entry,
        container=container,
        pod=POD,
        pod_env={"A": "pod", "ROOT": "/workspace/x"},
        ports={8080: 41000},
        mounts={"/workspace": "/h/ws", "/var/run/secrets/ambient": "/h/tok"},
        pod_dir=tmp_path,
        host_env={"PATH": "/bin", "KUBECONFIG": "/secret"},
        python="/py",
    )
    assert launch.argv == ["/py", "serve", "--root", "/h/ws", "--port", "41000", "--token-file=/h/tok/token", "pod"]
    assert launch.env["A"] == "pod" and launch.env["ROOT"] == "/h/ws/x"
    assert launch.env["LOCALKUBE_HOST_PORT_8080"] == "41000" and launch.env["PATH"] == "/bin"
    assert "KUBECONFIG" not in launch.env and "PORT" not in launch.env
    assert launch.cwd == tmp_path


def test_working_dir_outside_mounts_gets_a_private_stand_in(tmp_path: Path) -> None:
    launch = build_launch(
        entry=parse_entry("img", {}),
        container={"name": "c", "command": ["x"], "workingDir": "/app"},
        pod=POD,
        pod_env={},
        ports={},
        mounts={},
        pod_dir=tmp_path,
        host_env={},
    )
    assert launch.cwd == tmp_path / "rootfs" / "app"
