"""`manage.py install_crds` creates, then updates, the CRD and the ClusterRoles."""

from __future__ import annotations

import io

import kubernetes.client
import pytest
from django.core.management import call_command

from ambient.contract import CRD_NAME
from sessions.api_constants import CONTROL_PLANE_ROLES, PROJECT_ROLES

pytestmark = pytest.mark.localkube


def test_install_is_idempotent_and_applies_every_object(django_kube):
    output = io.StringIO()
    call_command("install_crds", stdout=output)  # django_kube already installed once: all updates
    lines = output.getvalue().splitlines()
    assert f"CustomResourceDefinition {CRD_NAME} updated" in lines
    for role in (*PROJECT_ROLES, *CONTROL_PLANE_ROLES):
        assert f"ClusterRole {role} updated" in lines
    crd = kubernetes.client.ApiextensionsV1Api(django_kube.api_client()).read_custom_resource_definition(CRD_NAME)
    assert crd.spec.names.short_names == ["as"]
