"""metav1.Condition semantics: lastTransitionTime moves only on a status flip."""

from __future__ import annotations

from datetime import timedelta

from reconciler.conditions import get_condition, is_condition_true, remove_condition, set_condition
from reconciler.tests.factories import NOW
from reconciler.timestamps import format_time

LATER = NOW + timedelta(minutes=3)


def ready(status: str, reason: str, conditions=None, *, now=NOW, generation: int = 1):  # noqa: ANN001, ANN201
    return set_condition(
        conditions,
        type_="Ready",
        status=status,
        reason=reason,
        message=f"{reason} message",
        observed_generation=generation,
        now=now,
    )


def test_new_condition_is_a_transition_from_nothing() -> None:
    conditions, transition = ready("False", "Initializing")

    assert conditions == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "Initializing",
            "message": "Initializing message",
            "lastTransitionTime": format_time(NOW),
            "observedGeneration": 1,
        }
    ]
    assert transition is not None
    assert (transition.old_status, transition.new_status, transition.status_changed) == (None, "False", True)


def test_same_status_and_reason_is_not_a_transition_and_keeps_the_time() -> None:
    conditions, _ = ready("False", "Initializing")

    again, transition = ready("False", "Initializing", conditions, now=LATER, generation=2)

    assert transition is None
    assert again[0]["lastTransitionTime"] == format_time(NOW)
    assert again[0]["observedGeneration"] == 2


def test_reason_change_is_reported_but_time_stays() -> None:
    conditions, _ = ready("False", "Initializing")

    again, transition = ready("False", "Stopping", conditions, now=LATER)

    assert again[0]["lastTransitionTime"] == format_time(NOW)
    assert transition is not None
    assert not transition.status_changed
    assert transition.reason == "Stopping"


def test_status_flip_moves_the_time() -> None:
    conditions, _ = ready("False", "Initializing")

    again, transition = ready("True", "Running", conditions, now=LATER)

    assert again[0]["lastTransitionTime"] == format_time(LATER)
    assert (transition.old_status, transition.new_status) == ("False", "True")


def test_set_condition_does_not_mutate_its_input() -> None:
    conditions, _ = ready("False", "Initializing")
    snapshot = [dict(condition) for condition in conditions]

    ready("True", "Running", conditions, now=LATER)

    assert conditions == snapshot


def test_remove_reports_the_old_status() -> None:
    conditions, _ = ready("True", "Running")

    remaining, transition = remove_condition(conditions, "Ready")

    assert remaining == []
    assert transition is not None
    assert (transition.old_status, transition.new_status) == ("True", None)
    assert remove_condition(remaining, "Ready") == ([], None)


def test_get_and_is_true() -> None:
    conditions, _ = ready("True", "Running")

    found = get_condition(conditions, "Ready")
    assert found is not None and found["reason"] == "Running"
    assert get_condition(conditions, "Failed") is None
    assert is_condition_true(conditions, "Ready")
    assert not is_condition_true(conditions, "Failed")
    assert not is_condition_true(None, "Ready")
