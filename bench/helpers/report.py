"""The benches' output: a readable table of figures with their goals, then one line of JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping


def figures_print(figures: Mapping[str, object], goals: Mapping[str, str] | None = None) -> None:
    goals = goals or {}
    width = max(len(key) for key in figures)
    print(f"\n{'figure'.ljust(width)}  {'value':>10}  goal")
    for figure, value in figures.items():
        print(f"{figure.ljust(width)}  {value!s:>10}  {goals.get(figure, '')}")
    print(json.dumps(figures))
