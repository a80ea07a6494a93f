"""A session created with `kubectl apply` (not the API) is listed and read through the API identically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ambient.contract import API_VERSION, GROUP, KIND, PLURAL, VERSION
from sessions.api_constants import CRD_MANIFEST
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.kubectl]

KUBECTL = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")


def kubectl(django_kube, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "KUBECONFIG": str(django_kube.kubeconfig_path)}
    result = subprocess.run(
        [KUBECTL, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kubectl_applied_session_reads_the_same(django_kube, admin_client, project, kube_sessions):
    manifest = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": "from-kubectl", "namespace": project, "labels": {"team": "ops"}},
        "spec": {
            "initialPrompt": "made by kubectl",
            "displayName": "Kubectl session",
            "repos": [{"url": "https://github.com/o/r.git", "branch": "main"}],
        },
    }
    kubectl(django_kube, "apply", "-f", "-", stdin=json.dumps(manifest))
    stored = kube_sessions.get_namespaced_custom_object(GROUP, VERSION, project, PLURAL, "from-kubectl")
    stored["metadata"].pop("managedFields", None)

    got = admin_client.get(sessions_url(project, "from-kubectl"))
    assert got.status_code == 200
    assert got.json() == stored
    listed = admin_client.get(sessions_url(project), {"search": "kubectl"})
    assert listed.json()["items"] == [stored]

    # kubectl sees what the API writes too (printer columns and the short name work).
    admin_client.post(sessions_url(project), {"name": "from-api", "initialPrompt": "x"}, format="json")
    table = kubectl(django_kube, "get", "as", "-n", project)
    assert "from-api" in table and "from-kubectl" in table
    assert table.split("\n")[0].split() == ["NAME", *printer_columns()]


def test_kubectl_shows_the_deadline_in_force(django_kube, project, kube_sessions):
    """The Timeout column is status.timeoutSeconds (the run's effective deadline), empty when unlimited."""
    for name in ("limited", "unlimited"):
        body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": {"initialPrompt": "x"}}
        kube_sessions.create_namespaced_custom_object(GROUP, VERSION, project, PLURAL, body)
    status = {"status": {"phase": "Running", "timeoutSeconds": 86400}}
    kube_sessions.patch_namespaced_custom_object_status(GROUP, VERSION, project, PLURAL, "limited", status)

    table = kubectl(django_kube, "get", "agenticsessions", "-n", project)
    header, *rows = table.strip().split("\n")
    # kubectl aligns each column under its header, so a cell is the text between two header offsets.
    start, end = header.index("TIMEOUT"), header.index("AGE")
    timeout = {row.split()[0]: row[start:end].strip() for row in rows}
    assert timeout["limited"] == "86400"
    assert timeout["unlimited"] in ("", "<none>")


def printer_columns() -> list[str]:
    """The CRD's default (priority 0) printer column names, as kubectl prints them."""
    crd = yaml.safe_load(CRD_MANIFEST.read_text())
    version = next(item for item in crd["spec"]["versions"] if item["name"] == VERSION)
    columns = version.get("additionalPrinterColumns") or []
    return [column["name"].upper() for column in columns if not column.get("priority")]
