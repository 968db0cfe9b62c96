"""Quality conditions a docs CI can hold a page's model to (after Deepchecks' and
Evidently's "conditions"): bounds on its accuracy, on every class's recall, on its
expected calibration error, on the accuracy it lost against the previous model and on
its mean accuracy under corruption. Evaluated on the stages' records, so ``check`` needs
no TensorFlow. Accuracies, recalls and ECE are fractions (0.98), as in summary.json; the
accuracy drop is in percentage points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .metrics import metric_label


@dataclass(frozen=True)
class Bounds:
    """The conditions set (None: not set). min_accuracy, min_class_recall, max_ece,
    min_robustness: fractions 0-1; max_accuracy_drop: percentage points (0.5 = half a
    point) the accuracy may fall from the previous model's."""

    min_accuracy: float | None = None
    min_class_recall: float | None = None
    max_ece: float | None = None
    max_accuracy_drop: float | None = None
    min_robustness: float | None = None

    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def over(self, base: Bounds | None) -> Bounds:
        """``base`` with every condition set here put over it (the command line over the
        page's own)."""
        given = {f.name: getattr(self, f.name) for f in fields(self)
                 if getattr(self, f.name) is not None}
        return replace(base or Bounds(), **given)

    def check(self) -> Bounds:
        """self; raises ValueError naming the option when a bound is out of its range."""
        for f in fields(self):
            v, top = getattr(self, f.name), 100.0 if f.name == "max_accuracy_drop" else 1.0
            if v is not None and not 0.0 <= v <= top:
                raise ValueError(f"--{f.name.replace('_', '-')} {v}: expected 0 to {top:g}")
        return self


@dataclass(frozen=True)
class Figures:
    """The page's figures the conditions read (None: the page has no such record):
    accuracy (test split), the lowest class recall and its class's name, the ECE, the
    accuracy change from the previous model (a fraction; None: no previous model) and the
    mean accuracy over the corruptions."""

    accuracy: float | None = None
    lowest_recall: float | None = None
    lowest_recall_class: str = ""
    ece: float | None = None
    accuracy_delta: float | None = None
    robustness: float | None = None


@dataclass(frozen=True)
class Outcome:
    """One condition's outcome: name (its option, ``--min-accuracy``), value (None: the
    page has no figure for it, which fails), bound, passed, and one line saying so."""

    name: str
    value: float | None
    bound: float
    passed: bool
    line: str

    def to_json(self) -> dict:
        """As summary.json and ``check --json`` list it: name, value, bound, passed."""
        return {"name": self.name, "value": self.value, "bound": self.bound,
                "passed": self.passed}


def figures_of(records: Mapping[str, Any]) -> Figures:
    """The figures of a page's records, by stage name: train (records.ModelRef), gallery
    (GalleryResult), calibration, changes, robustness (absent or None: no figure). The
    lowest recall's class is named by its label."""
    model, gallery, calibration, changes, robustness = (records.get(n) for n in (
        "train", "gallery", "calibration", "changes", "robustness"))
    lowest = (min(gallery.metrics, key=lambda m: m["recall"])
              if gallery is not None and gallery.metrics else None)
    label = None if lowest is None else metric_label(lowest)
    rob = robustness.corruptions if robustness is not None else []
    return Figures(
        accuracy=model.meta.test_accuracy if model is not None else None,
        lowest_recall=lowest["recall"] if lowest else None,
        lowest_recall_class="" if label is None else f"class {label}",
        ece=calibration.ece if calibration is not None else None,
        accuracy_delta=changes.accuracy_delta if changes is not None else None,
        robustness=robustness.mean if rob else None)


def _fmt(v: float, points: bool) -> str:
    return f"{v:.2f} points" if points else f"{v:.4f}"


def evaluate(bounds: Bounds, figures: Figures) -> list[Outcome]:
    """The outcome of every condition set in ``bounds`` on ``figures``, in the order of
    Bounds' fields. A condition whose figure the page lacks fails (a gate that cannot be
    checked does not pass); a drop with no previous model passes (nothing to drop from)."""
    drop = None if figures.accuracy_delta is None else -figures.accuracy_delta * 100
    rules = (  # option, bound, value, lower bound?, what, value in points?
        ("--min-accuracy", bounds.min_accuracy, figures.accuracy, True, "test accuracy", False),
        ("--min-class-recall", bounds.min_class_recall, figures.lowest_recall, True,
         f"lowest class recall ({figures.lowest_recall_class})", False),
        ("--max-ece", bounds.max_ece, figures.ece, False, "expected calibration error", False),
        ("--max-accuracy-drop", bounds.max_accuracy_drop, drop, False,
         "accuracy drop from the previous model", True),
        ("--min-robustness", bounds.min_robustness, figures.robustness, True,
         "mean accuracy under corruption", False),
    )
    out = []
    for name, bound, value, lower, what, points in rules:
        if bound is None:
            continue
        if value is None and name == "--max-accuracy-drop":
            out.append(Outcome(name, None, bound, True, f"{what}: no previous model ({name} "
                                                        f"{_fmt(bound, points)})"))
            continue
        if value is None:
            out.append(Outcome(name, None, bound, False, f"{what}: the page has no such figure "
                                                         f"({name} {_fmt(bound, points)})"))
            continue
        passed = value >= bound if lower else value <= bound
        sign = (">=" if passed else "<") if lower else ("<=" if passed else ">")
        out.append(Outcome(name, round(value, 6), bound, passed,
                           f"{what} {_fmt(value, points)} {sign} {_fmt(bound, points)} "
                           f"({name})"))
    return out
