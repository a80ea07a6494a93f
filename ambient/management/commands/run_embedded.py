"""`make run`: localkube, then api + worker + beat (+ watcher) under one process manager."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from honcho.manager import Manager
from honcho.printer import Printer

from ambient.embedded import cluster, identity, processes
from ambient.settings.env import STATE_DIR
from sessions.api_constants import ROLE_ADMIN as PROJECT_ADMIN_ROLE


class Command(BaseCommand):
    help = "Run the whole platform on this machine: localkube, API, watcher, worker and beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--localkube-port", type=int, default=6443)

    def handle(self, *args, host: str, port: int, localkube_port: int, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        ports = processes.EmbeddedPorts(api_host=host, api_port=port, localkube_port=localkube_port)
        kube_dir = STATE_DIR / "localkube"
        kubeconfig = kube_dir / "kubeconfig"
        tokens_file = kube_dir / "tokens.csv"
        demo_token = identity.demo_token_ensure(tokens_file=tokens_file)
        if settings.EMBEDDED_IMAGE_MAP:
            image_map = Path(settings.EMBEDDED_IMAGE_MAP)
        else:
            image_map = processes.image_map_write(path=kube_dir / "images.yaml")

        self.stdout.write(
            f">>> starting localkube on https://127.0.0.1:{localkube_port} (log: {kube_dir}/localkube.log)"
        )
        localkube = cluster.localkube_start(
            command=processes.localkube_command(
                state_dir=kube_dir,
                port=localkube_port,
                tokens_file=tokens_file,
                image_map=image_map,
            ),
            log_file=kube_dir / "localkube.log",
            kubeconfig=kubeconfig,
        )
        try:
            settings.KUBECONFIG = str(kubeconfig)
            call_command("install_crds")
            cluster.demo_project_ensure(cluster_role=PROJECT_ADMIN_ROLE)
            admin_username, admin_password = identity.admin_user_ensure(state_dir=STATE_DIR)
            self._banner(ports, kubeconfig, admin_username, admin_password, demo_token)
            manager = Manager(Printer(sys.stdout))
            env = processes.child_environment(kubeconfig=kubeconfig, image_map=image_map)
            for name, command in processes.control_plane_commands(ports=ports, state_dir=STATE_DIR).items():
                manager.add_process(name, command, env=env)
            manager.loop()
        finally:
            cluster.localkube_stop(localkube)
        sys.exit(manager.returncode or 0)

    def _banner(self, ports, kubeconfig: Path, admin_username: str, admin_password: str, demo_token: str) -> None:
        base = f"http://{ports.api_host}:{ports.api_port}"
        lines = [
            "",
            "Ambient is running (Ctrl-C stops everything).",
            f"  API (browsable)   {base}/api/",
            f"  API docs          {base}/api/docs/",
            f"  Django admin      {base}/admin/   login: {admin_username} / {admin_password}",
            f"  Health            {base}/healthz  {base}/readyz",
            f"  Kubernetes API    https://127.0.0.1:{ports.localkube_port}",
            f"  kubeconfig        export KUBECONFIG={kubeconfig}   (then: kubectl get agenticsessions -A)",
            f"  Demo user token   {demo_token}",
            f"                    curl -H 'Authorization: Bearer {demo_token}' {base}/api/projects",
            "",
        ]
        self.stdout.write("\n".join(lines))
