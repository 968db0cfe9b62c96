"""The report's sections on synthetic data: gallery order, pair galleries, the Keras
summary table, the sidebar category file, the theme variants and the changes stage."""

import json
import subprocess
import sys

import numpy as np

from reportgen.data.card import BUILTIN_INFO
from reportgen.records import Confusion
from reportgen.report.assets import dark_name
from reportgen.report.charts.gallery import write_gallery
from reportgen.report.site import site_has_own_category, write_category
from reportgen.report.view.model_section import summary_table
from tests.analysis.test_insight import probs_of


def test_gallery_order_and_confidence_follow_the_ranking(tmp_path):
    y = np.array([3, 3, 3, 7])
    x = np.zeros((4, 28, 28), np.uint8)
    probs = probs_of([{8: 0.55}, {5: 0.99}, {8: 0.8}, {7: 0.9}])
    g, _ = write_gallery(x, y, probs, tmp_path, lambda p: p.name, epochs=1, info=BUILTIN_INFO)
    assert g.files["3"] == ["3-0001-5.png", "3-0002-8.png", "3-0000-8.png"]
    assert g.confidence["3"] == [0.99, 0.8, 0.55]
    assert g.top_confusions == [Confusion(3, 8, 2), Confusion(3, 5, 1)]
    assert [(c.label, c.predicted, c.count) for c in g.top_confusions] == [(3, 8, 2), (3, 5, 1)]


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


def test_category_file_and_the_sites_own(tmp_path):
    path = write_category(tmp_path / "a", "Vision {demo}")
    assert json.loads(path.read_text()) == {"label": "Vision {demo}"}
    assert not site_has_own_category(tmp_path / "a", ours=True)  # reportgen's own file
    assert site_has_own_category(tmp_path / "a", ours=False)  # a file nobody recorded
    for own in ("_category_.json", "_category_.yml", "_category_.yaml"):
        (category(tmp_path / own)).mkdir(parents=True)
        (category(tmp_path / own) / own).write_text("label: Theirs\n")
        assert site_has_own_category(tmp_path / own, ours=own == "_category_.json") is (
            own != "_category_.json")


def test_dark_variant_names():
    assert dark_name("/a/mnist-test-6-98.03.png") == "/a/mnist-test-6-98.03-dark.png"
    assert dark_name("x") == "x-dark"


def test_a_chart_without_seaborn_draws_in_a_fresh_process(tmp_path):
    """The dark theme's colormap (mako) is seaborn's: a chart drawn with matplotlib only
    (the reliability diagram), first in its process, used to fail in the dark pass."""
    code = ("import sys\nfrom reportgen.report.charts.plotting import write_chart\n"
            "from reportgen.report.charts.reliability import reliability_figure\n"
            "paths = write_chart(sys.argv[1], reliability_figure, [0.5, 1.0], [0.4, 0.95],"
            " [3, 40], 0.05, 15, [6, 14])\nprint(len(paths))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.png")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "r.png").is_file() and (tmp_path / "r-dark.png").is_file()
