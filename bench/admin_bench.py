"""Admin console server time with 500 sessions: dashboard, session list (a page, and all 500 on one
page), a filtered list, one session's page (conditions, a 40-entry timeline, pods, chat).

One run: starts an in-process localkube, installs the CRD and roles, seeds 500 sessions over 5
projects (each with a phase and a Ready condition), a superuser bound as project admin in every
project, and times each page through Django's test client (the whole request in this process, as
the staff user impersonated on localkube). Prints a table, then one line of JSON (milliseconds).

    .venv/bin/python bench/admin_bench.py [--sessions 500] [--projects 5] [--iterations 15]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.contract import API_VERSION, KIND, Phase  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import median, percentile, project_admin_grant  # noqa: E402
from localkube.testing import LocalKube  # noqa: E402
from reconciler.models import ConditionTransition  # noqa: E402

GOAL_MS = 1000.0
PHASES = [Phase.RUNNING, Phase.COMPLETED, Phase.STOPPED, Phase.FAILED, Phase.PENDING]
READY_REASONS = {
    Phase.RUNNING: "Running",
    Phase.COMPLETED: "Completed",
    Phase.STOPPED: "UserStopped",
    Phase.FAILED: "Failed",
    Phase.PENDING: "Initializing",
}
USERNAME = "bench-operator"


def seed(projects: list[str], count: int) -> None:
    gateway = kube.control_plane_gateway()

    def create(index: int) -> None:
        project, name = projects[index % len(projects)], f"bench-{index:04d}"
        phase = PHASES[index % len(PHASES)]
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {"name": name},
            "spec": {
                "initialPrompt": f"Prompt {index} about {'login' if index % 10 == 0 else 'docs'}",
                "displayName": f"Bench {index}",
            },
        }
        gateway.create(kube.SESSION, project, body)
        condition = {
            "type": "Ready",
            "status": "True" if phase == Phase.RUNNING else "False",
            "reason": READY_REASONS[phase],
        }
        status = {"phase": phase.value, "observedGeneration": 1, "conditions": [condition]}
        gateway.patch(kube.SESSION, project, name, {"status": status}, subresource="status")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def history_seed(project: str, name: str, uid: str, transitions: int) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    ConditionTransition.objects.bulk_create(
        ConditionTransition(
            namespace=project,
            session_name=name,
            session_uid=uid,
            condition_type="Ready",
            status="True" if index % 2 else "False",
            previous_status="False" if index % 2 else "True",
            reason="Running" if index % 2 else "Restarting",
            observed_generation=1,
            transitioned_at=start + timedelta(seconds=index * 30),
        )
        for index in range(transitions)
    )


def timed(iterations: int, call: Callable[[], int]) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"unexpected status {status}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--projects", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=15)
    options = parser.parse_args()

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    with LocalKube() as localkube:
        settings.KUBECONFIG = str(localkube.kubeconfig_path)
        kube.reset()
        call_command("install_crds", stdout=io.StringIO())
        gateway = kube.control_plane_gateway()
        projects = [localkube.create_namespace("bench-") for _ in range(options.projects)]
        for project in projects:
            project_admin_grant(gateway, project, USERNAME)
        seeding_started = time.perf_counter()
        seed(projects, options.sessions)
        took = time.perf_counter() - seeding_started
        print(f"seeded {options.sessions} sessions in {options.projects} projects in {took:.1f}s")
        detail_project, detail_name = projects[0], "bench-0000"
        uid = gateway.read(kube.SESSION, detail_project, detail_name)["metadata"]["uid"]
        history_seed(detail_project, detail_name, uid, 40)

        user = get_user_model().objects.create_user(USERNAME, password=None, is_staff=True, is_superuser=True)
        browser = Client(HTTP_HOST="127.0.0.1")
        browser.force_login(user)
        pages = {
            "dashboard": "/admin/console/",
            "list_page": "/admin/console/sessions/",
            "list_all_500": f"/admin/console/sessions/?per_page={options.sessions}",
            "list_filtered": "/admin/console/sessions/?phase=Running&q=login",
            "session_page": f"/admin/console/sessions/{detail_project}/{detail_name}/",
        }
        for url in pages.values():
            browser.get(url)  # warm: clients, access reviews, templates

        def fetch(url: str) -> Callable[[], int]:
            return lambda: browser.get(url).status_code

        results = {name: timed(options.iterations, fetch(url)) for name, url in pages.items()}
        listed = browser.get(pages["list_all_500"]).content.count(b'<td><span class="phase phase-')
        assert listed == options.sessions, f"the list showed {listed} sessions, not {options.sessions}"

    figures: dict[str, object] = {}
    for name, samples in results.items():
        figures[f"{name}_p50_ms"] = round(median(samples), 1)
        figures[f"{name}_p95_ms"] = round(percentile(samples, 0.95), 1)
    worst = max(float(str(value)) for key, value in figures.items() if key.endswith("_p95_ms"))
    figures["worst_p95_ms"] = round(worst, 1)
    goals = {key: f"<= {GOAL_MS:.0f} ms" for key in figures if key.endswith("_ms")}
    verdict = "met" if worst <= GOAL_MS else "MISSED"
    print(f"goal: every page in <= {GOAL_MS:.0f} ms server time with {options.sessions} sessions: {verdict}")
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
