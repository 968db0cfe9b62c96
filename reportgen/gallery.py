"""The gallery of wrong predictions and the test split's confusion matrix.

File names: ``<assets>/wrong-predictions/<true>/<true>-<idx:04d>-<pred>.png`` (idx = sample
index in the test split) and ``<assets>/confusion-matrices/mnist-test-<epochs>-<acc>.png``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import DIGITS
from .fsutil import png_bytes, write_bytes
from .plotting import confusion_matrix, confusion_matrix_png, per_class_metrics

WRONG_DIR = "wrong-predictions"
CM_DIR = "confusion-matrices"
WRONG_RE = re.compile(r"^(\d)-(\d{4,5})-(\d)\.png$")
CM_RE = re.compile(r"^mnist-test-\d+-\d+\.\d\d\.png$")


def wrong_prediction_name(true: int, index: int, pred: int) -> str:
    """``<true>-<index:04d>-<pred>.png``, e.g. (3, 18, 8) -> ``3-0018-8.png``."""
    return f"{int(true)}-{int(index):04d}-{int(pred)}.png"


def parse_wrong_prediction_name(name: str) -> tuple[int, int, int] | None:
    """Inverse of :func:`wrong_prediction_name`: (true, index, pred), or None if not one."""
    m = WRONG_RE.match(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def confusion_matrix_name(epochs: int, accuracy: float) -> str:
    """``mnist-test-<epochs>-<acc>.png``, acc = accuracy (0-1) in percent with 2 decimals."""
    return f"mnist-test-{epochs}-{accuracy * 100:.2f}.png"


@dataclass
class GalleryResult:
    """files: {digit: sorted wrong-prediction file names}; wrong_count; per_class: wrong
    predictions per true digit (10 ints); confusion: int (10, 10), rows true, cols predicted;
    confusion_png: path of its heatmap; metrics: precision/recall/F1 per digit; written:
    every file this gallery owns."""

    files: dict[int, list[str]]
    wrong_count: int
    per_class: list[int]
    confusion: np.ndarray
    confusion_png: Path
    metrics: list[dict]
    written: list[Path] = field(default_factory=list)


def write_gallery(x_test: np.ndarray, y_test: np.ndarray, probs: np.ndarray, assets_dir: Path,
                  *, epochs: int, accuracy: float) -> GalleryResult:
    """Write one PNG per wrong prediction and the confusion-matrix heatmap into ``assets_dir``.

    x_test: uint8 (n, 28, 28); y_test: uint8 (n,); probs: float (n, 10) model probabilities.
    Wrong-prediction files and confusion matrices of an earlier model (same naming pattern,
    not produced now) are removed first, so the gallery always matches the model. Files
    whose bytes are unchanged are not rewritten. Raises ValueError on mismatched shapes.
    """
    if probs.shape != (len(y_test), 10) or x_test.shape[0] != len(y_test):
        raise ValueError(f"probabilities {probs.shape} do not fit {len(y_test)} test labels")
    assets_dir = Path(assets_dir)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_test)
    files: dict[int, list[str]] = {d: [] for d in DIGITS}
    for i in wrong:
        files[int(y_test[i])].append(wrong_prediction_name(y_test[i], i, pred[i]))
    cm = confusion_matrix(y_test, pred)
    cm_path = assets_dir / CM_DIR / confusion_matrix_name(epochs, accuracy)
    _remove_stale(assets_dir, files, cm_path.name)

    written = []
    for i in wrong:
        path = assets_dir / WRONG_DIR / str(int(y_test[i])) / wrong_prediction_name(
            y_test[i], i, pred[i])
        write_bytes(path, png_bytes(x_test[i]))
        written.append(path)
    title = (f"MNIST test split, {epochs} epoch{'s' if epochs != 1 else ''}: "
             f"accuracy {accuracy * 100:.2f}% ({len(wrong):,} wrong of {len(y_test):,})")
    write_bytes(cm_path, confusion_matrix_png(cm, title))
    written.append(cm_path)
    return GalleryResult(files={d: sorted(v) for d, v in files.items()},
                         wrong_count=int(len(wrong)),
                         per_class=[len(files[d]) for d in DIGITS], confusion=cm,
                         confusion_png=cm_path, metrics=per_class_metrics(cm),
                         written=sorted(written))


def _remove_stale(assets_dir: Path, files: dict[int, list[str]], cm_name: str) -> None:
    for d in DIGITS:
        folder = assets_dir / WRONG_DIR / str(d)
        keep = set(files[d])
        if folder.is_dir():
            for e in os.scandir(folder):
                parsed = parse_wrong_prediction_name(e.name)
                if parsed and parsed[0] == d and e.name not in keep:
                    os.unlink(e.path)
    cm_folder = assets_dir / CM_DIR
    if cm_folder.is_dir():
        for e in os.scandir(cm_folder):
            if CM_RE.match(e.name) and e.name != cm_name:
                os.unlink(e.path)


def list_gallery(assets_dir: Path) -> dict[int, list[str]]:
    """The wrong-prediction files on disk: {digit: sorted file names}."""
    out = {}
    for d in DIGITS:
        folder = Path(assets_dir) / WRONG_DIR / str(d)
        out[d] = sorted(n for n in (os.listdir(folder) if folder.is_dir() else [])
                        if (p := parse_wrong_prediction_name(n)) and p[0] == d)
    return out
