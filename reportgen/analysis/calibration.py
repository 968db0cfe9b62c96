"""Calibration of the model's confidence on the test split: expected calibration error
(ECE) and the reliability diagram's points.

Confidence is the probability of the predicted class. ECE (Naeini et al. 2015; Guo et al.,
"On Calibration of Modern Neural Networks", 2017) splits [0, 1] into ``n_bins`` equal-width
bins of confidence and sums, over the bins, the share of images in the bin times
|accuracy in the bin - mean confidence in the bin|. Bins are (a, b], the first [0, b], as
scikit-learn's ``calibration_curve(strategy="uniform")`` draws them, so the diagram and
the figure agree.
"""

from __future__ import annotations

import numpy as np

from ..records import Calibration

#: The page's number of bins (the issue's "ECE, 15 bins").
N_BINS = 15


def _bin_ids(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # scikit-learn's calibration_curve: searchsorted on the inner edges, side="left"
    return np.searchsorted(edges[1:-1], confidence, side="left")


def _binned(y: np.ndarray, probs: np.ndarray, n_bins: int):
    """(correct 0/1, confidence, images per bin, correct per bin, confidence sum per bin).
    Raises ValueError when there are no predictions."""
    if len(y) == 0:
        raise ValueError("no predictions to calibrate")
    confidence = probs.max(axis=1).astype(np.float64)
    correct = (probs.argmax(axis=1) == np.asarray(y)).astype(np.float64)
    ids = _bin_ids(confidence, n_bins)
    return (correct, confidence, np.bincount(ids, minlength=n_bins),
            np.bincount(ids, correct, n_bins), np.bincount(ids, confidence, n_bins))


def _ece(right: np.ndarray, conf: np.ndarray, n: int) -> float:
    """Σ over bins of |correct - confidence sum| / n = Σ (|B|/n)·|acc(B) - conf(B)|."""
    return float(np.abs(right - conf).sum() / n)


def calibration(y: np.ndarray, probs: np.ndarray, n_bins: int = N_BINS) -> Calibration:
    """ECE and the reliability diagram's points of probabilities float (n, k) against
    labels int (n,), from scikit-learn's ``calibration_curve`` over (prediction correct,
    confidence) with ``n_bins`` equal-width bins (see the module docstring). Raises
    ValueError when n is 0."""
    from sklearn.calibration import calibration_curve

    correct, confidence, total, right, conf = _binned(y, probs, n_bins)
    keep = total > 0
    if correct.all() or not correct.any():  # calibration_curve needs both outcomes
        acc, mean_conf = right[keep] / total[keep], conf[keep] / total[keep]
    else:
        acc, mean_conf = calibration_curve(correct, confidence, n_bins=n_bins,
                                           strategy="uniform")
    return Calibration(ece=_ece(right, conf, len(y)), n_bins=n_bins,
                       accuracy=[float(a) for a in acc], confidence=[float(c) for c in mean_conf],
                       counts=[int(c) for c in total[keep]],
                       bins=[int(b) for b in np.flatnonzero(keep)])


#: The temperatures the fit may choose from (a bounded search over log T).
T_RANGE = (0.05, 20.0)


def temperature_scaled(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017):
    softmax(log(p) / T) of probabilities float (n, k), as float32 (n, k); T = 1 gives p
    back, T > 1 softens, T < 1 sharpens. The argmax, and so the accuracy, never changes.
    Probabilities of 0 are taken as 1e-12 (log of 0)."""
    probs = np.asarray(probs, dtype=np.float64)
    if temperature == 1.0 or not probs.size:
        return probs.astype(np.float32)
    logits = np.log(np.clip(probs, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_temperature(y: np.ndarray, probs: np.ndarray) -> float:
    """The temperature T (a float in :data:`T_RANGE`, rounded to 4 places) that minimises
    the mean negative log-likelihood of labels y int (n,) under temperature_scaled(probs,
    T), probs float (n, k) held out from training (Guo et al. 2017, section 4.2: one scalar
    fitted on the validation split). scipy's bounded Brent search over log T. Returns 1.0
    when n is 0. The model's logits are log(probs) up to a constant per image, so scaling
    the log-probabilities is scaling the logits."""
    from scipy.optimize import minimize_scalar

    y = np.asarray(y)
    if not len(y):
        return 1.0
    logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0))

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z -= z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))

    res = minimize_scalar(nll, bounds=np.log(T_RANGE), method="bounded",
                          options={"xatol": 1e-5})
    return round(float(np.exp(res.x)), 4)
