"""The quality conditions the page's model is held to (analysis.conditions), as a table:
condition, value, bound, result. Shown when the page sets conditions
(``site-assets --min-accuracy`` …); ``check`` fails a docs CI on a failed one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...analysis.conditions import evaluate, figures_of
from ..section import PageEnv, Section
from ..view.accessible import Table


def _value(o) -> str:
    if o.value is None:
        return "–"
    return f"{o.value:.2f} points" if o.name == "--max-accuracy-drop" else f"{o.value:.4f}"


def _bound(o) -> str:
    return f"{o.bound:.2f} points" if o.name == "--max-accuracy-drop" else f"{o.bound:.4f}"


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    if not env.conditions.any():
        return None
    outcomes = evaluate(env.conditions, figures_of(results))
    rows = [[o.name, _value(o), _bound(o), "pass" if o.passed else "fail"] for o in outcomes]
    return {"conditions": outcomes,
            "tables": {"conditions": Table(["Condition", "Value", "Bound", "Result"], rows,
                                           [":--", "--:", "--:", ":--"])}}


SECTION = Section("conditions", order=62, context=_context)
