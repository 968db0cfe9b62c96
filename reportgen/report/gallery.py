"""The gallery of wrong predictions, ranked, and the confusion matrices of both splits
(file names: report.assets). Within a digit the most confident wrong answer comes first.
Files of an earlier model are removed by the stage engine (it owns what it wrote).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..analysis.metrics import confusion_matrix, per_class_metrics
from ..analysis.mistakes import ranked_wrong, top_confusions
from ..data.dataset import DIGITS
from ..records import GalleryResult
from .assets import (
    CM_DIR,
    WRONG_DIR,
    confusion_matrix_name,
    thumbnail_name,
    write_sheet,
    write_thumbnails,
)
from .heatmap import confusion_matrix_figure
from .plotting import write_chart

#: Rows of the page's "Most confused pairs" table.
TOP_PAIRS = 10


def _cm_title(split: str, epochs: int | None, accuracy: float, wrong: int, n: int,
              normalized: bool) -> str:
    n_epochs = "unknown epochs" if epochs is None else f"{epochs} epoch{'s' if epochs != 1 else ''}"
    what = "row-normalized (% of each true digit)" if normalized else "counts"
    return (f"MNIST {split} split, {n_epochs}: accuracy {accuracy * 100:.2f}% "
            f"({wrong:,} wrong of {n:,})\n{what}")


def write_confusion_matrices(cm: np.ndarray, folder: Path, split: str, epochs: int | None,
                             ) -> list[Path]:
    """``mnist-<split>-<epochs>-<acc>.png`` (counts) and ``…-normalized.png`` (rows in
    percent), each with its ``-dark`` variant (plotting.write_chart). cm: int (10, 10),
    rows true, columns predicted. Returns the files written, counts first."""
    n, right = int(cm.sum()), int(np.trace(cm))
    accuracy = right / n if n else 0.0
    counts = folder / confusion_matrix_name(split, epochs, accuracy)
    normalized = folder / confusion_matrix_name(split, epochs, accuracy, normalized=True)
    return (write_chart(counts, confusion_matrix_figure, cm,
                        _cm_title(split, epochs, accuracy, n - right, n, False))
            + write_chart(normalized, confusion_matrix_figure, cm,
                          _cm_title(split, epochs, accuracy, n - right, n, True), normalized=True))


def write_gallery(x_test: np.ndarray, y_test: np.ndarray, probs: np.ndarray, assets_dir: Path,
                  url_of: Callable[[Path], str], *, epochs: int | None,
                  y_train: np.ndarray | None = None, train_probs: np.ndarray | None = None,
                  ) -> tuple[GalleryResult, list[Path]]:
    """Write one PNG per wrong prediction (ranked, see mistakes.ranked_wrong) and the
    sprite sheet of them all (``wrong-predictions/sheet-<hash>.png``, assets.write_sheet) and
    the confusion matrices (counts and row-normalized, light and dark) of the test split and,
    given ``train_probs``, of the train split, into ``assets_dir``.

    x_test: uint8 (n, 28, 28); y_test: uint8 (n,) labels; probs: float (n, 10) model
    probabilities; y_train / train_probs: the same for the train split (optional);
    url_of(path) -> site URL. Files whose bytes are unchanged are not rewritten. Returns
    (result, files written). Raises ValueError on mismatched shapes."""
    if probs.shape != (len(y_test), 10) or x_test.shape[0] != len(y_test):
        raise ValueError(f"probabilities {probs.shape} do not fit {len(y_test)} test labels")
    assets_dir = Path(assets_dir)
    predicted = probs.argmax(axis=1)
    files: dict[str, list[str]] = {str(d): [] for d in DIGITS}
    confidence: dict[str, list[float]] = {str(d): [] for d in DIGITS}
    written, ranked = [], ranked_wrong(y_test, probs)
    for i in ranked:
        d = str(int(y_test[i]))
        name = thumbnail_name(y_test[i], i, predicted[i])
        files[d].append(name)
        confidence[d].append(round(float(probs[i, predicted[i]]), 4))
        written += write_thumbnails(x_test, [(i, name)], assets_dir / WRONG_DIR / d)
    # the sheet holds digit 0's thumbnails first, then 1's, …, each in the gallery's order
    by_digit = sorted(ranked, key=lambda i: int(y_test[i]))  # stable: keeps the ranking
    sheet = write_sheet(x_test, by_digit, assets_dir / WRONG_DIR)
    written += [sheet] if sheet else []
    cm = confusion_matrix(y_test, predicted)
    cms = write_confusion_matrices(cm, assets_dir / CM_DIR, "test", epochs)
    written += cms
    result = GalleryResult(files=files, wrong_count=int((predicted != y_test).sum()),
                           per_class=[len(files[str(d)]) for d in DIGITS],
                           confusion=cm.tolist(), metrics=per_class_metrics(cm),
                           confusion_png=url_of(cms[0]), confusion_normalized_png=url_of(cms[2]),
                           confidence=confidence,
                           top_confusions=top_confusions(cm, TOP_PAIRS),
                           sheet=url_of(sheet) if sheet else None)
    if train_probs is not None and y_train is not None:
        if train_probs.shape != (len(y_train), 10):
            raise ValueError(f"probabilities {train_probs.shape} do not fit "
                             f"{len(y_train)} train labels")
        train_cm = confusion_matrix(y_train, train_probs.argmax(axis=1))
        train_files = write_confusion_matrices(train_cm, assets_dir / CM_DIR, "train", epochs)
        written += train_files
        result.train_confusion = train_cm.tolist()
        result.train_confusion_png = url_of(train_files[0])
        result.train_confusion_normalized_png = url_of(train_files[2])
    return result, sorted(written)
