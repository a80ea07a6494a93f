"""Pure pieces of the services: names, CR bodies, phase rules, list paging."""

from __future__ import annotations

import pytest

from ambient.contract import (
    ANNOTATION_PARENT_SESSION_ID,
    CHILD_NAME_FUNCTIONS,
    DNS_LABEL_MAX_LENGTH,
    MAX_SESSION_NAME_LENGTH,
    DesiredPhase,
    Phase,
)
from ambient.kube import Identity
from sessions.api_constants import ENV_PARENT_SESSION_ID, GENERATED_NAME_PREFIX
from sessions.selectors import session_page
from sessions.serializers.fields import validate_session_name
from sessions.services.lifecycle import can_start, can_stop
from sessions.services.specs import clone_name_candidates, generated_session_name, new_session_body
from sessions.user_context import VerifiedUser, crd_spec_defaults, spec_digest, verified_user


def test_generated_names_are_valid_and_distinct():
    names = {generated_session_name() for _ in range(200)}
    assert len(names) == 200
    for name in names:
        assert name.startswith(GENERATED_NAME_PREFIX)
        validate_session_name(name)  # raises on an invalid name


def test_every_child_of_a_maximal_name_is_a_dns_label():
    name = "a" * MAX_SESSION_NAME_LENGTH
    assert all(len(child(name)) <= DNS_LABEL_MAX_LENGTH for child in CHILD_NAME_FUNCTIONS)


def test_new_body_derives_user_context_and_parent():
    body = new_session_body(
        namespace="p",
        name="s",
        data={"initialPrompt": "hi", "parentSessionId": "old", "labels": {"team": "a"}},
        identity=Identity(username="alice", groups=("devs",)),
        signing_key=b"k",
    )
    context = {key: value for key, value in body["spec"]["userContext"].items() if key != "signature"}
    assert context == {"userId": "alice", "displayName": "alice", "groups": ["devs"]}
    assert verified_user(body, b"k") == VerifiedUser(user_id="alice", display_name="alice", groups=("devs",))
    assert body["spec"]["environmentVariables"] == {ENV_PARENT_SESSION_ID: "old"}
    assert body["metadata"]["annotations"] == {ANNOTATION_PARENT_SESSION_ID: "old"}
    assert body["metadata"]["labels"] == {"team": "a"}
    assert "status" not in body


def test_clone_candidates_stay_valid_names():
    candidates = list(clone_name_candidates("x" * MAX_SESSION_NAME_LENGTH))
    assert candidates[0] == "x" * MAX_SESSION_NAME_LENGTH
    assert candidates[1].endswith("-duplicate")
    assert candidates[2].endswith("-duplicate-2")
    for name in candidates:
        validate_session_name(name)  # raises on an invalid name
    assert len(set(candidates)) == len(candidates)


START_TABLE = {
    Phase.PENDING: False,
    Phase.CREATING: False,
    Phase.RUNNING: False,
    Phase.STOPPING: False,
    Phase.STOPPED: True,
    Phase.COMPLETED: True,
    Phase.FAILED: True,
}
STOP_TABLE = {phase: not allowed for phase, allowed in START_TABLE.items()}


@pytest.mark.parametrize(("phase", "allowed"), START_TABLE.items())
def test_start_rules(phase, allowed):
    assert can_start(phase) is allowed


@pytest.mark.parametrize(("phase", "allowed"), STOP_TABLE.items())
def test_stop_rules(phase, allowed):
    assert can_stop(phase, None) is allowed


def test_stop_withdraws_a_pending_start_on_a_finished_session():
    assert can_stop(Phase.COMPLETED, DesiredPhase.RUNNING.value)


def _session(name, created, *, phase=None, display="", prompt=""):
    session = {
        "metadata": {"name": name, "creationTimestamp": created, "managedFields": [{}]},
        "spec": {"displayName": display, "initialPrompt": prompt},
    }
    if phase:
        session["status"] = {"phase": phase}
    return session


SESSIONS = [
    _session("alpha", "2025-01-01T00:00:01Z", phase="Running", display="Fix the Login bug"),
    _session("beta", "2025-01-01T00:00:03Z", phase="Completed", prompt="write docs"),
    _session("gamma", "2025-01-01T00:00:02Z"),
    _session("delta", "2025-01-01T00:00:02Z", phase="Failed"),
]


def test_page_is_newest_first_with_counts():
    page = session_page(SESSIONS, limit=2, offset=0)
    assert [s["metadata"]["name"] for s in page.items] == ["beta", "gamma"]
    assert (page.total_count, page.has_more) == (4, True)
    assert all("managedFields" not in s["metadata"] for s in page.items)
    last = session_page(SESSIONS, limit=2, offset=2)
    assert [s["metadata"]["name"] for s in last.items] == ["delta", "alpha"]
    assert last.has_more is False


@pytest.mark.parametrize(
    ("search", "expected"),
    [("login", ["alpha"]), ("DOCS", ["beta"]), ("amm", ["gamma"]), ("", ["beta", "gamma", "delta", "alpha"])],
)
def test_search_matches_name_display_name_and_prompt(search, expected):
    assert [s["metadata"]["name"] for s in session_page(SESSIONS, limit=20, offset=0, search=search).items] == expected


def test_phase_filter_counts_a_session_without_status_as_pending():
    assert [s["metadata"]["name"] for s in session_page(SESSIONS, limit=20, offset=0, phase=Phase.PENDING).items] == [
        "gamma"
    ]


def test_an_empty_page_is_a_list():
    assert session_page([], limit=20, offset=0).as_dict()["items"] == []


def test_signature_digest_knows_the_crd_defaults():
    assert crd_spec_defaults()["llmSettings"] == {"model": "sonnet", "temperature": 0.7, "maxTokens": 4000}
    assert crd_spec_defaults()["interactive"] is False


def test_digest_ignores_defaults_the_api_server_fills_in_but_not_real_changes():
    written = {"initialPrompt": "go", "llmSettings": {"model": "m"}, "displayName": "a"}
    stored = {
        **written,
        "interactive": False,
        "mainRepoIndex": 0,
        "llmSettings": {"model": "m", "temperature": 0.7, "maxTokens": 4000},
    }
    assert spec_digest(stored) == spec_digest(written)
    assert spec_digest({**stored, "displayName": "renamed"}) == spec_digest(written)
    assert spec_digest({**stored, "timeout": 301}) != spec_digest(written)
    assert spec_digest({**stored, "interactive": True}) != spec_digest(written)
    assert spec_digest({**stored, "initialPrompt": "other"}) != spec_digest(written)
