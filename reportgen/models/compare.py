"""Compare two models on the test split (``reportgen compare``): each described like
``--model``, its probabilities read from the store's cache or computed and cached."""

from __future__ import annotations

from pathlib import Path

from ..analysis.changes import compare
from ..data.dataset import Dataset
from ..errors import ModelError
from ..records import ModelChanges, ModelRef
from .calibrate import calibrate
from .given import model_meta_for
from .store import probabilities_of


def compare_models(ds: Dataset, previous: Path, current: Path, models_dir: Path,
                   scaling: str = "auto") -> ModelChanges:
    """What changed on ``ds``'s test split from the model at ``previous`` to the one at
    ``current`` (each fed as ``scaling`` says, models.io, and calibrated by its temperature,
    models.calibrate): accuracy delta, fixed and new mistakes (analysis.changes.compare).
    Raises ModelError when a file is missing or cannot be loaded."""
    probs = []
    for path in (Path(previous), Path(current)):
        if not path.exists():
            raise ModelError(f"{path}: no such model file")
        meta = model_meta_for(path, ds, models_dir, scaling)
        ref = ModelRef(str(path), meta)
        calibrate(meta, ref, ds, models_dir, path)  # as the page's model is
        probs.append(probabilities_of(ref, ds, models_dir))
    return compare(ds.y_test, *probs, previous=str(previous), current=str(current))
