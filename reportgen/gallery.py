"""The gallery of wrong predictions and the test split's confusion matrix.

File names: ``<assets>/wrong-predictions/<label>/<label>-<idx:04d>-<predicted>.png`` (idx =
sample index in the test split) and ``<assets>/confusion-matrices/mnist-test-<epochs>-<acc>.png``.
Files of an earlier model are removed by the stage engine (it owns what it wrote).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .dataset import DIGITS
from .fsutil import png_bytes, write_bytes
from .metrics import confusion_matrix, per_class_metrics
from .page import GalleryResult
from .plotting import confusion_matrix_png

WRONG_DIR = "wrong-predictions"
CM_DIR = "confusion-matrices"
WRONG_RE = re.compile(r"^(\d)-(\d{4,5})-(\d)\.png$")


def wrong_prediction_name(label: int, index: int, predicted: int) -> str:
    """``<label>-<index:04d>-<predicted>.png``, e.g. (3, 18, 8) -> ``3-0018-8.png``."""
    return f"{int(label)}-{int(index):04d}-{int(predicted)}.png"


def parse_wrong_prediction_name(name: str) -> tuple[int, int, int] | None:
    """Inverse of :func:`wrong_prediction_name`: (label, index, predicted), or None."""
    m = WRONG_RE.match(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def confusion_matrix_name(epochs: int | None, accuracy: float) -> str:
    """``mnist-test-<epochs>-<acc>.png``, acc = accuracy (0-1) in percent with 2 decimals;
    epochs "unknown" when not known."""
    return f"mnist-test-{epochs if epochs is not None else 'unknown'}-{accuracy * 100:.2f}.png"


def write_gallery(x_test: np.ndarray, y_test: np.ndarray, probs: np.ndarray, assets_dir: Path,
                  url_of: Callable[[Path], str], *, epochs: int | None, accuracy: float,
                  ) -> tuple[GalleryResult, list[Path]]:
    """Write one PNG per wrong prediction and the confusion-matrix heatmap into ``assets_dir``.

    x_test: uint8 (n, 28, 28); y_test: uint8 (n,) labels; probs: float (n, 10) model
    probabilities; url_of(path) -> site URL; accuracy: 0-1 (for the file name and title).
    Files whose bytes are unchanged are not rewritten. Returns (result, files written).
    Raises ValueError on mismatched shapes."""
    if probs.shape != (len(y_test), 10) or x_test.shape[0] != len(y_test):
        raise ValueError(f"probabilities {probs.shape} do not fit {len(y_test)} test labels")
    assets_dir = Path(assets_dir)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_test)
    files: dict[int, list[str]] = {d: [] for d in DIGITS}
    written = []
    for i in wrong:
        name = wrong_prediction_name(y_test[i], i, predicted[i])
        files[int(y_test[i])].append(name)
        path = assets_dir / WRONG_DIR / str(int(y_test[i])) / name
        write_bytes(path, png_bytes(x_test[i]))
        written.append(path)
    cm = confusion_matrix(y_test, predicted)
    cm_path = assets_dir / CM_DIR / confusion_matrix_name(epochs, accuracy)
    n_epochs = "unknown epochs" if epochs is None else f"{epochs} epoch{'s' if epochs != 1 else ''}"
    title = (f"MNIST test split, {n_epochs}: accuracy {accuracy * 100:.2f}% "
             f"({len(wrong):,} wrong of {len(y_test):,})")
    write_bytes(cm_path, confusion_matrix_png(cm, title))
    written.append(cm_path)
    result = GalleryResult(files={str(d): sorted(v) for d, v in files.items()},
                           wrong_count=int(len(wrong)), per_class=[len(files[d]) for d in DIGITS],
                           confusion=cm.tolist(), metrics=per_class_metrics(cm),
                           confusion_png=url_of(cm_path))
    return result, sorted(written)
