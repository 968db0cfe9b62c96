"""What changed between two models on the test split: accuracy delta, **fixed** mistakes
(wrong before, right now) and **new** mistakes (right before, wrong now), as W&B Tables'
"compare to baseline" and Deepchecks' model comparison show it.

Files (the page's "Changes since the previous model"):
``<assets>/changes/fixed/<label>-<idx:04d>-<predicted now>.png`` and
``<assets>/changes/new/<label>-<idx:04d>-<predicted now>.png``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fsutil import png_bytes, write_bytes

CHANGES_DIR = "changes"
#: Thumbnails written (and shown) of each of fixed and new; the lists stay complete.
SHOWN = 100


@dataclass
class Change:
    """One test image whose prediction changed: sample index, label, the previous model's
    digit (was), the current model's (now), and the thumbnail's file name."""

    index: int
    label: int
    was: int
    now: int
    file: str = ""

    @property
    def caption(self) -> str:
        return f"label {self.label}: {self.was} → {self.now}"


@dataclass
class ModelChanges:
    """previous / current: model file paths; previous_accuracy / current_accuracy: 0-1;
    accuracy_delta: current - previous (0-1, e.g. 0.0012 = +0.12 points); fixed: images
    wrong before and right now; new: right before and wrong now (by sample index)."""

    previous: str
    current: str
    previous_accuracy: float
    current_accuracy: float
    accuracy_delta: float
    fixed: list[Change] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)


def compare(y: np.ndarray, previous_probs: np.ndarray, current_probs: np.ndarray, *,
            previous: str = "", current: str = "") -> ModelChanges:
    """Compare two models' probabilities float (n, 10) on the same labels y int (n,).
    Raises ValueError when the shapes differ."""
    if previous_probs.shape != current_probs.shape or len(y) != len(current_probs):
        raise ValueError(f"probabilities {previous_probs.shape} and {current_probs.shape} "
                         f"do not compare on {len(y)} labels")
    y = np.asarray(y, dtype=np.int64)
    before, after = previous_probs.argmax(axis=1), current_probs.argmax(axis=1)

    def rows(mask):
        return [Change(int(i), int(y[i]), int(before[i]), int(after[i]))
                for i in np.flatnonzero(mask)]

    acc_before, acc_after = float(np.mean(before == y)), float(np.mean(after == y))
    return ModelChanges(previous=previous, current=current, previous_accuracy=acc_before,
                        current_accuracy=acc_after, accuracy_delta=acc_after - acc_before,
                        fixed=rows((before != y) & (after == y)),
                        new=rows((before == y) & (after != y)))


def write_change_thumbnails(x: np.ndarray, changes: ModelChanges, assets_dir: Path) -> list[Path]:
    """Write the first ``SHOWN`` fixed and new thumbnails (x: uint8 (n, 28, 28)) and fill
    in their file names. Returns the files written."""
    from .gallery import wrong_prediction_name

    written = []
    for which in ("fixed", "new"):
        for c in getattr(changes, which)[:SHOWN]:
            c.file = wrong_prediction_name(c.label, c.index, c.now)
            path = Path(assets_dir) / CHANGES_DIR / which / c.file
            write_bytes(path, png_bytes(x[c.index]))
            written.append(path)
    return written
