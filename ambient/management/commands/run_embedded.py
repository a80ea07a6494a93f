"""`make run`: Redis, localkube and the control plane (api, worker, beat, watcher) under supervisord."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ambient import kube
from ambient.embedded import identity, processes, redis_server, supervision
from ambient.embedded.cluster import console_admin_access_ensure, demo_project_ensure
from ambient.embedded.ports import PortBusy, WantedPort, ensure_ports_free
from ambient.embedded.private_files import PRIVATE_UMASK, private_directory, tighten_existing
from ambient.settings.env import BASE_DIR, STATE_DIR
from sessions.api_constants import ROLE_ADMIN as PROJECT_ADMIN_ROLE
from sessions.api_constants import ROLE_PROJECT_CREATOR as PROJECT_CREATOR_ROLE

READY_TIMEOUT_SECONDS = 60.0


class Command(BaseCommand):
    help = (
        "Run the whole platform on this machine: a private Redis, localkube, API, watcher, worker and "
        "beat, each restarted with backoff if it dies (supervisord). Ctrl-C stops everything."
    )
    # The system checks run in the migrate below instead of before handle(): a busy port or a missing
    # redis-server is then reported without waiting for them (about half of a start's CPU).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host", default=processes.DEFAULT_API_HOST, help="address the API listens on (default: %(default)s)"
        )
        parser.add_argument(
            "--port", type=int, default=processes.DEFAULT_API_PORT, help="API port (default: %(default)s)"
        )
        parser.add_argument(
            "--localkube-port",
            type=int,
            default=processes.DEFAULT_LOCALKUBE_PORT,
            help="port of localkube, the embedded Kubernetes API, on 127.0.0.1 (default: %(default)s)",
        )
        parser.add_argument(
            "--redis-port",
            type=int,
            default=processes.DEFAULT_REDIS_PORT,
            help="port of the private, password-protected Redis on 127.0.0.1 (default: %(default)s)",
        )

    def handle(self, *args, host: str, port: int, localkube_port: int, redis_port: int, **options) -> None:
        ports = processes.EmbeddedPorts(
            api_host=host, api_port=port, localkube_port=localkube_port, redis_port=redis_port
        )
        if supervision.Supervisor(STATE_DIR).answering():
            raise CommandError(f"the embedded stack of {STATE_DIR} is already running; stop it first (Ctrl-C)")
        try:
            ensure_ports_free(
                [
                    WantedPort("API", host, port, "--port", "PORT"),
                    WantedPort("localkube", processes.LOCALKUBE_HOST, localkube_port, "--localkube-port", "KUBE_PORT"),
                    WantedPort("Redis", redis_server.REDIS_HOST, redis_port, "--redis-port", "REDIS_PORT"),
                ]
            )
            redis_binary = redis_server.redis_server_binary()
        except (PortBusy, redis_server.RedisServerNotFound) as error:
            raise CommandError(str(error)) from None
        # Everything this process and its children create is owner-only (the host may be shared).
        os.umask(PRIVATE_UMASK)
        private_directory(STATE_DIR)
        kube_dir = private_directory(STATE_DIR / "localkube")
        call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
        kubeconfig = kube_dir / "kubeconfig"
        tokens_file = kube_dir / "tokens.csv"
        tighten_existing([*_sqlite_files(), kubeconfig, tokens_file])
        demo_token = identity.demo_token_ensure(tokens_file=tokens_file)
        image_map = (
            Path(settings.EMBEDDED_IMAGE_MAP)
            if settings.EMBEDDED_IMAGE_MAP
            else processes.image_map_write(path=kube_dir / "images.yaml")
        )
        redis = redis_server.private_redis_prepare(state_dir=STATE_DIR, port=redis_port)
        localkube = processes.localkube_command(
            state_dir=kube_dir, port=localkube_port, tokens_file=tokens_file, image_map=image_map
        )
        programs = processes.programs(ports=ports, state_dir=STATE_DIR, localkube=localkube, redis=redis)
        self.stdout.write(f">>> Redis: {redis_binary}; logs of every process: {supervision.log_dir(STATE_DIR)}/")
        config = supervision.write_config(state_dir=STATE_DIR, working_dir=BASE_DIR, programs=programs)
        env = processes.child_environment(kubeconfig=kubeconfig, image_map=image_map, redis_url=redis.url, ports=ports)
        supervisord = supervision.supervisord_start(config=config, env=env)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            supervisor = supervision.Supervisor(STATE_DIR)
            self._wait_infrastructure(supervisor, supervisord, kubeconfig)
            settings.KUBECONFIG = str(kubeconfig)
            call_command("install_crds")
            demo_project_ensure(cluster_role=PROJECT_ADMIN_ROLE, creator_role=PROJECT_CREATOR_ROLE)
            admin_username, admin_password = identity.admin_user_ensure(state_dir=STATE_DIR)
            console_admin_access_ensure(
                username=admin_username, cluster_role=PROJECT_ADMIN_ROLE, creator_role=PROJECT_CREATOR_ROLE
            )
            for program in programs:
                if not program.autostart:
                    supervisor.start(program.name)
            self._banner(ports, kubeconfig, admin_username, admin_password, demo_token)
            while supervisord.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stdout.write(">>> stopping every process")
            supervision.supervisord_stop(supervisord)

    def _wait_infrastructure(
        self, supervisor: supervision.Supervisor, supervisord: subprocess.Popen[bytes], kubeconfig: Path
    ) -> None:
        """Redis and localkube running, and localkube answering with the kubeconfig it wrote."""
        logs = supervision.log_dir(STATE_DIR)
        if not supervisor.wait_answering(READY_TIMEOUT_SECONDS):
            raise CommandError(f"supervisord did not start; see {logs}/supervisord.log")
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if supervisord.poll() is not None:
                raise CommandError(f"supervisord exited with {supervisord.returncode}; see {logs}/supervisord.log")
            states = {name: info["statename"] for name, info in supervisor.processes().items()}
            for name in ("redis", "localkube"):
                if states.get(name) in supervision.GAVE_UP:
                    raise CommandError(f"{name} did not start ({states[name]}); see {logs}/{name}.log")
            if states.get("redis") == supervision.RUNNING and _localkube_answers(kubeconfig):
                return
            time.sleep(0.3)
        raise CommandError(f"localkube did not answer within {READY_TIMEOUT_SECONDS:.0f}s; see {logs}/localkube.log")

    def _banner(self, ports, kubeconfig: Path, admin_username: str, admin_password: str, demo_token: str) -> None:
        base = f"http://{ports.api_host}:{ports.api_port}"
        lines = [
            "",
            "Ambient is running (Ctrl-C stops everything; a process that dies is restarted).",
            f"  API (browsable)   {base}/api/",
            f"  API docs          {base}/api/docs/",
            f"  Django admin      {base}/admin/   login: {admin_username} / {admin_password}",
            f"  Sessions console  {base}/admin/console/   (acts as {admin_username}, who may administer every project)",
            f"  Health            {base}/healthz  {base}/readyz",
            f"  Kubernetes API    https://127.0.0.1:{ports.localkube_port}",
            f"  kubeconfig        export KUBECONFIG={kubeconfig}   (then: kubectl get agenticsessions -A)",
            f"  Redis             127.0.0.1:{ports.redis_port} (private, password in {STATE_DIR}/redis/)",
            f"  Logs              {supervision.log_dir(STATE_DIR)}/<api|worker|beat|watcher|localkube|redis>.log",
            f"  Demo user token   {demo_token}",
            f"                    curl -H 'Authorization: Bearer {demo_token}' {base}/api/projects",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _localkube_answers(kubeconfig: Path) -> bool:
    if not kubeconfig.is_file():
        return False
    try:
        kube.reset()
        settings.KUBECONFIG = str(kubeconfig)
        kube.control_plane_gateway().request("GET", "/version", timeout=2)
    except Exception:  # noqa: BLE001 - any failure means "not up yet"
        return False
    return True


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM ends `make run` the way Ctrl-C does: supervisord then stops every process."""
    raise KeyboardInterrupt


def _sqlite_files() -> list[Path]:
    database = settings.DATABASES["default"]
    if "sqlite" not in database["ENGINE"]:
        return []
    return [Path(database["NAME"])]
