"""Classification metrics from scikit-learn: the confusion matrix, per-class precision,
recall and F1, and the cross-entropy loss of a model's probabilities."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """int64 (n_classes, n_classes) counts; rows = true class (label), columns = predicted
    class. y_true, y_pred: int arrays (n,) of labels 0 .. n_classes - 1 (scikit-learn's
    confusion_matrix with every class as a label, so an absent class still has its row and
    column)."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    return sk_confusion_matrix(np.asarray(y_true, dtype=np.int64),
                               np.asarray(y_pred, dtype=np.int64),
                               labels=list(range(n_classes))).astype(np.int64)


def per_class_metrics(cm: np.ndarray) -> list[dict]:
    """Precision, recall and F1 of each class from a confusion matrix (rows true, columns
    predicted), by scikit-learn's ``precision_recall_fscore_support`` with
    ``zero_division=0`` (a class never predicted, or absent, scores 0). Returns one dict
    per class: label, precision, recall, f1 (0-1 floats), support (row sum, an int)."""
    from sklearn.metrics import precision_recall_fscore_support

    cm = np.asarray(cm, dtype=np.int64)
    labels = list(range(len(cm)))
    # the (true, predicted) pairs the matrix counts, expanded back into label vectors
    true, pred = np.nonzero(cm)
    weights = cm[true, pred]
    precision, recall, f1, _ = precision_recall_fscore_support(
        np.repeat(true, weights), np.repeat(pred, weights), labels=labels, zero_division=0)
    support = cm.sum(axis=1)
    return [{"label": d, "precision": float(precision[d]), "recall": float(recall[d]),
             "f1": float(f1[d]), "support": int(support[d])} for d in labels]


def metric_label(row: dict) -> int:
    """The label of a :func:`per_class_metrics` row (a record of reportgen 0.4 keyed it
    "digit")."""
    return int(row["label"] if "label" in row else row["digit"])


def evaluate_probabilities(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """(loss, accuracy 0-1, wrong count) of probabilities float (n, n_classes) against
    labels int (n,). loss: scikit-learn's ``log_loss`` (mean cross-entropy, natural log) of
    the probabilities clipped to [1e-7, 1] as Keras' sparse categorical cross-entropy clips
    them. Raises ValueError when n is 0."""
    from sklearn.metrics import log_loss

    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        raise ValueError("no predictions to evaluate")
    clipped = np.clip(np.asarray(probs, dtype=np.float64), 1e-7, 1.0)
    loss = log_loss(y, clipped / clipped.sum(axis=1, keepdims=True),
                    labels=list(range(probs.shape[1])))
    wrong = int(np.count_nonzero(probs.argmax(axis=1) != y))
    return float(loss), 1.0 - wrong / len(y), wrong
