"""What the mistakes mean, on synthetic probabilities (arrays in, arrays out): ranking,
pairs, the normalized matrix, ECE by hand, fixed/new sets, suspected label errors, and the
scikit-learn metrics."""

import numpy as np
import pytest

from reportgen.analysis.calibration import calibration
from reportgen.analysis.changes import compare
from reportgen.analysis.label_errors import find_suspects, suspected_label_errors
from reportgen.analysis.metrics import confusion_matrix, evaluate_probabilities, per_class_metrics
from reportgen.analysis.mistakes import ranked_wrong, row_normalized, top_confusions
from reportgen.records import Confusion


def probs_of(rows):
    """(n, 10) probabilities from {class: probability} dicts; the rest spread evenly."""
    out = np.zeros((len(rows), 10))
    for i, r in enumerate(rows):
        rest = (1 - sum(r.values())) / (10 - len(r))
        out[i] = rest
        for c, p in r.items():
            out[i, c] = p
    return out


def test_wrong_predictions_ranked_by_confidence_in_the_wrong_answer():
    y = np.array([3, 3, 3, 5, 3, 3])
    probs = probs_of([{8: 0.6}, {3: 0.9}, {8: 0.95}, {3: 0.7}, {5: 0.6}, {2: 0.95}])
    # wrong: 0 (0.6), 2 (0.95), 3 (label 5, predicted 3: 0.7), 4 (0.6), 5 (0.95)
    assert ranked_wrong(y, probs).tolist() == [2, 5, 3, 0, 4]  # ties keep index order


def test_top_confusions_counts_and_order():
    cm = np.zeros((10, 10), int)
    np.fill_diagonal(cm, 50)
    cm[4, 9], cm[9, 4], cm[7, 2], cm[2, 7], cm[5, 3] = 12, 7, 12, 1, 3
    assert top_confusions(cm, 3) == [Confusion(4, 9, 12), Confusion(7, 2, 12),
                                     Confusion(9, 4, 7)]
    assert len(top_confusions(cm, 10)) == 5  # zero cells are not pairs
    assert top_confusions(np.eye(10, dtype=int)) == []


def test_row_normalized_matrix():
    cm = np.array([[8, 2, 0], [0, 0, 0], [1, 1, 2]])
    np.testing.assert_allclose(row_normalized(cm), [[0.8, 0.2, 0], [0, 0, 0],
                                                    [0.25, 0.25, 0.5]])


def test_ece_by_hand():
    # 4 images, 15 bins. Confidences 0.95, 0.95 (bin 14), 0.5 (bin 7), 0.25 (bin 3).
    y = np.array([0, 1, 2, 3])
    probs = probs_of([{0: 0.95}, {0: 0.95}, {2: 0.5}, {0: 0.25}])
    # bin 14: accuracy 1/2, confidence 0.95 -> |0.5 - 0.95| * 2/4 = 0.225
    # bin 7: right, 0.5 -> 0.5 * 1/4 = 0.125; bin 3: wrong, 0.25 -> 0.25 * 1/4 = 0.0625
    cal = calibration(y, probs)
    assert cal.ece == pytest.approx(0.4125) and cal.n_bins == 15 and sum(cal.counts) == 4
    # scikit-learn's calibration_curve: one point per non-empty bin
    assert cal.confidence == pytest.approx([0.25, 0.5, 0.95])
    assert cal.accuracy == pytest.approx([0.0, 1.0, 0.5]) and cal.counts == [1, 1, 2]
    assert cal.bins == [3, 7, 14]


def test_ece_of_a_perfectly_calibrated_and_an_always_right_model():
    y = np.array([0] * 10)
    right = probs_of([{0: 1.0}] * 10)
    cal = calibration(y, right)  # a single outcome: calibration_curve cannot, by hand
    assert cal.accuracy == [1.0] and cal.ece == pytest.approx(0.0)
    with pytest.raises(ValueError):
        calibration(np.array([], int), np.zeros((0, 10)))


