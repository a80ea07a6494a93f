"""Optimistic concurrency: a write that loses a race (409 from the API server) is retried on a fresh read,
with backoff and jitter, so concurrent writers without a resourceVersion are never refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ambient.contract import ANNOTATION_DESIRED_PHASE, DesiredPhase
from ambient.exceptions import AlreadyExists, Conflict
from ambient.kube import retry_on_conflict
from tests.api.support import client_with, sessions_url

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


CONCURRENT_WRITERS = 50


def _concurrently(count: int, write: Callable[[int], Any]) -> list[Any]:
    # Every writer starts at once, as many clients would.
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return write(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# Fifty writers racing one session: a stress run for `make test`, not the fast lane.
@pytest.mark.slow
def test_concurrent_label_patches_without_a_resource_version_are_all_stored(admin_token, project, seed_session):
    seed_session(project, "crowded", phase="Running")
    url = sessions_url(project, "crowded")

    def patch(index: int) -> int:
        body = {"metadata": {"labels": {f"writer-{index}": "yes"}}}
        return client_with(admin_token).patch(url, body, format="json").status_code

    codes = _concurrently(CONCURRENT_WRITERS, patch)
    assert codes == [200] * CONCURRENT_WRITERS
    labels = client_with(admin_token).get(url).json()["metadata"]["labels"]
    assert {f"writer-{index}" for index in range(CONCURRENT_WRITERS)} <= set(labels)


# Fifty writers racing one session: a stress run for `make test`, not the fast lane.
@pytest.mark.slow
def test_concurrent_display_name_updates_all_succeed(admin_token, project, seed_session):
    seed_session(project, "renamed", phase="Running")
    url = sessions_url(project, "renamed", "displayname")
    names = {f"name {index}" for index in range(CONCURRENT_WRITERS)}

    def rename(index: int) -> int:
        return client_with(admin_token).put(url, {"displayName": f"name {index}"}, format="json").status_code

    assert _concurrently(CONCURRENT_WRITERS, rename) == [200] * CONCURRENT_WRITERS
    assert client_with(admin_token).get(sessions_url(project, "renamed")).json()["spec"]["displayName"] in names


def test_a_stale_client_resource_version_is_refused_not_retried(admin_client, project, seed_session):
    seed_session(project, "pinned", phase="Completed")
    url = sessions_url(project, "pinned")
    read = admin_client.get(url).json()["metadata"]["resourceVersion"]
    assert admin_client.patch(url, {"metadata": {"labels": {"a": "1"}}}, format="json").status_code == 200
    stale = admin_client.patch(url, {"metadata": {"labels": {"b": "2"}, "resourceVersion": read}}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_resource_version"


def _race() -> Conflict:
    return Conflict("changed", details={"kubernetes": {"code": 409, "reason": "Conflict"}})


def test_the_retry_helper_retries_races_only():
    attempts: list[int] = []

    def lose_twice() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _race()
        return "written"

    assert retry_on_conflict(lose_twice, deadline_seconds=5) == "written"
    assert len(attempts) == 3
    taken = AlreadyExists("taken", details={"kubernetes": {"code": 409, "reason": "AlreadyExists"}})
    for refusal in (taken, Conflict("The session is Running.", code="invalid_phase")):
        attempts.clear()

        def refuse(error: Conflict = refusal) -> None:
            attempts.append(1)
            raise error

        with pytest.raises(Conflict):
            retry_on_conflict(refuse, deadline_seconds=5)
        assert len(attempts) == 1


def test_the_retry_helper_gives_up_at_its_deadline():
    def always_lose() -> None:
        raise _race()

    with pytest.raises(Conflict) as raised:
        retry_on_conflict(always_lose, deadline_seconds=0.05)
    assert raised.value.details["kubernetes"]["reason"] == "Conflict"
