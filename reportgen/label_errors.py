"""Suspected label errors in the test split, found with cleanlab (confident learning:
Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty in Dataset
Labels", 2021) and shown in their own gallery.

MNIST's test split has label errors that people have verified (Northcutt, Athalye and
Mueller, "Pervasive Label Errors in Test Sets Destabilize Machine Learning Benchmarks",
2021). The test split's probabilities are out-of-sample (the model never trained on
them), which is what confident learning needs. Nothing here knows any published list.

Files: ``<assets>/suspected-label-errors/<given>-<idx:04d>-<predicted>.png``, most
suspicious first in the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fsutil import png_bytes, write_bytes

LABEL_ERRORS_DIR = "suspected-label-errors"
#: After cleanlab's flags, the list goes on with every image whose given label the model
#: gives less than even odds (self-confidence below this), most suspicious first.
EVEN_ODDS = 0.5
#: How many the page shows (summary.json lists all of them).
SHOWN = 100


@dataclass
class SuspectedLabelErrors:
    """indices: test sample indices, most suspicious first; flagged: how many of the first
    ones cleanlab's confident learning flags (the rest have self-confidence below
    EVEN_ODDS); given: their labels; predicted: the model's digit; confidence: the model's
    probability of its digit (0-1); self_confidence: the probability of the given label
    (0-1); files: file names of the first ``SHOWN`` (``<given>-<idx:04d>-<predicted>.png``);
    note: why the list is empty, when it is."""

    indices: list[int] = field(default_factory=list)
    flagged: int = 0
    given: list[int] = field(default_factory=list)
    predicted: list[int] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    self_confidence: list[float] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    note: str = ""

    def captions(self) -> list[str]:
        """One caption per shown file: given label, the model's digit and confidence."""
        n = len(self.files)
        return [f"given {g}, model {p} ({c * 100:.1f}%)" for g, p, c in
                zip(self.given[:n], self.predicted[:n], self.confidence[:n], strict=True)]


def find_suspects(y: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, int]:
    """Test indices of suspected label errors, most suspicious first, and how many of them
    cleanlab flags. First ``cleanlab.filter.find_label_issues(labels, pred_probs,
    return_indices_ranked_by="self_confidence")`` (confident learning's default filter,
    prune_by_noise_rate), then every other image whose self-confidence
    (``cleanlab.rank.get_label_quality_scores(method="self_confidence")``, the probability
    of the given label) is below EVEN_ODDS, lowest first. An over-confident model makes
    confident learning flag few images (about 20 for the 98% MLP, 3 for the 99.3% CNN),
    too few to review; the ranking is what a reader uses. y: int (n,) labels 0-9; probs:
    float (n, 10) out-of-sample probabilities. Returns (int64 (m,), flagged count)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)  # cleanlab checks rows sum to 1 in float64
    score = get_label_quality_scores(y, p, method="self_confidence")
    try:
        flagged = np.asarray(find_label_issues(y, p, return_indices_ranked_by="self_confidence",
                                               n_jobs=1), dtype=np.int64)
    except (ValueError, IndexError):  # e.g. a digit with no image: no confident joint
        flagged = np.zeros(0, dtype=np.int64)
    seen = set(flagged.tolist())
    rest = [i for i in np.argsort(score, kind="stable")
            if score[i] < EVEN_ODDS and i not in seen]
    return np.concatenate([flagged, np.asarray(rest, dtype=np.int64)]), len(flagged)


def suspected_label_errors(x: np.ndarray, y: np.ndarray, probs: np.ndarray, assets_dir: Path,
                           ) -> tuple[SuspectedLabelErrors, list[Path]]:
    """Find the suspects (:func:`find_suspects`) and write the first ``SHOWN`` thumbnails.
    x: uint8 (n, 28, 28); y: int (n,); probs: float (n, 10). Returns (result, files
    written)."""
    from .gallery import wrong_prediction_name

    idx, flagged = find_suspects(y, probs)
    predicted = probs.argmax(axis=1)
    res = SuspectedLabelErrors(
        indices=[int(i) for i in idx], flagged=flagged, given=[int(y[i]) for i in idx],
        predicted=[int(predicted[i]) for i in idx],
        confidence=[float(probs[i, predicted[i]]) for i in idx],
        self_confidence=[float(probs[i, y[i]]) for i in idx],
        note="" if len(idx) else ("cleanlab flags no test image, and the model gives every "
                                  "given label at least even odds."))
    written = []
    for i in idx[:SHOWN]:
        name = wrong_prediction_name(y[i], i, predicted[i])
        path = Path(assets_dir) / LABEL_ERRORS_DIR / name
        write_bytes(path, png_bytes(x[i]))
        written.append(path)
        res.files.append(name)
    return res, written

