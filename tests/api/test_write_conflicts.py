"""Optimistic concurrency: a write that loses a race (409 from the API server) is retried on a fresh read."""

from __future__ import annotations

import pytest

from sessions.constants import ANNOTATION_DESIRED_PHASE, DesiredPhase
from tests.api.conftest import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_lost_races_are_retried(django_kube, admin_client, project, seed_session):
    seed_session(project, "raced", phase="Completed")
    # A patch caches the caller's access reviews (list, patch on "raced"), so the injected faults
    # below hit only the session writes, as races do.
    warm = admin_client.patch(sessions_url(project, "raced"), {"metadata": {"labels": {"a": "b"}}}, format="json")
    assert warm.status_code == 200
    mark = django_kube.request_log.mark()
    django_kube.set_faults(seed=3, write_error_rate=0.5, write_error_codes=[409])
    try:
        response = admin_client.post(sessions_url(project, "raced", "start"))
    finally:
        django_kube.reset_faults()
    assert response.status_code == 202, response.json()
    assert response.json()["metadata"]["annotations"][ANNOTATION_DESIRED_PHASE] == DesiredPhase.RUNNING
    patches = [r for r in django_kube.request_log.records_since(mark) if r.verb == "patch" and "raced" in r.path]
    assert [r.code for r in patches][-1] == 200
    assert any(r.code == 409 for r in patches), "the fault seed should make at least one attempt lose"
