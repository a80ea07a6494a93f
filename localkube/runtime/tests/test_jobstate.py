"""Job controller decisions (plan_job), table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from localkube.runtime.jobstate import job_pod_name, plan_job, pod_from_template

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def job(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": "ns", "uid": "job-uid"},
        "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"restartPolicy": "Never"}}, **spec},
        "status": {},
    }


def pod(name: str, phase: str, finished: datetime | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if finished:
        stamp = finished.strftime("%Y-%m-%dT%H:%M:%SZ")
        status["containerStatuses"] = [{"state": {"terminated": {"exitCode": 1, "finishedAt": stamp}}}]
    return {"metadata": {"name": name}, "status": status}


def conditions(plan: Any) -> dict[str, str]:
    return {item["type"]: item["reason"] for item in plan.status.get("conditions", [])}


def test_new_job_creates_one_pod_and_starts() -> None:
    plan = plan_job(job(), [], NOW)
    assert plan.create == 1 and plan.status["startTime"] == "2026-01-01T12:00:00Z"


def test_pending_creates_are_not_duplicated() -> None:
    assert plan_job(job(), [], NOW, pending_creates=1).create == 0


def test_success_completes() -> None:
    plan = plan_job(job(), [pod("a", "Succeeded")], NOW)
    assert conditions(plan) == {"SuccessCriteriaMet": "CompletionsReached", "Complete": "CompletionsReached"}
    assert plan.status["succeeded"] == 1 and plan.status["completionTime"]
    assert plan.events == [("Completed", "Job completed", False)]


def test_backoff_limit_exceeded() -> None:
    plan = plan_job(job(backoffLimit=1), [pod("a", "Failed", NOW), pod("b", "Failed", NOW)], NOW)
    assert conditions(plan)["Failed"] == "BackoffLimitExceeded"
    assert plan.events[0][0] == "BackoffLimitExceeded"


def test_failure_within_limit_recreates_after_backoff() -> None:
    waiting = plan_job(job(backoffLimit=2), [pod("a", "Failed", NOW)], NOW, backoff_base=5)
    assert waiting.create == 0 and waiting.requeue_after is not None
    later = plan_job(job(backoffLimit=2), [pod("a", "Failed", NOW)], NOW + timedelta(seconds=6), backoff_base=5)
    assert later.create == 1 and later.status["failed"] == 1


def test_deadline_exceeded_deletes_active_pods() -> None:
    spec_job = job(activeDeadlineSeconds=5)
    spec_job["status"] = {"startTime": "2026-01-01T11:59:00Z"}
    plan = plan_job(spec_job, [pod("a", "Running")], NOW)
    assert conditions(plan)["Failed"] == "DeadlineExceeded" and plan.delete == ["a"]


def test_deadline_in_future_requeues() -> None:
    plan = plan_job(job(activeDeadlineSeconds=30), [pod("a", "Running")], NOW)
    assert plan.create == 0 and plan.requeue_after == 30


def test_finished_job_does_nothing() -> None:
    finished = job()
    finished["status"] = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}
    plan = plan_job(finished, [pod("a", "Succeeded")], NOW)
    assert plan.create == 0 and not plan.events and plan.status["succeeded"] == 1


def test_pod_from_template() -> None:
    created = pod_from_template(job(), "j-abcde")
    labels = created["metadata"]["labels"]
    assert labels["job-name"] == "j" and labels["controller-uid"] == "job-uid" and labels["app"] == "x"
    assert labels["batch.kubernetes.io/job-name"] == "j"
    owner = created["metadata"]["ownerReferences"][0]
    assert owner["controller"] and owner["blockOwnerDeletion"] and owner["uid"] == "job-uid"


def test_pod_name_fits_a_label() -> None:
    name = job_pod_name("x" * 80)
    assert len(name) <= 63 and name.startswith("x" * 57 + "-")


def restarted_pod(name: str, restarts: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "status": {"phase": "Running", "containerStatuses": [{"restartCount": restarts}]},
    }


def test_on_failure_restarts_count_against_the_backoff_limit() -> None:
    on_failure = job(backoffLimit=2)
    on_failure["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert not conditions(plan_job(on_failure, [restarted_pod("a", 2)], NOW))
    plan = plan_job(on_failure, [restarted_pod("a", 3)], NOW)
    assert conditions(plan)["Failed"] == "BackoffLimitExceeded" and plan.delete == ["a"]


def test_parallelism_and_completions() -> None:
    plan = plan_job(job(completions=3, parallelism=2), [pod("a", "Succeeded")], NOW)
    assert plan.create == 2 and not conditions(plan)
    plan = plan_job(job(completions=3, parallelism=2), [pod("a", "Succeeded"), pod("b", "Running")], NOW)
    assert plan.create == 1
    done = plan_job(job(completions=2, parallelism=2), [pod("a", "Succeeded"), pod("b", "Succeeded")], NOW)
    assert conditions(done)["Complete"] == "CompletionsReached"


def test_zero_counts_are_omitted() -> None:
    plan = plan_job(job(), [], NOW, pending_creates=0)
    assert "succeeded" not in plan.status and "failed" not in plan.status
