"""What changed between two models on the test split: accuracy delta, **fixed** mistakes
(wrong before, right now) and **new** mistakes (right before, wrong now), as W&B Tables'
"compare to baseline" and Deepchecks' model comparison show it.
"""

from __future__ import annotations

import numpy as np

from ..records import Change, ModelChanges, Robustness, RobustnessChange


def compare(y: np.ndarray, previous_probs: np.ndarray, current_probs: np.ndarray, *,
            previous: str = "", current: str = "") -> ModelChanges:
    """Compare two models' probabilities float (n, n_classes) on the same labels y int (n,).
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


def robustness_changes(before: Robustness | None, after: Robustness | None,
                       ) -> list[RobustnessChange]:
    """Each corruption's accuracy under the previous model (``before``) and the current one,
    clean first; [] unless both records exist with the same seed and corruptions."""
    if before is None or after is None or before.seed != after.seed or (
            [c.name for c in before.corruptions] != [c.name for c in after.corruptions]):
        return []
    return [RobustnessChange("clean", "clean", before.clean, after.clean)] + [
        RobustnessChange(a.name, a.label, b.accuracy, a.accuracy)
        for b, a in zip(before.corruptions, after.corruptions, strict=True)]
