"""The floor for the reconcile bench: the least a controller can do on the same localkube.

One process, one watch on the sessions of a namespace, and for every event whose generation is
ahead of status.observedGeneration one status merge patch — no queue, no Celery, no reads, no
decision. It uses the reconciler's own HTTP path (the gateway's watch and patch), so the
difference to the real reconciler is the queue and the pass itself.

Usage: python bench/helpers/floor.py --kubeconfig PATH --namespace NS  (prints "ready" once watching)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

from django.conf import settings  # noqa: E402

from ambient import kube  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig of the localkube to run against")
    parser.add_argument("--namespace", required=True, help="namespace whose sessions to follow")
    options = parser.parse_args()

    settings.KUBECONFIG = options.kubeconfig
    gateway = kube.control_plane_gateway()
    listed = gateway.list_page(kube.SESSION, options.namespace, label_selector=None, limit=5000, continue_token=None)
    stream = gateway.watch(
        kube.SESSION,
        options.namespace,
        label_selector=None,
        resource_version=str(listed["metadata"]["resourceVersion"]),
        timeout_seconds=3600,
        timeout=(10, 3600),
    )
    print("ready", flush=True)
    for event in stream.events():
        obj = event.get("object") or {}
        metadata = obj.get("metadata") or {}
        generation = int(metadata.get("generation") or 1)
        if (
            event.get("type") != "MODIFIED"
            or int((obj.get("status") or {}).get("observedGeneration") or 0) >= generation
        ):
            continue
        status = {"status": {"observedGeneration": generation}}
        gateway.patch(kube.SESSION, options.namespace, str(metadata["name"]), status, subresource="status")


if __name__ == "__main__":
    main()
