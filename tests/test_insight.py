"""What the mistakes mean, on synthetic probabilities: ranking, pairs, the normalized matrix,
ECE by hand, fixed/new sets, suspected label errors, the Keras summary table, the sidebar
category file and the theme variants."""

import json

import numpy as np
import pytest

from reportgen import stages
from reportgen.calibration import calibration, expected_calibration_error
from reportgen.changes import compare, write_change_thumbnails
from reportgen.gallery import write_gallery
from reportgen.label_errors import find_suspects, suspected_label_errors
from reportgen.manifest import Manifest
from reportgen.mistakes import Confusion, ranked_wrong, row_normalized, top_confusions
from reportgen.options import Options
from reportgen.page import pair_galleries, summary_table
from reportgen.plotting import dark_name


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


def test_gallery_order_and_confidence_follow_the_ranking(tmp_path):
    y = np.array([3, 3, 3, 7])
    x = np.zeros((4, 28, 28), np.uint8)
    probs = probs_of([{8: 0.55}, {5: 0.99}, {8: 0.8}, {7: 0.9}])
    g, _ = write_gallery(x, y, probs, tmp_path, lambda p: p.name, epochs=1)
    assert g.files["3"] == ["3-0001-5.png", "3-0002-8.png", "3-0000-8.png"]
    assert g.confidence["3"] == [0.99, 0.8, 0.55]
    assert g.top_confusions == [Confusion(3, 8, 2), Confusion(3, 5, 1)]
    pairs = pair_galleries(g)
    assert [(p.label, p.predicted, p.count, p.files) for p in pairs] == [
        (3, 8, 2, ["3-0002-8.png", "3-0000-8.png"]), (3, 5, 1, ["3-0001-5.png"])]
    assert pairs[0].confidence == [0.8, 0.55] and pairs[0].anchor == "3-predicted-as-8"


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
    assert expected_calibration_error(y, probs) == pytest.approx(0.4125)
    cal = calibration(y, probs)
    assert cal.ece == pytest.approx(0.4125) and cal.n_bins == 15 and cal.n == 4
    # scikit-learn's calibration_curve: one point per non-empty bin
    assert cal.confidence == pytest.approx([0.25, 0.5, 0.95])
    assert cal.accuracy == pytest.approx([0.0, 1.0, 0.5]) and cal.counts == [1, 1, 2]
    assert cal.bins == [3, 7, 14]


def test_ece_of_a_perfectly_calibrated_and_an_always_right_model():
    y = np.array([0] * 10)
    right = probs_of([{0: 1.0}] * 10)
    assert expected_calibration_error(y, right) == pytest.approx(0.0)
    cal = calibration(y, right)  # a single outcome: calibration_curve cannot, by hand
    assert cal.accuracy == [1.0] and cal.ece == pytest.approx(0.0)
    with pytest.raises(ValueError):
        expected_calibration_error(np.array([], int), np.zeros((0, 10)))


def test_fixed_and_new_mistakes(tmp_path):
    y = np.array([1, 2, 3, 4, 5])
    before = probs_of([{7: 0.9}, {2: 0.9}, {0: 0.9}, {4: 0.9}, {5: 0.9}])
    after = probs_of([{1: 0.9}, {6: 0.9}, {8: 0.9}, {4: 0.9}, {5: 0.9}])
    ch = compare(y, before, after, previous="a.keras", current="b.keras")
    assert [c.index for c in ch.fixed] == [0] and [c.index for c in ch.new] == [1]
    assert ch.fixed[0].caption == "label 1: 7 → 1" and ch.new[0].caption == "label 2: 2 → 6"
    assert ch.previous_accuracy == pytest.approx(0.6) and ch.current_accuracy == pytest.approx(0.6)
    assert ch.accuracy_delta == pytest.approx(0.0)  # image 2 wrong in both: neither list
    written = write_change_thumbnails(np.zeros((5, 28, 28), np.uint8), ch, tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "changes/fixed/1-0000-1.png", "changes/new/2-0001-6.png"]
    with pytest.raises(ValueError, match="do not compare"):
        compare(y, before[:3], after)


def test_suspected_label_errors_rank_the_flipped_labels_first(tmp_path):
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
    res, written = suspected_label_errors(np.zeros((300, 28, 28), np.uint8), y, probs, tmp_path)
    assert res.indices == idx.tolist() and len(written) == 4
    assert res.captions()[0].startswith(f"given {y[idx[0]]}, model {flipped[int(idx[0])]} (")
    # a model that is right about everything, surely, suspects nothing
    sure = np.eye(10)[y] * 0.99 + 0.001
    assert find_suspects(y, sure)[0].tolist() == []


