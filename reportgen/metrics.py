"""Classification metrics: the confusion matrix and per-class precision, recall and F1."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """int64 (n_classes, n_classes) counts; rows = true class (label), columns = predicted.
    y_true, y_pred: int arrays (n,) of values in 0..n_classes-1."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return cm


def per_class_metrics(cm: np.ndarray) -> list[dict]:
    """Precision, recall and F1 of each class from a confusion matrix (rows true, cols
    predicted): precision = TP / column sum, recall = TP / row sum, F1 = harmonic mean of
    the two (a zero denominator gives 0). Returns one dict per class: digit, precision,
    recall, f1 (0-1 floats), support (row sum)."""
    tp = np.diag(cm).astype(float)
    col, row = cm.sum(axis=0).astype(float), cm.sum(axis=1).astype(float)
    precision = np.divide(tp, col, out=np.zeros_like(tp), where=col > 0)
    recall = np.divide(tp, row, out=np.zeros_like(tp), where=row > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return [{"digit": d, "precision": float(precision[d]), "recall": float(recall[d]),
             "f1": float(f1[d]), "support": int(row[d])} for d in range(len(tp))]


def evaluate_probabilities(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """(loss, accuracy 0-1, wrong count) of probabilities float (n, 10) against labels
    int (n,). loss is the mean sparse categorical cross-entropy, probabilities clipped to
    [1e-7, 1] as Keras does."""
    p = np.clip(probs[np.arange(len(y)), y.astype(np.int64)], 1e-7, 1.0)
    wrong = int(np.count_nonzero(probs.argmax(axis=1) != y))
    return float(-np.log(p).mean()), 1.0 - wrong / len(y), wrong
