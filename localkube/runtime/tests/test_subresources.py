"""pods/log and services/proxy handlers against a fake ObjectReader (in-process aiohttp, no kube)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from localkube.runtime.subresources import (
    choose_container,
    parse_service_name,
    pod_log,
    select_service_port,
    service_endpoints,
)
from localkube.runtime.volumes import log_dir


class Reader:
    def __init__(self, objects: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        self.objects = objects

    def get_object(self, group: str, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return next((obj for obj in self.objects.get((group, resource), []) if obj["metadata"]["name"] == name), None)

    def list_objects(self, group: str, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return list(self.objects.get((group, resource), []))


def pod(
    name: str = "p", *, ready: bool = True, labels: dict[str, str] | None = None, state: str = "running"
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{name}",
            "labels": labels or {"app": "web"},
            "annotations": {"localkube.ambient-code.io/host-ports": json.dumps({"8080": 40000 + len(name)})},
        },
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [
                {"name": "c", "state": {state: {"reason": "ImagePullBackOff"} if state == "waiting" else {}}}
            ],
        },
    }


SERVICE: dict[str, Any] = {
    "metadata": {"name": "svc"},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}


def test_parse_service_name() -> None:
    assert parse_service_name("svc") == ("http", "svc", "")
    assert parse_service_name("svc:8080") == ("http", "svc", "8080")
    assert parse_service_name("https:svc:443") == ("https", "svc", "443")


def test_select_service_port() -> None:
    assert select_service_port(SERVICE, "http") is not None
    assert select_service_port(SERVICE, "80") is not None
    assert select_service_port(SERVICE, "") is not None  # the only port
    assert select_service_port(SERVICE, "9999") is None


def test_service_endpoints_only_ready_selected_pods() -> None:
    pods = [pod("b"), pod("a"), pod("notready", ready=False), pod("other", labels={"app": "x"})]
    assert service_endpoints(SERVICE, SERVICE["spec"]["ports"][0], pods) == [40001, 40001]


def test_service_without_selector_has_no_endpoints() -> None:
    service: dict[str, Any] = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 8080}]}}
    assert service_endpoints(service, service["spec"]["ports"][0], [pod()]) == []


def test_choose_container_messages() -> None:
    two = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]},
    }
    assert choose_container(two, None) == (
        None,
        "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]",
    )
    assert choose_container(two, "i") == ("i", None)
    assert choose_container(two, "z") == (None, "container z is not valid for pod p")


def request_log(reader: Reader, state_dir: Path, query: str) -> tuple[int, str]:
    async def scenario() -> tuple[int, str]:
        app = web.Application()

        async def handler(request: web.Request) -> web.StreamResponse:
            return await pod_log(request, reader, state_dir, "ns", request.match_info["name"])

        app.router.add_get("/log/{name}", handler)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(f"/log/p?{query}")
            return response.status, await response.text()

    return asyncio.run(scenario())


def test_pod_log_tail_previous_and_errors(tmp_path: Path) -> None:
    reader = Reader({("", "pods"): [pod(state="terminated")]})
    directory = log_dir(tmp_path, "ns", "p", "uid-p")
    directory.mkdir(parents=True)
    (directory / "c.log").write_text("1\n2\n3\n")
    assert request_log(reader, tmp_path, "") == (200, "1\n2\n3\n")
    assert request_log(reader, tmp_path, "tailLines=2") == (200, "2\n3\n")
    assert request_log(reader, tmp_path, "limitBytes=3") == (200, "1\n2")
    assert request_log(reader, tmp_path, "follow=true") == (200, "1\n2\n3\n")  # not running: ends at once
    status, body = request_log(reader, tmp_path, "previous=true")
    assert status == 400
    assert json.loads(body)["message"] == 'previous terminated container "c" in pod "p" not found'
    (directory / "c.previous").write_text("old\n")
    assert request_log(reader, tmp_path, "previous=true") == (200, "old\n")


def test_pod_log_of_a_waiting_container(tmp_path: Path) -> None:
    reader = Reader({("", "pods"): [pod(state="waiting")]})
    status, body = request_log(reader, tmp_path, "")
    assert status == 400
    assert (
        json.loads(body)["message"] == 'container "c" in pod "p" is waiting to start: trying and failing to pull image'
    )


def test_pod_log_of_a_missing_pod(tmp_path: Path) -> None:
    status, body = request_log(Reader({}), tmp_path, "")
    assert status == 404 and json.loads(body)["reason"] == "NotFound"
