import numpy as np
import pytest
from PIL import Image

from reportgen.gallery import parse_wrong_prediction_name, write_gallery, wrong_prediction_name
from reportgen.metrics import confusion_matrix, evaluate_probabilities, per_class_metrics
from tests.helpers import fake_probs


def url_of(path):
    return f"/x/{path.name}"


def test_names_round_trip():
    assert wrong_prediction_name(3, 18, 8) == "3-0018-8.png"
    assert parse_wrong_prediction_name("3-0018-8.png") == (3, 18, 8)
    assert parse_wrong_prediction_name("3-9999-1.png") == (3, 9999, 1)
    assert parse_wrong_prediction_name("notes.png") is None


def test_gallery_files_match_predictions(tmp_path, arrays):
    _, _, x, y = arrays
    wrong = {0: (int(y[0]) + 1) % 10, 5: (int(y[5]) + 3) % 10}
    g, written = write_gallery(x, y, fake_probs(y, wrong), tmp_path, url_of, epochs=2)
    assert g.wrong_count == 2 and sum(g.per_class) == 2
    expected = {wrong_prediction_name(y[i], i, p) for i, p in wrong.items()}
    assert {n for v in g.files.values() for n in v} == expected
    for i, p in wrong.items():
        path = tmp_path / "wrong-predictions" / str(y[i]) / wrong_prediction_name(y[i], i, p)
        with Image.open(path) as im:
            np.testing.assert_array_equal(np.asarray(im), x[i])
    cm = np.array(g.confusion)
    assert cm.sum() == len(y) and np.trace(cm) == len(y) - 2
    assert g.confusion_png == "/x/mnist-test-2-90.00.png"
    assert g.confusion_normalized_png == "/x/mnist-test-2-90.00-normalized.png"
    assert g.train_confusion_png is None  # no train probabilities given
    cms = [tmp_path / "confusion-matrices" / f"mnist-test-2-90.00{v}.png"
           for v in ("", "-dark", "-normalized", "-normalized-dark")]
    assert sorted(written) == sorted([*(tmp_path / "wrong-predictions").rglob("*.png"), *cms])
    for cm_path in cms:
        with Image.open(cm_path) as im:
            assert im.width > 300
    # the dark variant is drawn on Docusaurus' dark background, the light one on white
    with Image.open(cms[0]) as light, Image.open(cms[1]) as dark:
        assert light.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
        assert dark.convert("RGB").getpixel((0, 0)) == (0x1b, 0x1b, 0x1d)


def test_unknown_epochs_are_named_so(tmp_path, arrays):
    _, _, x, y = arrays
    g, _ = write_gallery(x, y, fake_probs(y, {}), tmp_path, url_of, epochs=None)
    assert g.confusion_png == "/x/mnist-test-unknown-100.00.png"


def test_confusion_matrix_rows_true_columns_predicted():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    m = per_class_metrics(cm)
    assert m[1]["precision"] == pytest.approx(1 / 3) and m[1]["recall"] == 1.0
    assert m[0]["precision"] == 1.0 and m[0]["recall"] == 0.5
    assert m[0]["f1"] == pytest.approx(2 / 3) and m[2]["f1"] == 0.0


def test_evaluate_probabilities_by_hand():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]], dtype=np.float32)
    loss, acc, wrong = evaluate_probabilities(probs, np.array([0, 1, 1]))
    assert wrong == 1 and acc == pytest.approx(2 / 3)
    assert loss == pytest.approx(-(np.log(0.9) + np.log(0.6) + np.log(0.3)) / 3, rel=1e-6)


def test_mismatched_probabilities_rejected(tmp_path, arrays):
    _, _, x, y = arrays
    with pytest.raises(ValueError, match="do not fit"):
        write_gallery(x, y, np.zeros((3, 10)), tmp_path, url_of, epochs=1)
