"""Calibrate a model: fit its temperature (analysis.calibration, Guo et al. 2017, by the
Brier score) on the validation part of the dataset's training split, the part reportgen's
training holds out (models.train.validation_start), and keep it in the model's metadata
with the loss it minimised."""

from __future__ import annotations

from pathlib import Path

from ..analysis.calibration import fit_temperature
from ..data.dataset import Dataset
from ..errors import ModelError
from ..records import ModelMeta, ModelRef
from .given import model_meta_for
from .store import load_meta, model_sha256, probabilities_of
from .train import validation_start

#: The loss reportgen's temperatures minimise (analysis.calibration.fit_temperature), kept
#: with each in the metadata: a temperature fitted otherwise (by reportgen 0.x before the
#: Brier fit, with the log-likelihood) is fitted again.
TEMPERATURE_FIT = "brier"


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
    return fit_temperature(ds.y_train[start:], probs[start:], TEMPERATURE_FIT)


def is_calibrated(meta: ModelMeta) -> bool:
    """True when ``meta`` holds a temperature fitted as :data:`TEMPERATURE_FIT` says."""
    return meta.temperature is not None and meta.temperature_fit == TEMPERATURE_FIT


def calibrate(meta: ModelMeta, model: ModelRef, ds: Dataset, models_dir: Path | None,
              path: Path | None = None) -> bool:
    """Set ``meta``'s temperature (:func:`fitted_temperature`) and the loss it minimised,
    unless it holds one fitted so (:func:`is_calibrated`). Returns True when it fitted one
    (the caller saves the metadata). Raises ModelError as :func:`fitted_temperature`."""
    if is_calibrated(meta):
        return False
    meta.temperature = fitted_temperature(model, ds, models_dir, path)
    meta.temperature_fit = TEMPERATURE_FIT
    return True


def temperature_of_file(path: Path, ds: Dataset | None, models_dir: Path | None,
                        scaling: str = "auto") -> float:
    """The temperature of the model file at ``path``: the one in its metadata when that
    is the file's and fitted as reportgen fits it (:func:`is_calibrated`), else fitted
    now on ``ds`` (:func:`fitted_temperature`); with no dataset here, the metadata's
    however fitted, else 1.0 (no scaling). Raises ModelError when the model cannot be
    loaded."""
    path = Path(path)
    try:
        kept = load_meta(path)
        kept = kept if kept.sha256 == model_sha256(path) else None
    except ModelError:
        kept = None
    if kept is not None and is_calibrated(kept):
        return kept.temperature
    if ds is None:
        return kept.temperature if kept is not None and kept.temperature else 1.0
    meta = model_meta_for(path, ds, models_dir, scaling)
    calibrate(meta, ModelRef(str(path), meta), ds, models_dir, path)
    return meta.temperature
