"""Suspected label errors in the test split, found with cleanlab (confident learning:
Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty in Dataset
Labels", 2021).

Benchmark test splits have label errors that people have verified (Northcutt, Athalye and
Mueller, "Pervasive Label Errors in Test Sets Destabilize Machine Learning Benchmarks",
2021). The test split's probabilities are out-of-sample (the model never trained on
them), which is what confident learning needs. Nothing here knows any published list.
"""

from __future__ import annotations

import numpy as np

from ..records import SuspectedLabelErrors

#: After cleanlab's flags, the list goes on with every image whose given label the model
#: gives less than even odds (self-confidence below this), most suspicious first.
EVEN_ODDS = 0.5


def find_suspects(y: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, int]:
    """Test indices of suspected label errors, most suspicious first, and how many of them
    cleanlab flags. First ``cleanlab.filter.find_label_issues(labels, pred_probs,
    return_indices_ranked_by="self_confidence")`` (confident learning's default filter,
    prune_by_noise_rate), then every other image whose self-confidence
    (``cleanlab.rank.get_label_quality_scores(method="self_confidence")``, the probability
    of the given label) is below EVEN_ODDS, lowest first. An over-confident model makes
    confident learning flag few images (about 20 for the 98% MLP, 3 for the 99.3% CNN),
    too few to review; the ranking is what a reader uses. y: int (n,) labels 0-9; probs:
    float (n, n_classes) out-of-sample probabilities. Returns (int64 (m,), flagged count)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)  # cleanlab checks rows sum to 1 in float64
    score = get_label_quality_scores(y, p, method="self_confidence")
    try:
        flagged = np.asarray(find_label_issues(y, p, return_indices_ranked_by="self_confidence",
                                               n_jobs=1), dtype=np.int64)
    except (ValueError, IndexError):  # e.g. a class with no image: no confident joint
        flagged = np.zeros(0, dtype=np.int64)
    seen = set(flagged.tolist())
    rest = [i for i in np.argsort(score, kind="stable")
            if score[i] < EVEN_ODDS and i not in seen]
    return np.concatenate([flagged, np.asarray(rest, dtype=np.int64)]), len(flagged)


def suspected_label_errors(y: np.ndarray, probs: np.ndarray) -> SuspectedLabelErrors:
    """The suspects (:func:`find_suspects`) with their given label, the model's prediction and
    both probabilities. y: int (n,); probs: float (n, n_classes). ``files`` is left empty (the
    report layer writes the thumbnails)."""
    idx, flagged = find_suspects(y, probs)
    predicted = probs.argmax(axis=1)
    return SuspectedLabelErrors(
        indices=[int(i) for i in idx], flagged=flagged, given=[int(y[i]) for i in idx],
        predicted=[int(predicted[i]) for i in idx],
        confidence=[float(probs[i, predicted[i]]) for i in idx],
        self_confidence=[float(probs[i, y[i]]) for i in idx],
        note="" if len(idx) else ("cleanlab flags no test image, and the model gives every "
                                  "given label at least even odds."))
