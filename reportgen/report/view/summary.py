"""summary.json: the page's figures for machines (DESIGN.md's contract), built from the
stages' records."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...analysis.conditions import Bounds, evaluate, figures_of
from ...engine.files import relpath
from ...engine.typed import dump
from ...records import ClassCounts, GalleryResult, ModelRef


def build_summary(results: Mapping[str, Any], *, dataset_path: Path, page: Path,
                  timings: Mapping[str, float], conditions: Bounds | None = None,
                  classes: list[str] | None = None) -> dict:
    """summary.json's content from the stages' records, by stage name (class_counts,
    train, gallery required; calibration, label_errors, robustness, changes optional). timings:
    {stage: wall seconds of the run that last produced its outputs}, in the order given;
    train's figure is the model's own fit() time. ``changes`` is written only when the
    page's model changed. The dataset's and the page's paths are relative to the working
    directory when inside it; a model is named by its file's name, never by where it lies.
    conditions: the page's quality conditions, evaluated into ``conditions`` when set.
    classes: the class names in label order (``classes``)."""
    counts: ClassCounts = results["class_counts"]
    model: ModelRef = results["train"]
    gallery: GalleryResult = results["gallery"]
    calibration = results.get("calibration")
    label_errors = results.get("label_errors")
    changes = results.get("changes")
    meta = model.meta
    out = {
        "dataset": {"path": relpath(dataset_path), "digest": counts.digest,
                    "train_counts": counts.train, "test_counts": counts.test},
        "model": {"kind": meta.kind, "epochs": meta.epochs, "seed": meta.seed,
                  "path": Path(model.path).name, "test_accuracy": meta.test_accuracy,
                  "test_loss": meta.test_loss, "input_scaling": meta.input_scaling},
        "wrong_predictions": {"count": gallery.wrong_count, "per_class": gallery.per_class},
        "top_confusions": [dump(c) for c in gallery.top_confusions],
        "ece": round(calibration.ece, 6) if calibration else None,
        "suspected_label_errors": list(label_errors.indices) if label_errors else [],
        **({"classes": list(classes)} if classes is not None else {}),
        "page": relpath(page),
        "timings_s": {name: round(float(s), 3) for name, s in timings.items()},
    }
    if calibration is not None and calibration.temperature:
        out["calibration"] = {"temperature": calibration.temperature,
                              "ece_before": round(calibration.ece_before, 6),
                              "ece_after": round(calibration.ece, 6)}
    if (robustness := results.get("robustness")) is not None:
        out["robustness"] = robustness.accuracies()
    if changes is not None:
        out["changes"] = {"previous_model": Path(changes.previous).name,
                          "accuracy_delta": round(changes.accuracy_delta, 6),
                          "fixed": [c.index for c in changes.fixed],
                          "new": [c.index for c in changes.new]}
        if changes.robustness:
            corrupted = [c for c in changes.robustness if c.name != "clean"]
            out["changes"]["robustness_delta"] = {
                **{c.name: round(c.after - c.before, 6) for c in changes.robustness},
                "mean": round(sum(c.after - c.before for c in corrupted) / len(corrupted), 6)
                if corrupted else 0.0}
    if conditions is not None and conditions.any():
        out["conditions"] = [o.to_json() for o in evaluate(conditions, figures_of(results))]
    return out
