"""The floor for the reconcile bench: the least a controller can do on the same localkube.

One process, one watch on the sessions of a namespace, and for every event whose generation is
ahead of status.observedGeneration one status merge patch — no queue, no Celery, no reads, no
decision. It uses the reconciler's own HTTP path (``KubeTransport`` for the watch, ``Cluster``
for the patch), so the difference to the real reconciler is the queue and the pass itself.

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

from kubernetes import config as kube_config  # noqa: E402

from ambient.contract import GROUP, PLURAL, VERSION  # noqa: E402
from reconciler.cluster import Cluster  # noqa: E402
from reconciler.watching.transport import KubeTransport  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig of the localkube to run against")
    parser.add_argument("--namespace", required=True, help="namespace whose sessions to follow")
    options = parser.parse_args()

    def client_factory():  # noqa: ANN202 - kubernetes' ApiClient
        return kube_config.new_client_from_config(config_file=options.kubeconfig)

    cluster = Cluster(client_factory())
    transport = KubeTransport(client_factory, connect_timeout=10, read_timeout=3600)
    path = f"/apis/{GROUP}/{VERSION}/namespaces/{options.namespace}/{PLURAL}"
    listed = transport.list_page(path, label_selector=None, limit=5000, continue_token=None)
    stream = transport.watch(
        path, label_selector=None, resource_version=str(listed["metadata"]["resourceVersion"]), timeout_seconds=3600
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
        cluster.session_status_patch(
            options.namespace, str(metadata["name"]), {"status": {"observedGeneration": generation}}
        )


if __name__ == "__main__":
    main()
