"""Describe a model a user gives (``--model``: .keras, .h5 or a SavedModel folder): its
saved metadata when it is a stored model whose hash matches, else evaluated now on the
test split, with a warning when another input scaling scores clearly better."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..analysis.metrics import evaluate_probabilities
from ..data.dataset import Dataset
from ..engine.files import relpath
from ..errors import ModelError
from ..records import ModelMeta
from . import tunelog
from .io import SAVED_MODEL_NOTE, load
from .kinds import model_summary
from .store import load_meta, load_probabilities, model_sha256


def epochs_from_name(name: str) -> int | None:
    """Epochs from an original-style name ``<prefix>-<epochs>-<acc>.keras``, else None."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def model_meta_for(path: Path, ds: Dataset, models_dir: Path | None = None,
                   scaling: str = "auto") -> ModelMeta:
    """Metadata of a given model (``--model``: .keras, .h5 or a SavedModel folder): its
    saved .json when present, its hash matches and the scaling agrees, else evaluated now
    on the test split (kind "user", epochs from the file name or None). Raises ModelError
    when the model cannot be loaded."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such model file")
    sha = model_sha256(path)
    if path.is_file():
        try:
            meta = load_meta(path)
            if meta.sha256 == sha and scaling in ("auto", meta.input_scaling):
                return meta
        except ModelError:
            pass  # no or stale metadata: evaluate below
    loaded = load(path, ds.info)
    resolved = loaded.resolve_scaling(scaling)
    probs = load_probabilities(path, ds, scaling=resolved, models_dir=models_dir, sha=sha,
                               loaded=loaded)
    warnings = scaling_warnings(loaded, ds, resolved, probs) if scaling == "auto" else []
    loss, acc, wrong = evaluate_probabilities(probs, ds.y_test)
    log = (tunelog.evaluating(relpath(path)) + tunelog.loss_accuracy(loss, acc)
           + tunelog.predictions(wrong, len(ds.y_test)))
    summary = (model_summary(loaded.keras_model) if loaded.keras_model is not None
               else SAVED_MODEL_NOTE)
    return ModelMeta(kind="user", epochs=epochs_from_name(path.name), seed=None,
                     test_loss=loss, test_accuracy=acc, wrong_count=wrong, sha256=sha,
                     summary=summary, log=log, input_scaling=resolved, warnings=warnings)


def scaling_warnings(loaded, ds: Dataset, chosen: str, probs: np.ndarray,
                     n: int = 2000) -> list[str]:
    """One line when another input scaling scores at least 1 point better than ``chosen``
    on the first ``n`` test images (auto cannot see how a notebook scaled its inputs; a
    normalize(x, axis=1) model fed x/255 loses only a point or two, silently). probs: the
    test probabilities already computed with ``chosen``."""
    x, y = ds.x_test[:n], ds.y_test[:n]
    scores = {s: float(((probs[:n] if s == chosen else loaded.predict(x, s)).argmax(1) == y)
                       .mean()) for s in ("raw", "unit", "keras-normalize")}
    best = max(scores, key=scores.get)
    if scores[best] - scores[chosen] >= 0.01:
        return [f"{loaded.path}: with --input-scaling {chosen} the model scores "
                f"{scores[chosen] * 100:.1f}% on {len(y):,} test images, with {best} "
                f"{scores[best] * 100:.1f}%; pass --input-scaling {best} if it was trained so"]
    return []
