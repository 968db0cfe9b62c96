"""The gallery of wrong predictions, ranked, and the confusion matrices of both splits
(file names: report.assets). Within a class the most confident wrong answer comes first.
Files of an earlier model are removed by the stage engine (it owns what it wrote).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...analysis.metrics import confusion_matrix, per_class_metrics
from ...analysis.mistakes import MATRIX_CLASSES, ranked_wrong, top_confusions
from ...data.card import DatasetInfo
from ...engine.files import write_text
from ...records import GalleryResult
from ..assets import (
    CM_DIR,
    WRONG_DIR,
    confusion_matrix_name,
    thumbnail_name,
    write_sheet,
    write_thumbnails,
    wrong_shown,
)
from .heatmap import confusion_matrix_figure
from .plotting import write_chart

#: Rows of the page's "Most confused pairs" table.
TOP_PAIRS = 10


def _cm_title(info: DatasetInfo, split: str, epochs: int | None, accuracy: float, wrong: int,
              n: int, normalized: bool) -> str:
    n_epochs = "unknown epochs" if epochs is None else f"{epochs} epoch{'s' if epochs != 1 else ''}"
    what = f"row-normalized (% of each true {info.noun})" if normalized else "counts"
    return (f"{info.name} {split} split, {n_epochs}: accuracy {accuracy * 100:.2f}% "
            f"({wrong:,} wrong of {n:,})\n{what}")


def write_confusion_matrices(cm: np.ndarray, folder: Path, split: str, epochs: int | None,
                             info: DatasetInfo) -> list[Path]:
    """``<slug>-<split>-<epochs>-<acc>.png`` (counts) and ``…-normalized.png`` (rows in
    percent), each with its ``-dark`` variant (plotting.write_chart). cm: int (k, k) for
    the k classes of ``info``, rows true, columns predicted. Returns the files written,
    counts first."""
    n, right = int(cm.sum()), int(np.trace(cm))
    accuracy = right / n if n else 0.0
    counts = folder / confusion_matrix_name(info.slug, split, epochs, accuracy)
    normalized = folder / confusion_matrix_name(info.slug, split, epochs, accuracy,
                                                normalized=True)
    names = {"noun": info.noun, "names": list(info.classes)}
    return (write_chart(counts, confusion_matrix_figure, cm,
                        _cm_title(info, split, epochs, accuracy, n - right, n, False), **names)
            + write_chart(normalized, confusion_matrix_figure, cm,
                          _cm_title(info, split, epochs, accuracy, n - right, n, True),
                          normalized=True, **names))


def confusion_csv(cm: np.ndarray, info: DatasetInfo) -> str:
    """``cm`` (int (k, k), rows true, columns predicted) as CSV: a header row of the
    predicted class names, then one row per true class, its name first."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"true \\ predicted {info.noun}", *info.classes])
    for name, row in zip(info.classes, cm.tolist(), strict=True):
        w.writerow([name, *row])
    return buf.getvalue()


def write_gallery(x_test: np.ndarray, y_test: np.ndarray, probs: np.ndarray, assets_dir: Path,
                  url_of: Callable[[Path], str], *, epochs: int | None, info: DatasetInfo,
                  y_train: np.ndarray | None = None, train_probs: np.ndarray | None = None,
                  ) -> tuple[GalleryResult, list[Path]]:
    """Write one PNG per wrong prediction (ranked, see mistakes.ranked_wrong) and the
    sprite sheet of them all (``wrong-predictions/sheet-<hash>.png``, assets.write_sheet) and
    the confusion matrices (counts and row-normalized, light and dark) of the test split and,
    given ``train_probs``, of the train split, into ``assets_dir``.

    x_test: uint8 (n, h, w) or (n, h, w, 3); y_test: uint8 (n,) labels; probs: float
    (n, k) model probabilities of the k classes of ``info``; y_train / train_probs: the
    same for the train split (optional);
    url_of(path) -> site URL. Files whose bytes are unchanged are not rewritten. Returns
    (result, files written). Raises ValueError on mismatched shapes."""
    k = info.n_classes
    if probs.shape != (len(y_test), k) or x_test.shape[0] != len(y_test):
        raise ValueError(f"probabilities {probs.shape} do not fit {len(y_test)} test labels")
    assets_dir = Path(assets_dir)
    predicted = probs.argmax(axis=1)
    files: dict[str, list[str]] = {info.slug_of(d): [] for d in info.labels}
    confidence: dict[str, list[float]] = {info.slug_of(d): [] for d in info.labels}
    written, ranked = [], ranked_wrong(y_test, probs)
    for i in ranked:
        d = info.slug_of(y_test[i])
        name = thumbnail_name(y_test[i], i, predicted[i])
        files[d].append(name)
        confidence[d].append(round(float(probs[i, predicted[i]]), 4))
        written += write_thumbnails(x_test, [(i, name)], assets_dir / WRONG_DIR / d)
    # the sheet holds label 0's thumbnails first, then 1's, …, each in the gallery's order:
    # the ones the rows show (all, or each class's most confident: assets.wrong_shown)
    shown = wrong_shown(len(ranked), k)
    by_label = sorted(ranked, key=lambda i: int(y_test[i]))  # stable: keeps the ranking
    if shown is not None:
        taken: dict[int, int] = {}
        kept = []
        for i in by_label:
            c = int(y_test[i])
            if taken.get(c, 0) < shown:
                kept.append(i)
                taken[c] = taken.get(c, 0) + 1
        by_label = kept
    sheet = write_sheet(x_test, by_label, assets_dir / WRONG_DIR)
    written += [sheet] if sheet else []
    cm = confusion_matrix(y_test, predicted, k)
    cms = write_confusion_matrices(cm, assets_dir / CM_DIR, "test", epochs, info)
    written += cms
    csv = None
    if k > MATRIX_CLASSES:  # the page condenses it: the whole matrix as a table of its own
        csv = cms[0].with_suffix(".csv")
        write_text(csv, confusion_csv(cm, info))
        written.append(csv)
    result = GalleryResult(files=files, wrong_count=int((predicted != y_test).sum()),
                           per_class=[len(files[info.slug_of(d)]) for d in info.labels],
                           confusion=cm.tolist(), metrics=per_class_metrics(cm),
                           confusion_png=url_of(cms[0]), confusion_normalized_png=url_of(cms[2]),
                           confidence=confidence,
                           top_confusions=top_confusions(cm, TOP_PAIRS),
                           sheet=url_of(sheet) if sheet else None,
                           confusion_csv=url_of(csv) if csv else None,
                           shown_per_class=shown)
    if train_probs is not None and y_train is not None:
        if train_probs.shape != (len(y_train), k):
            raise ValueError(f"probabilities {train_probs.shape} do not fit "
                             f"{len(y_train)} train labels")
        train_cm = confusion_matrix(y_train, train_probs.argmax(axis=1), k)
        train_files = write_confusion_matrices(train_cm, assets_dir / CM_DIR, "train", epochs,
                                               info)
        written += train_files
        result.train_confusion = train_cm.tolist()
        result.train_confusion_png = url_of(train_files[0])
        result.train_confusion_normalized_png = url_of(train_files[2])
    return result, sorted(written)
