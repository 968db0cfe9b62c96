"""Calibrating a model (models.calibrate) from its cached validation probabilities, without
TensorFlow: the temperature minimises the Brier score, is kept with the loss it minimised,
and one fitted otherwise (an earlier reportgen's log-likelihood fit) is fitted again."""

import dataclasses

from reportgen.analysis.calibration import fit_temperature
from reportgen.data.dataset import load_dataset
from reportgen.models.calibrate import TEMPERATURE_FIT, calibrate, is_calibrated
from reportgen.models.train import validation_start
from reportgen.records import ModelRef
from tests.helpers import fake_meta, fake_probs, seed_probabilities


def _model(tmp_path, npz_path, **meta_fields):
    ds = load_dataset(npz_path)
    meta = dataclasses.replace(fake_meta(), key=None, **meta_fields)
    train = fake_probs(ds.y_train, {})
    start = validation_start(len(ds.y_train))
    for j, i in enumerate(range(start, len(ds.y_train))):  # unequal confidences, one wrong
        answer = int(ds.y_train[i]) + (j == 0)
        train[i] = (1 - [0.999, 0.7, 0.95][j % 3]) / 9
        train[i, answer % 10] = [0.999, 0.7, 0.95][j % 3]
    seed_probabilities(tmp_path / "models", meta, ds, fake_probs(ds.y_test, {}), train)
    path = tmp_path / "m.keras"  # not on this machine: its probabilities are cached
    return ds, meta, ModelRef(str(path), meta), path, train


def test_an_uncalibrated_model_gets_the_brier_temperature_of_its_validation_part(
        tmp_path, npz_path):
    ds, meta, ref, path, train = _model(tmp_path, npz_path)
    assert not is_calibrated(meta)
    assert calibrate(meta, ref, ds, tmp_path / "models", path)
    start = validation_start(len(ds.y_train))
    assert meta.temperature == fit_temperature(ds.y_train[start:], train[start:], "brier")
    assert meta.temperature != fit_temperature(ds.y_train[start:], train[start:], "nll")
    assert meta.temperature_fit == TEMPERATURE_FIT == "brier" and is_calibrated(meta)
    assert not calibrate(meta, ref, ds, tmp_path / "models", path)  # kept: nothing to save


def test_a_log_likelihood_temperature_is_fitted_again_a_brier_one_is_kept(tmp_path, npz_path):
    ds, meta, ref, path, _ = _model(tmp_path, npz_path, temperature=3.0)  # no fit named
    assert calibrate(meta, ref, ds, tmp_path / "models", path) and meta.temperature != 3.0
    ds, meta, ref, path, _ = _model(tmp_path, npz_path, temperature=3.0,
                                    temperature_fit="brier")
    assert not calibrate(meta, ref, ds, tmp_path / "models", path) and meta.temperature == 3.0
