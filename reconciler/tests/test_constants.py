"""Derived names stay valid DNS labels; system-owned annotations are recognised."""

from __future__ import annotations

import re

import pytest

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_TOKEN_REFRESHED_AT,
    CHILD_NAME_FUNCTIONS,
    DNS_LABEL_MAX_LENGTH,
    MAX_SESSION_NAME_LENGTH,
    NON_TERMINAL_PHASES,
    TERMINAL_PHASES,
    Phase,
    is_system_annotation,
    job_name,
    pvc_name,
    role_binding_name,
    role_name,
    service_account_name,
    service_name,
    token_secret_name,
)

DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def test_longest_allowed_session_name_keeps_every_child_name_a_dns_label() -> None:
    longest = "s" + "x" * (MAX_SESSION_NAME_LENGTH - 2) + "1"

    for name_of in CHILD_NAME_FUNCTIONS:
        derived = name_of(longest)
        assert len(derived) <= DNS_LABEL_MAX_LENGTH, derived
        assert DNS_LABEL.match(derived), derived
    assert any(len(name_of(longest)) == DNS_LABEL_MAX_LENGTH for name_of in CHILD_NAME_FUNCTIONS)


def test_one_more_character_breaks_some_child_name() -> None:
    too_long = "s" * (MAX_SESSION_NAME_LENGTH + 1)

    assert max(len(name_of(too_long)) for name_of in CHILD_NAME_FUNCTIONS) > DNS_LABEL_MAX_LENGTH


@pytest.mark.parametrize(
    ("name_of", "expected"),
    [
        (job_name, "demo-job"),
        (pvc_name, "ambient-workspace-demo"),
        (service_name, "ambient-content-demo"),
        (service_account_name, "ambient-session-demo"),
        (role_name, "ambient-session-demo-role"),
        (role_binding_name, "ambient-session-demo-rb"),
        (token_secret_name, "ambient-runner-token-demo"),
    ],
)
def test_child_names(name_of, expected: str) -> None:  # noqa: ANN001
    assert name_of("demo") == expected


def test_phase_sets_partition_the_phases() -> None:
    assert set(Phase) == TERMINAL_PHASES | NON_TERMINAL_PHASES
    assert not TERMINAL_PHASES & NON_TERMINAL_PHASES


def test_system_annotations() -> None:
    assert is_system_annotation(ANNOTATION_DESIRED_PHASE)
    assert is_system_annotation(ANNOTATION_TOKEN_REFRESHED_AT)
    assert is_system_annotation("ambient-code.io/runner-anything")
    assert not is_system_annotation("team.example.com/owner")