def test_fixed_and_new_mistakes():
    y = np.array([1, 2, 3, 4, 5])
    before = probs_of([{7: 0.9}, {2: 0.9}, {0: 0.9}, {4: 0.9}, {5: 0.9}])
    after = probs_of([{1: 0.9}, {6: 0.9}, {8: 0.9}, {4: 0.9}, {5: 0.9}])
    ch = compare(y, before, after, previous="a.keras", current="b.keras")
    assert [c.index for c in ch.fixed] == [0] and [c.index for c in ch.new] == [1]
    assert ch.fixed[0].caption == "label 1: 7 → 1" and ch.new[0].caption == "label 2: 2 → 6"
    assert ch.previous_accuracy == pytest.approx(0.6) and ch.current_accuracy == pytest.approx(0.6)
    assert ch.accuracy_delta == pytest.approx(0.0)  # image 2 wrong in both: neither list
    with pytest.raises(ValueError, match="do not compare"):
        compare(y, before[:3], after)


def test_suspected_label_errors_rank_the_flipped_labels_first():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 30)
    probs = np.full((300, 10), 0.002)
    probs[np.arange(300), y] = 0.982
    probs += rng.uniform(0, 0.001, probs.shape)
    flipped = {7: 4, 95: 1, 200: 3}  # images the model reads as another digit, surely
    for i, d in flipped.items():
        probs[i] = 0.001
        probs[i, d] = 0.991
    probs[150] = 0.02
    probs[150, y[150]], probs[150, 0] = 0.42, 0.4  # right, but below even odds
    probs /= probs.sum(axis=1, keepdims=True)
    idx, flagged = find_suspects(y, probs)
    assert set(idx[:3].tolist()) == set(flipped) and flagged >= 3
    assert idx.tolist()[3:] == [150]  # the rest: self-confidence below 0.5
    res = suspected_label_errors(y, probs)
    assert res.indices == idx.tolist() and res.given == [int(y[i]) for i in idx]
    assert res.predicted[0] == flipped[int(idx[0])]
    # a model that is right about everything, surely, suspects nothing
    sure = np.eye(10)[y] * 0.99 + 0.001
    assert find_suspects(y, sure)[0].tolist() == []


def test_metrics_are_scikit_learns_and_agree_with_the_hand_formulas():
    y = np.array([0, 0, 1, 1, 2, 2, 2, 3])
    pred = np.array([0, 1, 1, 1, 2, 0, 2, 9])
    cm = confusion_matrix(y, pred, 10)
    assert cm.shape == (10, 10) and cm[0, 1] == 1 and cm[2, 0] == 1 and cm[3, 9] == 1
    assert cm.sum(axis=1).tolist() == [2, 2, 3, 1, 0, 0, 0, 0, 0, 0]  # absent digits: rows of 0
    m = per_class_metrics(cm)
    # digit 1: predicted 3 times, right twice; all its 2 images read right
    assert m[1]["precision"] == pytest.approx(2 / 3) and m[1]["recall"] == pytest.approx(1.0)
    assert m[1]["f1"] == pytest.approx(0.8) and m[1]["support"] == 2
    assert m[5] == {"label": 5, "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    probs = np.full((4, 10), 0.0)
    probs[[0, 1, 2, 3], [0, 1, 2, 5]] = 1.0  # the last one is surely wrong
    loss, acc, wrong = evaluate_probabilities(probs, np.array([0, 1, 2, 3]))
    assert acc == 0.75 and wrong == 1
    # Keras' clipping: a probability of 0 for the true digit costs -log(1e-7) / 4
    assert loss == pytest.approx(-np.log(1e-7) / 4, rel=1e-5)



def test_confusion_matrix_rows_true_columns_predicted():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 10)
    assert cm[:3, :3].tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]] and cm.sum() == 4
    m = per_class_metrics(cm)
    assert m[1]["precision"] == pytest.approx(1 / 3) and m[1]["recall"] == 1.0
    assert m[0]["precision"] == 1.0 and m[0]["recall"] == 0.5
    assert m[0]["f1"] == pytest.approx(2 / 3) and m[2]["f1"] == 0.0


def test_evaluate_probabilities_by_hand():
    probs = np.full((3, 10), 0.0, dtype=np.float32)
    probs[:, :2] = [[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]]
    loss, acc, wrong = evaluate_probabilities(probs, np.array([0, 1, 1]))
    assert wrong == 1 and acc == pytest.approx(2 / 3)
    assert loss == pytest.approx(-(np.log(0.9) + np.log(0.6) + np.log(0.3)) / 3, rel=1e-5)
