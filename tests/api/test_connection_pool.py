"""The Kubernetes clients keep as many connections as the API has threads calling them at once, so
concurrent requests never open and discard extra ones ("Connection pool is full")."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from ambient.kube import NAMESPACE, control_plane_gateway, user_gateway

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

CONCURRENT_CALLERS = 20


def test_clients_are_sized_to_the_concurrency(django_kube, caplog):
    assert settings.KUBE_CONNECTION_POOL_MAXSIZE >= CONCURRENT_CALLERS
    assert control_plane_gateway().api_client.configuration.connection_pool_maxsize == (
        settings.KUBE_CONNECTION_POOL_MAXSIZE
    )
    token = django_kube.create_user("pool@example.com")
    gateway = user_gateway(token)
    assert gateway.api_client.configuration.connection_pool_maxsize == settings.KUBE_CONNECTION_POOL_MAXSIZE
    with (
        caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"),
        ThreadPoolExecutor(CONCURRENT_CALLERS) as pool,
    ):
        list(pool.map(lambda _: control_plane_gateway().list(NAMESPACE), range(10 * CONCURRENT_CALLERS)))
    assert not [record for record in caplog.records if "Connection pool is full" in record.getMessage()]