KERAS_SUMMARY = """Model: "glassy"
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━┓
┃ Layer (type)          ┃ Output Shape     ┃  Param # ┃ Connected to ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━┩
│ digits (InputLayer)   │ (None, 28, 28)   │        0 │ -            │
├───────────────────────┼──────────────────┼──────────┼──────────────┤
│ add (Add)             │ (None, 128)      │        0 │ dense[0][0], │
│                       │                  │          │ dense_1[0][0]│
└───────────────────────┴──────────────────┴──────────┴──────────────┘
 Total params: 118,282 (462.04 KB)
 Trainable params: 118,282 (462.04 KB)"""


def test_keras_summary_becomes_a_table():
    t = summary_table(KERAS_SUMMARY)
    assert t.header == ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    assert t.rows == [["digits (InputLayer)", "(None, 28, 28)", "0", "-"],
                      ["add (Add)", "(None, 128)", "0", "dense[0][0], dense_1[0][0]"]]
    assert t.notes == ['Model: "glassy"', "Total params: 118,282 (462.04 KB)",
                       "Trainable params: 118,282 (462.04 KB)"]
    assert summary_table("A SavedModel: no summary") is None


def category(site):
    return site / "docs" / "image-classification"


def test_category_file_written_once_and_never_over_the_sites(tmp_path):
    opts = Options(site_dir=tmp_path / "a", category_label="Vision {demo}")
    site = Manifest(opts.site_dir)
    stages.category_stage(opts, site)
    path = category(opts.site_dir) / "_category_.json"
    assert json.loads(path.read_text()) == {"label": "Vision {demo}"}
    opts.category_label = "Vision"  # reportgen's own file follows the option
    stages.category_stage(opts, site)
    assert json.loads(path.read_text()) == {"label": "Vision"}
    for own in ("_category_.json", "_category_.yml"):  # the site's own: left alone
        other = Options(site_dir=tmp_path / own, category_label="Ours")
        (category(other.site_dir)).mkdir(parents=True)
        (category(other.site_dir) / own).write_text("label: Theirs\n")
        stages.category_stage(other, Manifest(other.site_dir))
        assert (category(other.site_dir) / own).read_text() == "label: Theirs\n"
        assert sorted(p.name for p in category(other.site_dir).iterdir()) == [own]


def test_dark_variant_names():
    assert dark_name("/a/mnist-test-6-98.03.png") == "/a/mnist-test-6-98.03-dark.png"
    assert dark_name("x") == "x-dark"


def test_a_chart_without_seaborn_draws_in_a_fresh_process(tmp_path):
    """The dark theme's colormap (mako) is seaborn's: a chart drawn with matplotlib only
    (the reliability diagram), first in its process, used to fail in the dark pass."""
    import subprocess
    import sys

    code = ("import sys\nfrom reportgen.plotting import reliability_figure, write_chart\n"
            "paths = write_chart(sys.argv[1], reliability_figure, [0.5, 1.0], [0.4, 0.95],"
            " [3, 40], 0.05, 15, [6, 14])\nprint(len(paths))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.png")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "r.png").is_file() and (tmp_path / "r-dark.png").is_file()


def test_no_changes_when_the_previous_models_file_is_gone(tmp_path, npz_path):
    """The page's previous model was deleted and its probabilities were never cached: no
    comparison, no error; a re-run does not try again (the stage is recorded)."""
    import dataclasses

    from reportgen.dataset import load_dataset
    from reportgen.page import ModelRef
    from tests.helpers import fake_meta

    ds = load_dataset(npz_path)
    opts = Options(site_dir=tmp_path / "site", models_dir=tmp_path / "models")
    gone = ModelRef(str(tmp_path / "gone.keras"), fake_meta())
    now = ModelRef(str(tmp_path / "now.keras"), dataclasses.replace(fake_meta(), sha256="1" * 64))
    site = Manifest(opts.site_dir)
    assert stages.changes_stage(ds, opts, site, now, gone) is None
    assert "changes" in site.ran and stages.previous_model(site, None, now) == gone
    site.save()
    again = Manifest(opts.site_dir)
    assert stages.changes_stage(ds, opts, again, now, gone) is None
    assert "changes" not in again.ran
