"""The service proxy subresource through the real kubernetes client, to a pod the runtime runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1Job, V1PersistentVolumeClaim, V1Pod, V1Secret, V1Service

from localkube.runtime.tests.e2e_support import TEST_IMAGE, condition, pod_status, wait_for
from localkube.testing import LocalKube, present

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

# A tiny HTTP service: /healthz for the readiness probe; everything else echoes the request so the
# test can see what the proxy forwarded.
ECHO_SERVER = """
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    def _answer(self):
        content_type = "application/json"
        if self.path == "/healthz":
            body, status, content_type = b"ok", 200, "text/plain"
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.dumps({
                "method": self.command,
                "path": self.path,
                "body": self.rfile.read(length).decode(),
                "authorization": self.headers.get("Authorization"),
                "custom": self.headers.get("X-Custom"),
                "impersonate": [key for key in self.headers if key.lower().startswith("impersonate-")],
            }).encode()
            status = 201 if self.command == "POST" else 200
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
"""


def create_echo(
    core: kubernetes.client.CoreV1Api, namespace: str, script: Path, *, health_path: str = "/healthz"
) -> None:
    container = {
        "name": "web",
        "image": TEST_IMAGE,
        "command": ["{python}", str(script), "{port:8080}"],
        "ports": [{"containerPort": 8080, "name": "http"}],
        "readinessProbe": {"httpGet": {"path": health_path, "port": 8080}, "periodSeconds": 1, "failureThreshold": 1},
    }
    pod = {
        "metadata": {"name": "echo", "labels": {"app": "echo"}},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [container]},
    }
    core.create_namespaced_pod(namespace, V1Pod.model_validate(pod))
    service = {
        "metadata": {"name": "echo"},
        "spec": {"selector": {"app": "echo"}, "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]},
    }
    core.create_namespaced_service(namespace, V1Service.model_validate(service))


def ready(core: kubernetes.client.CoreV1Api, namespace: str) -> Any:
    found = condition(core.read_namespaced_pod_status("echo", namespace), "Ready")
    return found if found is not None and found.status == "True" else None


def proxy(
    localkube: LocalKube,
    namespace: str,
    method: str,
    path: str,
    body: Any = None,
    query: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    client = localkube.api_client()
    # A raw request through the ApiClient (auth, TLS and URL building as the generated methods do).
    serialized = client.param_serialize(
        method,
        f"/api/v1/namespaces/{namespace}/services/echo:8080/proxy/{path}",
        query_params=query or [],
        header_params={"X-Custom": "forwarded", "Content-Type": "application/json", **(headers or {})},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = client.call_api(*serialized)
    data = response.read()
    return response.status, json.loads(data), dict(response.headers)


@pytest.fixture
def echo_script(tmp_path: Path) -> Path:
    script = tmp_path / "echo.py"
    script.write_text(ECHO_SERVER)
    return script


def test_proxy_round_trip(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, kube_namespace: str, echo_script: Path
) -> None:
    create_echo(core, kube_namespace, echo_script)
    wait_for(lambda: ready(core, kube_namespace), "the pod to become ready")
    pod = core.read_namespaced_pod("echo", kube_namespace)
    annotations = present(pod.metadata, "the pod metadata").annotations or {}
    host_ports = json.loads(annotations["localkube.ambient-code.io/host-ports"])
    assert set(host_ports) == {"8080"}

    text = core.connect_get_namespaced_service_proxy_with_path("echo:http", kube_namespace, "healthz")
    assert text == "ok"

    status, echoed, headers = proxy(localkube, kube_namespace, "POST", "items/1", {"a": 1}, [("q", "x y")])
    assert status == 201 and headers.get("X-Echo") == "yes"
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/items/1?q=x+y" or echoed["path"] == "/items/1?q=x%20y"
    assert json.loads(echoed["body"]) == {"a": 1}
    # The API server authenticates the caller's bearer token and keeps it: the pod never sees it.
    assert echoed["authorization"] is None
    assert echoed["custom"] == "forwarded"

    # An impersonated request is proxied as the impersonated user, without the Impersonate-* headers.
    impersonating = {"Impersonate-User": "someone", "Impersonate-Group": "system:masters"}
    status, echoed, _ = proxy(localkube, kube_namespace, "GET", "as-someone", headers=impersonating)
    assert status == 200
    assert (echoed["authorization"], echoed["impersonate"], echoed["custom"]) == (None, [], "forwarded")


def test_proxy_answers_503_without_ready_endpoints(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, kube_namespace: str, echo_script: Path
) -> None:
    # The readiness probe path answers 404, so the pod runs but never becomes ready.
    create_echo(core, kube_namespace, echo_script, health_path="/missing")
    wait_for(lambda: pod_status(core, "echo", kube_namespace).phase == "Running", "the pod to run")
    with pytest.raises(kubernetes.client.ApiException) as error:
        core.connect_get_namespaced_service_proxy_with_path("echo:8080", kube_namespace, "anything")
    assert error.value.status == 503
    body = json.loads(present(error.value.body, "the error body"))
    assert (body["kind"], body["reason"]) == ("Status", "ServiceUnavailable")
    assert not ready(core, kube_namespace)


def test_proxy_to_unknown_service_is_404(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    with pytest.raises(kubernetes.client.ApiException) as error:
        core.connect_get_namespaced_service_proxy_with_path("nothing:80", kube_namespace, "x")
    assert error.value.status == 404


# A stand-in content service: /healthz for readiness, /files/<path> reads the workspace, guarded by
# the token the Secret volume provides (the shape of ARCHITECTURE §7). Container paths reach it
# through env, where the runtime rewrites them; the file's own text is not rewritten.
CONTENT_SERVICE = """
import os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Content(BaseHTTPRequestHandler):
    def do_GET(self):
        token = open(os.environ["TOKEN_FILE"]).read()
        if self.path == "/healthz":
            status, body = 200, b"ok"
        elif self.headers.get("X-Content-Token") != token:
            status, body = 401, b"bad token"
        else:
            path = os.path.join(os.environ["WORKSPACE"], self.path.removeprefix("/files/"))
            status, body = (200, open(path, "rb").read()) if os.path.isfile(path) else (404, b"missing")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ["CONTENT_PORT"])), Content).serve_forever()
