"""What the wrong predictions are: ranked by the model's confidence, the most confused
(true, predicted) pairs, and the row-normalized confusion matrix.

The ranking follows fastai's ``plot_top_losses`` / FiftyOne's "mistakenness": a wrong
answer given with 99% confidence says more about the model (or the label) than one given
with 40%. The pair table is fastai's ``most_confused``.
"""

from __future__ import annotations

import numpy as np

from ..records import Confusion


def ranked_wrong(y: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Sample indices of the wrong predictions, most confident wrong answer first.

    y: int labels (n,); probs: float (n, k) probabilities, rows summing to 1. The key is the
    probability of the predicted (wrong) class, descending; ties keep index order (a stable
    sort), so the order is reproducible. Returns int64 (wrong count,)."""
    y = np.asarray(y, dtype=np.int64)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    confidence = probs[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")]


def top_confusions(cm: np.ndarray, k: int = 10) -> list[Confusion]:
    """The ``k`` largest off-diagonal cells of ``cm`` (rows true, columns predicted),
    largest count first; ties by (label, predicted). Cells with count 0 are left out."""
    cm = np.asarray(cm)
    cells = [Confusion(int(t), int(p), int(cm[t, p]))
             for t in range(cm.shape[0]) for p in range(cm.shape[1])
             if t != p and cm[t, p] > 0]
    cells.sort(key=lambda c: (-c.count, c.label, c.predicted))
    return cells[:k]


def row_normalized(cm: np.ndarray) -> np.ndarray:
    """float64 copy of ``cm`` with each row divided by its sum (the row's recall spread
    over the predicted classes, 0-1); an empty row stays 0."""
    cm = np.asarray(cm, dtype=np.float64)
    rows = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)


#: The most classes a confusion matrix on the page shows one by one; beyond, the classes
#: with the most mistakes, and one "all other classes" row and column.
MATRIX_CLASSES = 20


def condensed(cm: np.ndarray, keep: int = MATRIX_CLASSES) -> tuple[np.ndarray, list[int | None]]:
    """``cm`` (int (k, k), rows true, columns predicted) as the page shows it: itself when
    k <= ``keep``; else the ``keep`` classes with the most mistakes (wrong predictions of
    the class plus predictions of it that were wrong; ties to the lower label), in label
    order, and one last row and column summing every other class. Returns (matrix (m, m),
    the label of each row, None for the summed one). The total is unchanged."""
    k = cm.shape[0]
    if k <= keep:
        return cm, list(range(k))
    off = cm - np.diag(np.diag(cm))
    mistakes = off.sum(axis=0) + off.sum(axis=1)
    top = sorted(np.argsort(-mistakes, kind="stable")[:keep].tolist())
    rest = np.setdiff1d(np.arange(k), top)
    groups = [[t] for t in top] + [rest.tolist()]
    out = np.array([[cm[np.ix_(r, c)].sum() for c in groups] for r in groups], dtype=cm.dtype)
    return out, [*top, None]
