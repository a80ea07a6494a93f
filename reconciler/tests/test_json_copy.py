"""json_copy: the decision's working copy of the status read (it must never write into the read one)."""

from __future__ import annotations

import copy
from types import MappingProxyType
from typing import Any

from reconciler.lifecycle.merge_patch import json_copy


def _status() -> dict[str, Any]:
    return {
        "phase": "Running",
        "observedGeneration": 3,
        "ready": True,
        "cost": 0.5,
        "message": None,
        "conditions": [{"type": "Ready", "status": "True", "details": {"attempts": [1, 2]}}],
    }


def test_the_copy_equals_a_deep_copy() -> None:
    status = _status()
    assert json_copy(status) == copy.deepcopy(status) == status


def test_changing_the_copy_leaves_the_original_as_it_was() -> None:
    status = _status()
    copied = json_copy(status)
    copied["conditions"][0]["details"]["attempts"].append(3)
    copied["conditions"][0]["status"] = "False"
    copied["conditions"].append({"type": "Failed"})
    copied["phase"] = "Failed"
    assert status == _status()


def test_a_read_only_mapping_becomes_a_dict_of_its_own() -> None:
    read_only = MappingProxyType({"conditions": [{"type": "Ready"}]})
    copied = json_copy(read_only)
    copied["conditions"][0]["type"] = "Failed"
    assert isinstance(copied, dict)
    assert read_only["conditions"][0]["type"] == "Ready"
