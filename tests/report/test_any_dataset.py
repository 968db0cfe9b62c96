"""The dataset is data: a dataset that is not the embedded one (another image size, grey or
RGB, another number of classes) goes through the stages and onto the page with its own
shape, classes and words, with no word of the embedded dataset's (TensorFlow-free: the
model is a fake with cached probabilities)."""

import re
from pathlib import Path

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


def test_many_classes_condense_the_matrix_and_name_every_class(tmp_path):
    """25 named classes: the page's matrix shows the 20 with the most mistakes and one
    "all other classes" row, links the whole matrix as CSV, and names classes, not
    numbers, in the matrix and the most confused pairs."""
    k = 25
    data = _dataset(tmp_path / "many.npz", (10, 10), k, n=3)
    (tmp_path / "classes.txt").write_text("".join(f"kind {i}/x\n" for i in range(k)))
    from reportgen.data.sources import DatasetSource, open_dataset

    ds = open_dataset(DatasetSource(data))
    assert ds.info.classes[24] == "kind 24/x"
    opts = Options(dataset=data, site_dir=tmp_path / "site", models_dir=tmp_path / "models",
                   export_dir=tmp_path / "export", log_file=tmp_path / "tune.log",
                   sample_per_class=1, assets_url="/assets/datasets/many")
    run = fake_run(opts, wrong={3: 2, 7: 1})
    run.__dict__["ds"] = ds
    run.results["model_figures"] = ModelFigures()
    run_stages(run, (*(S.STAGE[n] for n in PLAN), *S.PAGE_STAGES))
    g = run.results["gallery"]
    csv = opts.site_dir / "static" / g.confusion_csv.lstrip("/")
    lines = csv.read_text().splitlines()
    assert len(lines) == k + 1 and lines[0].split(",")[1:3] == ["kind 0/x", "kind 1/x"]
    mdx = run.page.read_text()
    props = re.search(r'id=\{"confusion-test"\}.*?counts=\{(\[\[.*?\]\])\}\s*classes=\{(\[.*?\])\}'
                      r'\s*labels=\{(\[.*?\])\}', mdx, re.S)
    assert props, "the condensed matrix's props"
    import json

    counts, classes, labels = (json.loads(props[i]) for i in (1, 2, 3))
    assert len(counts) == len(classes) == len(labels) == 21
    assert classes[-1] == "all other classes" and labels[-1] is None
    assert sum(map(sum, counts)) == sum(map(sum, g.confusion))
    off = [sum(r) - r[i] + sum(row[i] for row in g.confusion) - r[i]
           for i, r in enumerate(g.confusion)]
    assert min(off[x] for x in labels[:-1]) >= max(
        off[x] for x in range(k) if x not in labels)  # the 20 with the most mistakes
    assert re.search(r"<td>kind \d+/x</td><td>kind \d+/x</td>.*read as kind \d+/x</a>", mdx)
    assert g.confusion_csv.rsplit("/", 1)[1] in mdx


@pytest.mark.parametrize("shape", [(8, 8), (32, 32, 3)], ids=["grey-8x8", "rgb-32x32"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_the_builders_take_any_image_size(shape, kind):
    """An 8x8 grey and a 32x32 RGB model of both kinds build, take the dataset's images and
    give one probability per class; the CNN never pools below 1 px."""
    from reportgen.data.dataset import infer_info
    from reportgen.models.kinds import KINDS

    info = infer_info(shape, 7, "tiny")
    model = KINDS[kind].builder(info)
    x = np.zeros((2, *shape), np.uint8)
    assert model.predict(x, verbose=0).shape == (2, 7)
    assert all(min(layer.output.shape[1:3]) >= 1 for layer in model.layers
               if "pool" in layer.name)


def test_many_classes_keep_the_readers_budget(tmp_path):
    """100 classes: the sample grids show 1 image per class per split (120 in all at
    most) and the gallery's rows each class's 3 most confident mistakes (300 in all at
    most), while every mistake keeps its PNG for the matrix's cells."""
    from reportgen.data.dataset import infer_info
    from reportgen.report.assets import sample_per_class, wrong_shown
    from reportgen.report.charts.gallery import write_gallery

    assert sample_per_class(12, 10) == 12 and sample_per_class(12, 100) == 1
    assert sample_per_class(12, 1000) == 1 and sample_per_class(3, 20) == 3
    assert wrong_shown(151, 10) is None and wrong_shown(400, 100) == 3
    k, n = 100, 1000
    info = infer_info((8, 8), k, "many")
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(k), n // k).astype(np.uint8)
    probs = rng.dirichlet(np.ones(k), n).astype(np.float32)
    x = rng.integers(0, 256, (n, 8, 8), dtype=np.uint8)
    g, written = write_gallery(x, y, probs, tmp_path, lambda p: "/" + p.name, epochs=1,
                               info=info)
    assert g.wrong_count > 300 and g.shown_per_class == 3
    assert sum(len(v) for v in g.files.values()) == g.wrong_count
    sheet = next(p for p in written if p.name.startswith("sheet-"))
    with Image.open(sheet) as im:
        rows = im.size[1] // 8
    assert rows == -(-sum(min(3, len(v)) for v in g.files.values()) // 16)


def test_a_folder_dataset_exports_into_its_own_default_export_folder(tmp_path):
    """With the default --export-dir, a page other than the default one exports into
    ``export-<page>`` beside it (one export folder holds one dataset). The run's writes
    are confined to the folders it resolves, so that folder is allowed, and the default
    one (the embedded dataset's) is left alone. It had been refused ("leads outside the
    site or export dir") for every dataset but the embedded one."""
    from reportgen import pipeline

    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for name in ("cat", "dog"):
            folder = tmp_path / "pets" / split / name
            folder.mkdir(parents=True)
            for i in range(3):
                Image.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(
                    folder / f"{i}.png")
    opts = Options(dataset=tmp_path / "pets", site_dir=tmp_path / "site", sample_per_class=1)
    assert opts.export_dir == Options.export_dir  # the default
    ex, sample = pipeline.export(opts)
    page_export = Path(Options.export_dir).with_name(f"{Path(Options.export_dir).name}-pets")
    assert sorted(p.name for p in (page_export / "test").iterdir()) == ["0", "1"]
    assert not Path(Options.export_dir).exists() and sample is not None
