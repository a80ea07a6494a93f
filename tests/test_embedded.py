"""The embedded mode's set-up steps (what `make run` does before it starts the processes)."""

import stat

import pytest
import yaml
from django.conf import settings as django_settings
from kubernetes import client

from ambient import kube
from ambient.embedded import cluster, identity, processes
from reconciler.models import ConditionTransition
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
    assert "ambient.asgi:application" in commands["api"]
    assert "--pool threads" in commands["worker"] and " -B" not in commands["worker"]


def test_image_map_runs_both_images_from_this_checkout(tmp_path):
    path = processes.image_map_write(path=tmp_path / "images.yaml")
    images = yaml.safe_load(path.read_text())["images"]
    assert images[django_settings.RECONCILER_RUNNER_IMAGE]["command"] == ["{python}", "-m", "runner"]
    assert django_settings.RECONCILER_CONTENT_IMAGE in images
    environment = processes.child_environment(kubeconfig=tmp_path / "kubeconfig", image_map=path)
    assert environment["EMBEDDED_IMAGE_MAP"] == str(path)
    assert "{port:8080}" in environment["RECONCILER_CONTENT_COMMAND"]


def test_demo_project_is_a_managed_namespace_the_demo_user_administers(settings, localkube):
    settings.KUBECONFIG = str(localkube.kubeconfig_path)
    kube.reset_cache()
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
        kube.reset_cache()


@pytest.mark.django_db
def test_condition_history_reads_in_transition_order():
    later = ConditionTransitionFactory(session_name="s1")
    earlier = ConditionTransitionFactory(session_name="s1", transitioned_at=later.transitioned_at.replace(year=2025))
    assert list(ConditionTransition.objects.filter(session_name="s1")) == [earlier, later]
    assert str(later) == "team-a/s1 Ready=True (Running)"
