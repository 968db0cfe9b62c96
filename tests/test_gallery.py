import numpy as np
import pytest
from PIL import Image

from reportgen.gallery import (
    list_gallery,
    parse_wrong_prediction_name,
    write_gallery,
    wrong_prediction_name,
)
from reportgen.plotting import confusion_matrix, per_class_metrics


def test_names_round_trip():
    assert wrong_prediction_name(3, 18, 8) == "3-0018-8.png"
    assert parse_wrong_prediction_name("3-0018-8.png") == (3, 18, 8)
    assert parse_wrong_prediction_name("3-9999-1.png") == (3, 9999, 1)
    assert parse_wrong_prediction_name("notes.png") is None


def fake_probs(y, wrong: dict[int, int]):
    probs = np.full((len(y), 10), 0.01, dtype=np.float32)
    probs[np.arange(len(y)), y] = 0.91
    for i, p in wrong.items():
        probs[i] = 0.01
        probs[i, p] = 0.91
    return probs


def test_gallery_files_match_predictions(tmp_path, arrays):
    _, _, x, y = arrays
    wrong = {0: (int(y[0]) + 1) % 10, 5: (int(y[5]) + 3) % 10}
    g = write_gallery(x, y, fake_probs(y, wrong), tmp_path, epochs=2, accuracy=0.9)
    assert g.wrong_count == 2 and sum(g.per_class) == 2
    expected = {wrong_prediction_name(y[i], i, p) for i, p in wrong.items()}
    assert {n for v in g.files.values() for n in v} == expected
    for i, p in wrong.items():
        path = tmp_path / "wrong-predictions" / str(y[i]) / wrong_prediction_name(y[i], i, p)
        with Image.open(path) as im:
            np.testing.assert_array_equal(np.asarray(im), x[i])
    assert g.confusion.sum() == len(y) and np.trace(g.confusion) == len(y) - 2
    assert g.confusion_png.name == "mnist-test-2-90.00.png"
    with Image.open(g.confusion_png) as im:
        assert im.width > 300


def test_new_model_replaces_old_gallery_but_not_foreign_files(tmp_path, arrays):
    _, _, x, y = arrays
    write_gallery(x, y, fake_probs(y, {0: (int(y[0]) + 1) % 10}), tmp_path, epochs=1,
                  accuracy=0.95)
    foreign = tmp_path / "wrong-predictions" / str(y[0]) / "README.txt"
    foreign.write_text("mine")
    g = write_gallery(x, y, fake_probs(y, {3: (int(y[3]) + 1) % 10}), tmp_path, epochs=2,
                      accuracy=0.95)
    on_disk = {n for v in list_gallery(tmp_path).values() for n in v}
    assert on_disk == {wrong_prediction_name(y[3], 3, (int(y[3]) + 1) % 10)}
    assert foreign.read_text() == "mine"
    assert [p.name for p in (tmp_path / "confusion-matrices").iterdir()] == [g.confusion_png.name]


def test_confusion_matrix_rows_true_columns_predicted():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    m = per_class_metrics(cm)
    assert m[1]["precision"] == pytest.approx(1 / 3) and m[1]["recall"] == 1.0
    assert m[0]["precision"] == 1.0 and m[0]["recall"] == 0.5
    assert m[0]["f1"] == pytest.approx(2 / 3) and m[2]["f1"] == 0.0


def test_mismatched_probabilities_rejected(tmp_path, arrays):
    _, _, x, y = arrays
    with pytest.raises(ValueError, match="do not fit"):
        write_gallery(x, y, np.zeros((3, 10)), tmp_path, epochs=1, accuracy=0.5)