"""
RUNNER = (
    "import os, time\n"
    "os.makedirs('/workspace/artifacts', exist_ok=True)\n"
    "token = open('/var/run/secrets/ambient/k8s-token').read()\n"
    "open('/workspace/artifacts/result.txt', 'w').write(f'done with {len(token)}-char token')\n"
    "print('runner finished', flush=True)\n"
    "while not os.path.exists('/workspace/.ambient/stop'): time.sleep(0.05)\n"
)


@pytest.mark.parametrize("native_sidecar", [False, True], ids=["plain-sidecar", "native-sidecar"])
def test_session_shaped_job_pod(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, kube_namespace: str, tmp_path: Path, native_sidecar: bool
) -> None:
    script = tmp_path / "content.py"
    script.write_text(CONTENT_SERVICE)
    session = "s1"
    core.create_namespaced_persistent_volume_claim(
        kube_namespace,
        V1PersistentVolumeClaim.model_validate(
            {
                "metadata": {"name": f"ambient-workspace-{session}"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ),
    )
    core.create_namespaced_secret(
        kube_namespace,
        V1Secret.model_validate(
            {
                "metadata": {"name": f"ambient-runner-token-{session}"},
                "stringData": {"k8s-token": "runner-secret", "content-token": "content-secret"},
            }
        ),
    )
    mounts = [
        {"name": "workspace", "mountPath": "/workspace"},
        {"name": "token", "mountPath": "/var/run/secrets/ambient", "readOnly": True},
    ]
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 1,
        "volumes": [
            {"name": "workspace", "persistentVolumeClaim": {"claimName": f"ambient-workspace-{session}"}},
            {"name": "token", "secret": {"secretName": f"ambient-runner-token-{session}"}},
        ],
        "initContainers": [
            {
                "name": "init-workspace",
                "image": TEST_IMAGE,
                "command": ["{python}", "-c", "import os; os.makedirs('/workspace/repos', exist_ok=True)"],
                "volumeMounts": mounts[:1],
            }
        ],
        "containers": [
            {
                "name": "ambient-content",
                "image": TEST_IMAGE,
                "command": ["{python}", str(script)],
                "env": [
                    {"name": "CONTENT_PORT", "value": "$(LOCALKUBE_HOST_PORT_8080)"},
                    {"name": "WORKSPACE", "value": "/workspace"},
                    {"name": "TOKEN_FILE", "value": "/var/run/secrets/ambient/content-token"},
                ],
                "ports": [{"containerPort": 8080, "name": "http"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 1},
                "volumeMounts": mounts,
            },
            {
                "name": "ambient-code-runner",
                "image": TEST_IMAGE,
                "command": ["{python}", "-c", RUNNER],
                "volumeMounts": mounts,
            },
        ],
    }
    if native_sidecar:
        # The session Job's shape: the content service as an init container that always restarts;
        # the Service's named targetPort resolves to its port as the endpoints controller does.
        content = pod_spec["containers"].pop(0)
        pod_spec["initContainers"].append({**content, "restartPolicy": "Always"})
    job = {
        "metadata": {"name": f"{session}-job"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": {"app": "ambient-code-runner", "agentic-session": session}},
                "spec": pod_spec,
            },
        },
    }
    kubernetes.client.BatchV1Api(localkube.api_client()).create_namespaced_job(
        kube_namespace, V1Job.model_validate(job)
    )
    core.create_namespaced_service(
        kube_namespace,
        V1Service.model_validate(
            {
                "metadata": {"name": f"ambient-content-{session}"},
                "spec": {"selector": {"agentic-session": session}, "ports": [{"port": 8080, "targetPort": "http"}]},
            }
        ),
    )

    def pod_ready() -> Any:
        pods = core.list_namespaced_pod(kube_namespace, label_selector=f"job-name={session}-job").items
        ready = pods and condition(pods[0], "Ready")
        return pods[0] if ready and ready.status == "True" else None

    pod = wait_for(pod_ready, "both containers to be ready")
    assert pod.status.init_container_statuses[0].state.terminated.reason == "Completed"
    name = pod.metadata.name
    wait_for(
        lambda: core.read_namespaced_pod_log(name, kube_namespace, container="ambient-code-runner"),
        "the runner's log",
    )
    assert core.read_namespaced_pod_log(name, kube_namespace, container="ambient-code-runner") == "runner finished\n"

    def get_result() -> tuple[int, bytes]:
        client = localkube.api_client()
        serialized = client.param_serialize(
            "GET",
            f"/api/v1/namespaces/{kube_namespace}/services/ambient-content-{session}:8080/proxy/files/artifacts/result.txt",
            header_params={"X-Content-Token": "content-secret"},
            auth_settings=["BearerToken"],
        )
        response = client.call_api(*serialized)
        return response.status, response.read()

    assert get_result() == (200, b"done with 13-char token")

    # The runner exits 0; as in kube, the pod is then no longer Ready, so the Service has no endpoint.
    stop = Path(localkube.state_dir) / "volumes" / "pvc" / kube_namespace / f"ambient-workspace-{session}" / ".ambient"
    stop.mkdir(parents=True, exist_ok=True)
    (stop / "stop").write_text("")

    def runner_exit_code() -> int | None:
        statuses = pod_status(core, name, kube_namespace).container_statuses or []
        runner = next(item for item in statuses if item.name == "ambient-code-runner")
        terminated = runner.state.terminated if runner.state else None
        return terminated.exit_code + 1 if terminated else None  # +1: 0 is falsy

    assert wait_for(runner_exit_code, "the runner to exit") - 1 == 0
    if native_sidecar:
        # The main container is done, so the kubelet stops the sidecar and the pod finishes.
        wait_for(lambda: pod_status(core, name, kube_namespace).phase == "Succeeded", "the pod to succeed")
    else:
        assert pod_status(core, name, kube_namespace).phase == "Running"  # content still runs
    assert wait_for(lambda: get_result()[0] == 503, "the endpoint to go away")
