"""Calibrate a model: fit its temperature (analysis.calibration, Guo et al. 2017) on the
validation part of the dataset's training split, the part reportgen's training holds out
(models.train.validation_start), and keep it in the model's metadata."""

from __future__ import annotations

from pathlib import Path

from ..analysis.calibration import fit_temperature
from ..data.dataset import Dataset
from ..errors import ModelError
from ..records import ModelRef
from .given import model_meta_for
from .store import load_meta, model_sha256, probabilities_of
from .train import validation_start


def fitted_temperature(model: ModelRef, ds: Dataset, models_dir: Path | None,
                       path: Path | None = None) -> float:
    """The temperature of ``model`` (its file at ``path``, default its record's path) fitted
    on ``ds``'s validation part: the last 10% of the training split, the model's raw
    probabilities there (cached with its training-split probabilities). A model given
    with ``--model`` may have trained on that part; it is still the only labelled part of
    the dataset that is not the test split. Raises ModelError when the model cannot be
    loaded and no cached probabilities are found."""
    probs = probabilities_of(model, ds, models_dir, "train", path=path, calibrated=False)
    start = validation_start(len(ds.y_train))
    return fit_temperature(ds.y_train[start:], probs[start:])


def temperature_of_file(path: Path, ds: Dataset | None, models_dir: Path | None,
                        scaling: str = "auto") -> float:
    """The temperature of the model file at ``path``: the one in its metadata when that
    is the file's, else fitted now on ``ds`` (:func:`fitted_temperature`); 1.0 (no
    scaling) when neither is possible (no metadata and no dataset here). Raises
    ModelError when the model cannot be loaded."""
    path = Path(path)
    try:
        meta = load_meta(path)
        if meta.temperature and meta.sha256 == model_sha256(path):
            return meta.temperature
    except ModelError:
        pass
    if ds is None:
        return 1.0
    meta = model_meta_for(path, ds, models_dir, scaling)
    return meta.temperature or fitted_temperature(ModelRef(str(path), meta), ds, models_dir,
                                                  path)
