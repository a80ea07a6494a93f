"""The control plane's configuration read from a kubeconfig (no API server needed: nothing is sent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ambient import kube
from ambient.kube import config

SERVER = "https://127.0.0.1:1"
KUBECONFIG = f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "{SERVER}", insecure-skip-tls-verify: true}}}}]
users: [{{name: u, user: {{token: a-token}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u}}}}]
current-context: c
"""


@pytest.fixture
def kubeconfig(settings: Any, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    settings.KUBECONFIG = str(path)
    settings.KUBE_IN_CLUSTER = False
    settings.KUBE_CONTEXT = ""
    kube.reset()
    yield path
    kube.reset()


def _bearer(configuration: Any) -> str | None:
    """What the client does before every request: ask for the token, which runs the refresh hook."""
    return configuration.get_api_key_with_prefix("BearerToken", alias="authorization")


def test_the_refresh_hook_runs_at_most_once_an_interval_however_many_requests(
    kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kubeconfig's hook sets the host again each time it runs: a moved host shows whether it ran.
    monkeypatch.setattr(config, "REFRESH_INTERVAL_SECONDS", 3600.0)
    configuration = config.loaded_configuration()
    assert _bearer(configuration) == "Bearer a-token"  # the first request runs it
    for _ in range(3):
        configuration.host = "https://moved.example"
        assert _bearer(configuration) == "Bearer a-token"
        assert configuration.host == "https://moved.example"


def test_the_refresh_hook_runs_again_once_the_interval_has_passed(
    kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "REFRESH_INTERVAL_SECONDS", 0.0)
    configuration = config.loaded_configuration()
    for _ in range(3):
        configuration.host = "https://moved.example"
        assert _bearer(configuration) == "Bearer a-token"
        assert configuration.host == SERVER
