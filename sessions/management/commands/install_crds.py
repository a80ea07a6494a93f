"""`manage.py install_crds`: apply the AgenticSession CRD and the project/control-plane ClusterRoles.

The same YAML files the Helm chart ships (helm/ambient/crds, helm/ambient/templates), applied with
the control plane's identity to the configured cluster; create or update, so re-running is safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand

from ambient.kube import control_plane_gateway
from sessions.api_constants import CRD_MANIFEST, RBAC_MANIFESTS


def manifest_documents(paths: tuple[Path, ...]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in paths:
        with path.open() as handle:
            documents.extend(document for document in yaml.safe_load_all(handle) if document)
    return documents


class Command(BaseCommand):
    help = "Create or update the AgenticSession CRD and the Ambient ClusterRoles in the configured cluster."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--crd-only", action="store_true", help="Apply only the CustomResourceDefinition.")

    def handle(self, *args: Any, crd_only: bool = False, **options: Any) -> None:
        paths = (CRD_MANIFEST,) if crd_only else (CRD_MANIFEST, *RBAC_MANIFESTS)
        gateway = control_plane_gateway()
        for document in manifest_documents(paths):
            outcome = gateway.apply(document)
            self.stdout.write(f"{document['kind']} {document['metadata']['name']} {outcome}")
