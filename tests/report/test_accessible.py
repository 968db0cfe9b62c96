"""What a reader who cannot see the images gets: alt texts and tables (report.accessible),
and the sprite sheets the thumbnails are cut from (report.assets.write_sheet)."""

import re

import numpy as np
from PIL import Image

from reportgen.data.card import BUILTIN_INFO
from reportgen.records import Calibration, Change, SuspectedLabelErrors
from reportgen.report.assets import SHEET_COLUMNS, chart_size, write_sheet
from reportgen.report.view import accessible
from reportgen.report.view.page import sheet_props

MNIST_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_class_counts_alt_names_the_extremes():
    alt = accessible.class_counts_alt(MNIST_TRAIN, MNIST_TEST, BUILTIN_INFO)
    assert "training split, largest 6,742 ones, smallest 5,421 fives" in alt
    assert "test split, largest 1,135 ones, smallest 892 fives" in alt
    table = accessible.class_counts_table(MNIST_TRAIN, MNIST_TEST, BUILTIN_INFO)
    assert table.header == ["Digit", "Training images", "Test images"]
    assert table.rows[5] == ["5", "5,421", "892"] and table.rows[-1] == ["Total", "60,000", "10,000"]


def test_read_as_says_what_the_arrow_and_percentage_meant():
    assert accessible.read_as(8325, 0, 6, 0.964) == (
        "test image 8325: labelled 0, the model read 6 with 96% confidence")
    assert accessible.read_as(1, 2, 3, 0.9996).endswith("with over 99% confidence")
    assert accessible.read_as(1, 2, 3) == "test image 1: labelled 2, the model read 3"


def test_thumbnail_names_hold_no_file_name():
    le = SuspectedLabelErrors(indices=[18, 7], flagged=1, given=[3, 1], predicted=[8, 7],
                              confidence=[0.97, 0.5], self_confidence=[0.01, 0.4],
                              files=["3-0018-8.png", "1-0007-7.png"])
    items = accessible.label_error_items(le, BUILTIN_INFO)
    assert [i["alt"] for i in items] == [
        "suspected label error, test image 18: labelled 3, the model read 8 with 97% confidence",
        "suspected label error, test image 7: labelled 1, the model read 7 with 50% confidence"]
    assert items[0]["caption"] == "#18\n3 → 8 97%"
    changes = accessible.change_items([Change(5, 2, 7, 2, "2-0005-2.png"), Change(6, 1, 1, 4)],
                                      BUILTIN_INFO)
    assert [c["alt"] for c in changes] == [
        "test image 5: labelled 2; the previous model read 7, this one reads 2"]
    assert not any(re.search(r"\.png|\d{4}-\d", i["alt"]) for i in items + changes)


def test_reliability_and_curves_as_tables():
    cal = Calibration(ece=0.012, n_bins=10, accuracy=[0.5, 0.99], confidence=[0.55, 0.985],
                      counts=[40, 9960], bins=[5, 9])
    assert accessible.reliability_table(cal).rows == [["50–60%", "40", "55.0%", "50.0%"],
                                                      ["90–100%", "9,960", "98.5%", "99.0%"]]
    alt = accessible.reliability_alt(cal)
    assert "expected calibration error 1.20%" in alt and "9,960 images at 98.5%" in alt
    history = [{"epoch": 0, "loss": 2.3, "accuracy": 0.1, "val_loss": 2.31, "val_accuracy": 0.09},
               {"epoch": 1, "loss": 0.2, "accuracy": 0.95, "val_loss": 0.15,
                "val_accuracy": 0.961}]
    curves = accessible.curves_table(history)
    assert curves.header[0] == "Epoch" and curves.rows[1] == ["1", "0.2000", "95.00%", "0.1500",
                                                              "96.10%"]
    assert "validation accuracy from 9.00% to 96.10%" in accessible.curves_alt(history)


def test_sheet_lays_thumbnails_out_in_rows_of_16_and_is_named_by_content(tmp_path):
    x = np.zeros((40, 28, 28), dtype=np.uint8)
    for i in range(40):
        x[i, 0, 0] = i + 1  # a pixel that says which image it is
    picked = [39, 3, 17] + list(range(20))  # 23 thumbnails: two rows
    path = write_sheet(x, picked, tmp_path)
    assert re.fullmatch(r"sheet-[0-9a-f]{12}\.png", path.name)
    with Image.open(path) as im:
        sheet = np.asarray(im)
    assert sheet.shape == (2 * 28, SHEET_COLUMNS * 28)
    for n, i in enumerate(picked):  # the n-th thumbnail at column n % 16, row n // 16
        assert sheet[(n // SHEET_COLUMNS) * 28, (n % SHEET_COLUMNS) * 28] == i + 1
    assert sheet[28, 7 * 28:].max() == 0  # unused cells stay background
    assert write_sheet(x, picked, tmp_path) == path  # the same content, the same name
    assert write_sheet(x, picked[::-1], tmp_path) != path
    assert write_sheet(x, [], tmp_path / "none") is None and not (tmp_path / "none").exists()
    # the page's props place each group of a sheet one after another
    props = sheet_props("/a/sheet-x.png", [["a"] * 10, [], ["b"] * 13])
    assert [p["first"] for p in props] == [0, 10, 10] and {p["rows"] for p in props} == {2}
    assert sheet_props(None, [["a"]]) == [None]


def test_chart_size_is_half_the_png(tmp_path):
    Image.new("RGB", (1261, 800)).save(tmp_path / "c.png")
    assert chart_size(tmp_path / "c.png") == (630, 400)


def test_robustness_text_equivalents():
    from reportgen.records import CorruptionAccuracy, Robustness, RobustnessChange

    rob = Robustness("ab" * 32, 0, 0.982, [CorruptionAccuracy("fog", "fog", "haze", 0.385),
                                           CorruptionAccuracy("shear", "shear", "sheared", 0.969),
                                           CorruptionAccuracy("shot_noise", "shot noise",
                                                              "noise", 0.9819)])
    assert accessible.robustness_alt(rob) == (
        "Bar chart of test accuracy under 3 corruptions against 98.2% clean: lowest fog "
        "38.5%, highest shot noise 98.2%.")
    t = accessible.robustness_table(rob)
    assert t.header[:3] == ["Corruption", "Accuracy", "Change (points)"]
    assert t.rows[0][:2] == ["clean", "98.2%"] and t.rows[1][:3] == ["fog", "38.5%", "-59.7"]
    assert t.rows[3][2] == "0.0"  # 0.01 points less rounds to nothing, not to "-0.0"
    items = accessible.robustness_items(rob)
    assert [i["alt"] for i in items] == ["test image 0, clean", "test image 0 under fog",
                                         "test image 0 under shear",
                                         "test image 0 under shot noise"]
    assert items[1]["caption"] == "fog\n38.5%"
    ch = accessible.robustness_change_table([RobustnessChange("fog", "fog", 0.3, 0.385),
                                             RobustnessChange("shear", "shear", 0.97, 0.9699)])
    assert ch.rows == [["fog", "30.0%", "38.5%", "+8.5"], ["shear", "97.0%", "97.0%", "0.0"]]


def test_a_metrics_record_of_reportgen_0_4_still_renders():
    """Records written before the dataset record named the class "digit": a ``render``
    right after an upgrade reads them (no traceback)."""
    old = [{"digit": 0, "precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}]
    assert accessible.metrics_table(old, BUILTIN_INFO).rows[0][0] == "0"
