import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from reportgen.cli import app
from reportgen.data.dataset import load_dataset
from reportgen.data.images import collect_images, label_of, load_ink, mnist_normalize
from reportgen.errors import ImageError
from reportgen.models.predict import accuracy, predict_files
from reportgen.models.train import train_model
from tests.conftest import EMBEDDED
from tests.handwriting import digit_set, draw_digit


def centre_of_mass(a):
    ys, xs = np.indices(a.shape)
    return (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()


def box(a):
    rows, cols = np.flatnonzero((a > 50).any(1)), np.flatnonzero((a > 50).any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def save(tmp_path, name, img):
    p = tmp_path / name
    img.save(p)
    return p


def test_off_centre_digit_is_boxed_and_centred(tmp_path):
    img = Image.new("L", (300, 200), 255)
    img.paste(0, (230, 10, 250, 90))  # a "1" in the top-right corner, dark on light
    out = mnist_normalize(load_ink(save(tmp_path, "1.png", img)))
    assert out.shape == (28, 28) and out.dtype == np.uint8 and out.max() == 255
    cy, cx = centre_of_mass(out.astype(float))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    h, w = box(out)
    assert h == 20 and w <= 6  # long side scaled to 20, aspect ratio kept


def test_inverted_ink_gives_the_same_digit(tmp_path):
    dark = draw_digit(3, seed=5)
    light = Image.eval(dark, lambda v: 255 - v)
    a = mnist_normalize(load_ink(save(tmp_path, "dark.png", dark)))
    b = mnist_normalize(load_ink(save(tmp_path, "light.png", light)))
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_rgba_transparent_background_is_paper(tmp_path):
    rgba = Image.new("RGBA", (120, 120), (0, 0, 0, 0))  # transparent *black* paper
    rgba.paste((20, 20, 200, 255), (50, 20, 66, 100))  # opaque blue stroke
    out = mnist_normalize(load_ink(save(tmp_path, "7.png", rgba)))
    assert out.max() == 255 and out[0].max() == 0 and box(out)[0] == 20
    rgb = save(tmp_path, "rgb.jpg", draw_digit(5, 2).convert("RGB"))
    assert mnist_normalize(load_ink(rgb)).max() == 255


def test_tiny_and_huge_images(tmp_path):
    tiny = Image.new("L", (8, 8), 255)
    tiny.paste(0, (3, 1, 5, 7))
    out = mnist_normalize(load_ink(save(tmp_path, "tiny.png", tiny)))
    assert box(out)[0] == 20
    huge = draw_digit(8, 3, size=(3000, 2500))
    out = mnist_normalize(load_ink(save(tmp_path, "huge.png", huge)))
    assert box(out)[0] == 20


def test_bad_inputs_have_one_line_errors(tmp_path, monkeypatch):
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ImageError, match="notes.png: not an image"):
        load_ink(tmp_path / "notes.png")
    good = save(tmp_path, "good.png", draw_digit(2, 1))
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:120])
    with pytest.raises(ImageError, match="cut.png: truncated or corrupt"):
        load_ink(tmp_path / "cut.png")
    blank = save(tmp_path, "blank.png", Image.new("L", (50, 50), 255))
    with pytest.raises(ImageError, match="blank.png: blank image"):
        load_ink(blank)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    big = save(tmp_path, "big.png", Image.new("L", (100, 100), 255))
    with pytest.raises(ImageError, match="big.png: image too large"):
        load_ink(big)
    (tmp_path / "empty").mkdir()
    files, problems = collect_images([tmp_path / "empty", tmp_path / "gone.png"])
    assert files == [] and len(problems) == 2 and "holds no images" in problems[0]


