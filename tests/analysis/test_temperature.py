"""Temperature scaling (analysis.calibration): the scaled probabilities keep the answer,
the fit (Brier score or log-likelihood) finds the temperature that generated the labels,
and a few wrong labels move the Brier fit less."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reportgen.analysis.calibration import calibration, fit_temperature, temperature_scaled


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sampled(n, t_true, seed=0, k=10):
    """(labels, the model's probabilities) where labels are drawn from softmax(z / t_true)
    and the model says softmax(z): a model whose right temperature is t_true."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (n, k))
    truth = softmax(z / t_true)
    y = (truth.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return y, softmax(z)


@pytest.mark.parametrize("loss", ["brier", "nll"])
@pytest.mark.parametrize("t_true", [0.7, 1.0, 2.5])
def test_fit_finds_the_temperature_that_made_the_labels(t_true, loss):
    y, probs = sampled(20_000, t_true)
    assert fit_temperature(y, probs, loss) == pytest.approx(t_true, rel=0.05)


@pytest.mark.parametrize("t_true", [0.7, 1.0, 2.0])
def test_a_few_wrong_labels_move_the_brier_fit_less_than_the_log_likelihood(t_true):
    """3% of the labels replaced by another class: the log-likelihood, unbounded, is
    pulled towards softer probabilities; the Brier score stays near the truth."""
    y, probs = sampled(6_000, t_true)
    rng = np.random.default_rng(10)
    flip = rng.random(len(y)) < 0.03
    y[flip] = (y[flip] + rng.integers(1, 10, flip.sum())) % 10
    brier, nll = fit_temperature(y, probs), fit_temperature(y, probs, "nll")
    assert abs(brier - t_true) < 0.75 * abs(nll - t_true)
    assert brier == pytest.approx(t_true, rel=0.06)


def test_an_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="unknown loss 'ece'"):
        fit_temperature(np.zeros(3, int), np.full((3, 2), 0.5), "ece")


def test_an_over_confident_model_gets_t_above_1_and_a_lower_ece():
    y, probs = sampled(20_000, 2.0, seed=1)
    t = fit_temperature(y, probs)
    assert t > 1.5
    before, after = calibration(y, probs).ece, calibration(y, temperature_scaled(probs, t)).ece
    assert after < 0.5 * before


def test_no_images_fit_t_1():
    assert fit_temperature(np.zeros(0, int), np.zeros((0, 10))) == 1.0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(2, 12)),
              elements=st.floats(-20, 20)), st.floats(0.05, 20))
def test_scaling_keeps_the_answer_and_sums_to_1(z, t):
    probs = softmax(z)
    scaled = temperature_scaled(probs, t)
    assert scaled.dtype == np.float32 and scaled.shape == probs.shape
    assert np.allclose(scaled.sum(axis=1), 1, atol=1e-5)
    top = probs.max(axis=1, keepdims=True)
    unique_top = (probs >= top * (1 - 1e-9)).sum(axis=1) == 1
    assert (scaled.argmax(1) == probs.argmax(1))[unique_top].all()
    assert np.array_equal(temperature_scaled(probs, 1.0), probs.astype(np.float32))
