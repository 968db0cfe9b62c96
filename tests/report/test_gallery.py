import numpy as np
import pytest
from PIL import Image

from reportgen.data.card import BUILTIN_INFO
from reportgen.report.assets import parse_thumbnail_name, thumbnail_name
from reportgen.report.charts.gallery import write_gallery
from tests.helpers import fake_probs


def url_of(path):
    return f"/x/{path.name}"


def test_names_round_trip():
    assert thumbnail_name(3, 18, 8) == "3-0018-8.png"
    assert parse_thumbnail_name("3-0018-8.png") == (3, 18, 8)
    assert parse_thumbnail_name("3-9999-1.png") == (3, 9999, 1)
    assert parse_thumbnail_name("notes.png") is None


def test_gallery_files_match_predictions(tmp_path, arrays):
    _, _, x, y = arrays
    wrong = {0: (int(y[0]) + 1) % 10, 5: (int(y[5]) + 3) % 10}
    g, written = write_gallery(x, y, fake_probs(y, wrong), tmp_path, url_of, epochs=2, info=BUILTIN_INFO)
    assert g.wrong_count == 2 and sum(g.per_class) == 2
    expected = {thumbnail_name(y[i], i, p) for i, p in wrong.items()}
    assert {n for v in g.files.values() for n in v} == expected
    for i, p in wrong.items():
        path = tmp_path / "wrong-predictions" / str(y[i]) / thumbnail_name(y[i], i, p)
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
    g, _ = write_gallery(x, y, fake_probs(y, {}), tmp_path, url_of, epochs=None, info=BUILTIN_INFO)
    assert g.confusion_png == "/x/mnist-test-unknown-100.00.png"


def test_mismatched_probabilities_rejected(tmp_path, arrays):
    _, _, x, y = arrays
    with pytest.raises(ValueError, match="do not fit"):
        write_gallery(x, y, np.zeros((3, 10)), tmp_path, url_of, epochs=1, info=BUILTIN_INFO)