def test_labels_from_stem_or_folder(tmp_path):
    assert label_of(tmp_path / "7.png") == 7
    assert label_of(tmp_path / "3" / "scan.png") == 3
    assert label_of(tmp_path / "scan.png") is None
    # a class folder's files named by number: the folder says the class (a regression:
    # 3/000.png was read as class 0 and 3/007.png as class 7)
    assert label_of(tmp_path / "3" / "000.png") == 3
    assert label_of(tmp_path / "3" / "007.png") == 3
    assert label_of(tmp_path / "3" / "7.png") == 3
    assert label_of(tmp_path / "custom" / "007.png") is None
    assert label_of(tmp_path / "custom" / "12.png") is None  # MNIST has 10 classes


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tests.conftest import make_arrays, write_npz

    base = tmp_path_factory.mktemp("model")
    ds = load_dataset(write_npz(base / "t.npz", make_arrays(4, 2)))
    return train_model(ds, base / "models", epochs=1).model_path


@pytest.mark.slow
def test_cli_predicts_good_files_and_reports_bad_ones(tmp_path, tiny_model, runner):
    good = save(tmp_path, "4.png", draw_digit(4, 1))
    (tmp_path / "junk.png").write_text("junk")
    blank = save(tmp_path, "blank.png", Image.new("L", (40, 40), 255))
    args = ["predict", str(good), str(tmp_path / "junk.png"), str(blank), "--model",
            str(tiny_model)]
    res = runner.invoke(app, args + ["--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [p["error"] is None for p in data["predictions"]] == [True, False, False]
    p = data["predictions"][0]
    assert p["label"] == 4 and 0 <= p["predicted"] <= 9 and p["runner_up"] != p["predicted"]
    assert "junk.png: not an image" in res.stderr and "blank.png: blank image" in res.stderr
    assert runner.invoke(app, args + ["--strict"]).exit_code == 1
    res = runner.invoke(app, ["predict", str(tmp_path / "junk.png"), "--model", str(tiny_model)])
    assert res.exit_code == 1 and "no image could be predicted" in res.stderr
    res = runner.invoke(app, ["predict", str(good), "--model", str(tiny_model)])
    assert res.exit_code == 0 and "4.png" in res.stdout and "Accuracy: " in res.stdout


@pytest.mark.slow
@pytest.mark.integration
def test_mnist_preprocessing_beats_naive_resizing(tmp_path):
    """60 drawn digits (6 per class, not MNIST) with a 2-epoch MNIST model."""
    ds = load_dataset(EMBEDDED)
    model = train_model(ds, tmp_path / "models", epochs=2).model_path
    for k, (digit, img) in enumerate(digit_set(6)):
        (tmp_path / "set" / str(digit)).mkdir(parents=True, exist_ok=True)
        img.save(tmp_path / "set" / str(digit) / f"{k:03d}.png")
    centred, _ = predict_files(model, [tmp_path / "set"])
    naive, _ = predict_files(model, [tmp_path / "set"], naive=True)
    (c, n), (cn, nn) = accuracy(centred), accuracy(naive)
    assert n == nn == 60
    assert c / n >= 0.9, f"centred {c}/{n}"
    assert c - cn >= 20, f"centred {c}/60 vs naive {cn}/60"
    samples, _ = predict_files(model, [EMBEDDED.parent.parent / "test"])  # data/test
    assert accuracy(samples)[1] == 10 and accuracy(samples)[0] >= 9


def test_images_far_from_mnist_style_are_noted(tmp_path):
    """A digit under MNIST's 20 px box, and strokes that leave their box mostly empty, are
    noted; a digit drawn like MNIST's is not."""
    from reportgen.data.images import style_notes
    from reportgen.models.predict import preprocess_files

    small = Image.new("L", (40, 40), 255)
    ImageDraw.Draw(small).line([(15, 12), (15, 26)], fill=0, width=3)  # 15 px tall
    thin = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(thin).ellipse([50, 20, 350, 380], outline=0, width=2)  # a thin 0
    files = [save(tmp_path, "1.png", small), save(tmp_path, "0.png", thin),
             save(tmp_path, "7.png", draw_digit(7, seed=100))]
    _, preds = preprocess_files(files)
    assert [len(p.style) for p in preds] == [1, 1, 0]
    assert preds[0].style[0].startswith("low resolution: the digit spans 15 px")
    assert preds[1].style[0].startswith("mostly empty: ink covers 2% of its box")
    d = np.load(EMBEDDED)
    mnist = [style_notes(x.astype(np.float32) / 255) for x in d["x_test"][:500]]
    assert not any(mnist)  # MNIST's own digits are MNIST-like


def test_low_confidence_answers_are_flagged():
    from reportgen.models.predict import LOW_CONFIDENCE, Prediction, fill_predictions

    preds = [Prediction(path=Path("a.png"), label=3), Prediction(path=Path("b.png")),
             Prediction(path=Path("c.png"), error="c.png: no such file")]
    sure, unsure = np.full(10, 0.01), np.full(10, 0.05)
    sure[3], unsure[5] = 0.91, 0.55
    fill_predictions(preds, np.stack([sure, unsure]))
    assert [p.low_confidence for p in preds] == [False, True, None]
    assert preds[1].probability < LOW_CONFIDENCE <= preds[0].probability
    js = preds[1].to_json()
    assert js["low_confidence"] is True and js["style_notes"] == []


def test_thin_strokes_are_thickened_to_mnists_width(tmp_path):
    """A fine pen scanned large leaves a 1 px stroke at 20 px; MNIST's are thicker
    (data.images.MIN_STROKE). MNIST's own digits stay as they are."""
    from reportgen.data.images import MIN_STROKE, stroke_width

    thin = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(thin).ellipse([80, 20, 320, 380], outline=0, width=3)
    out = mnist_normalize(load_ink(save(tmp_path, "0.png", thin)))
    assert stroke_width(out) >= MIN_STROKE and box(out)[0] >= 19
    cy, cx = centre_of_mass(out.astype(float))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    assert out[14, 14] == 0  # still a ring, not a blob
    bold = draw_digit(0, seed=4)  # strokes already MNIST's width: thickened no further
    assert stroke_width(mnist_normalize(load_ink(save(tmp_path, "b.png", bold)))) < 4


def test_paper_noise_is_not_ink(tmp_path):
    """Grey, grainy paper (a phone photo): the digit's box is found and the paper around
    it is 0, as MNIST's background is."""
    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(200, 6, (200, 200)), 0, 255)
    paper[40:160, 95:108] = 40  # a "1"
    out = mnist_normalize(load_ink(save(tmp_path, "1.png", Image.fromarray(
        paper.astype(np.uint8)))))
    assert box(out)[0] == 20
    assert (out[:, :8] <= 40).all() and (out[:, 20:] <= 40).all()


def test_a_shadow_across_the_paper_is_not_ink(tmp_path):
    """A phone photo's shadow: paper from white to half grey across the image. The shade is
    paper (its level fit to the border), so the box is the digit's and the shadowed half
    holds no ink; a paper without shade keeps the border's median."""
    from reportgen.data.images import paper_level

    h, w = 180, 220
    shade = 1 - 0.5 * np.linspace(0, 1, w)[None, :] * np.linspace(0.5, 1, h)[:, None]
    page = np.full((h, w), 250.0)
    page[40:140, 60:72] = 20  # a "1", left of the darkest corner
    photo = Image.fromarray(np.clip(page * shade, 0, 255).astype(np.uint8))
    ink = load_ink(save(tmp_path, "1.png", photo))
    assert ink[:, 100:].max() < 0.02  # the shaded half holds no ink (uint8 rounding only)
    out = mnist_normalize(ink)
    assert box(out)[0] == 20 and box(out)[1] <= 5  # a tall, thin box: the "1" alone
    level, grain = paper_level(np.full((50, 60), 0.2, dtype=np.float32))
    assert level == pytest.approx(0.2) and grain == 0.0
