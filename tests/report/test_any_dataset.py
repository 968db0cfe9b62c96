"""The dataset is data: a dataset that is not the embedded one (another image size, grey or
RGB, another number of classes) goes through the stages and onto the page with its own
shape, classes and words, with no word of the embedded dataset's (TensorFlow-free: the
model is a fake with cached probabilities)."""

import re

import numpy as np
import pytest
from PIL import Image

from reportgen.data.dataset import load_dataset
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.records import ModelFigures
from reportgen.report import stages as S
from reportgen.report.page_audit import missing_references
from tests.helpers import fake_run

PLAN = ("sample", "gallery", "calibration", "label_errors", "class_counts")


def _dataset(path, shape, k, n=6):
    """``n`` train and ``n`` test images of each of ``k`` classes, of ``shape``, as .npz."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(k, dtype=np.uint8), n)
    x = rng.integers(0, 256, (len(y), *shape), dtype=np.uint8)
    np.savez(path, x_train=x, y_train=y, x_test=x[::-1].copy(), y_test=y[::-1].copy())
    return path


@pytest.mark.parametrize("shape, k", [((20, 16), 3), ((12, 12, 3), 4)],
                         ids=["grey-20x16-3-classes", "rgb-12x12-4-classes"])
def test_a_dataset_of_another_shape_and_classes_makes_its_own_page(tmp_path, shape, k):
    data = _dataset(tmp_path / "shapes.npz", shape, k)
    ds = load_dataset(data)
    assert (ds.info.name, ds.info.noun, ds.info.n_classes) == ("shapes", "class", k)
    assert ds.info.image_shape == shape
    opts = Options(dataset=data, site_dir=tmp_path / "site", models_dir=tmp_path / "models",
                   export_dir=tmp_path / "export", log_file=tmp_path / "tune.log",
                   sample_per_class=2, assets_url="/assets/datasets/shapes")
    run = fake_run(opts, wrong={0: 1})
    run.results["model_figures"] = ModelFigures()
    run_stages(run, (*(S.STAGE[n] for n in PLAN), *S.PAGE_STAGES))
    gallery = run.results["gallery"]
    assert np.array(gallery.confusion).shape == (k, k) and len(gallery.per_class) == k
    assert run.results["class_counts"].train == [6] * k
    # the sprite sheet holds 16 thumbnails a row of the dataset's own size and colour
    sheet = opts.assets_dir / run.results["sample"].sheets["test"].rsplit("/", 1)[1].join(
        ["test/", ""])
    with Image.open(sheet) as im:
        assert im.size == (16 * shape[1], shape[0] * -(-2 * k // 16))
        assert im.mode == ("RGB" if len(shape) == 3 else "L")
    mdx = run.page.read_text()
    assert "## shapes dataset" in mdx and "images per class of each split" in mdx
    assert not re.search(r"digit|MNIST", mdx.replace("classdigit", "")), \
        "the page speaks of the embedded dataset"
    assert '| {"Class"} | {"Training images"} | {"Test images"} |' in mdx
    assert missing_references(mdx, opts.site_dir) == []
    summary = (opts.assets_dir / "summary.json").read_text()
    assert f'"train_counts": [\n      {", ".join(["6"] * k)}' in summary.replace(
        ",\n      ", ", ")
