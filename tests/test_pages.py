"""Several pages in one site: page names and assets folders, reportgen.toml, and a second
page beside the embedded MNIST's (options, config, report.assets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import pages_options, read_config
from reportgen.data.card import BUILTIN_INFO
from reportgen.data.sources import DatasetSource, open_dataset
from reportgen.errors import OptionsError
from reportgen.options import Options, resolve_page
from reportgen.report.assets import manifest_name, page_file, site_pages
from tests.data.test_sources import make_folder


def test_page_names_and_assets_folders(tmp_path):
    mnist = resolve_page(Options(), BUILTIN_INFO)
    assert (mnist.page, mnist.assets_url) == ("glassy", "/assets/datasets/mnist")
    cnn = resolve_page(Options(page="glassy-cnn"), BUILTIN_INFO)
    assert (cnn.page, cnn.assets_url) == ("glassy-cnn", "/assets/datasets/glassy-cnn")
    info = open_dataset(DatasetSource(make_folder(tmp_path / "Shoe Box"))).info
    other = resolve_page(Options(), info)
    assert (other.page, other.assets_url) == ("shoe-box", "/assets/datasets/shoe-box")
    given = resolve_page(Options(assets_url="/img/shoes"), info)
    assert given.assets_url == "/img/shoes"
    assert page_file(Path("s"), None, "shoe-box") == Path("s/docs/image-classification/shoe-box.mdx")
    assert manifest_name() == ".reportgen-manifest.json"
    assert manifest_name("shoe-box") == ".reportgen-manifest.shoe-box.json"
    with pytest.raises(OptionsError, match="--page 'Bad Name'"):
        Options(page="Bad Name").validated()


def test_site_pages_are_the_manifests(tmp_path):
    for name in (".reportgen-manifest.json", ".reportgen-manifest.b.json",
                 ".reportgen-manifest.Bad!.json", "other.json"):
        (tmp_path / name).write_text("{}")
    assert site_pages(tmp_path) == ["b", "glassy"]


def test_reportgen_toml_lists_pages_and_the_command_line_wins(tmp_path):
    (tmp_path / "names.txt").write_text("a\nb\n")
    (tmp_path / "reportgen.toml").write_text(
        '[pages.glassy]\n[pages.glassy-cnn]\nmodel-kind = "cnn"\nepochs = 3\n'
        '[pages.shoes]\ndataset = "../data/shoes"\nclasses = "names.txt"\nmin-accuracy = 0.9\n'
        'custom = ["mine"]\n')
    config = read_config(tmp_path)
    assert list(config) == ["glassy", "glassy-cnn", "shoes"]
    assert config["shoes"]["dataset"] == tmp_path / "../data/shoes"
    assert config["shoes"]["classes"] == str(tmp_path / "names.txt")
    values = {"site_dir": tmp_path, "epochs": 5, "seed": 0, "page": None}
    opts = pages_options(tmp_path, values, given={"epochs"})
    assert [o.page for o in opts] == ["glassy", "glassy-cnn", "shoes"]
    assert [o.epochs for o in opts] == [5, 5, 5]  # given on the command line: it wins
    assert opts[1].model_kind == "cnn" and opts[2].conditions.min_accuracy == 0.9
    assert opts[2].custom_images == [tmp_path / "mine"]
    only = pages_options(tmp_path, values | {"epochs": None}, given=set(), page="glassy-cnn")
    assert [(o.page, o.epochs) for o in only] == [("glassy-cnn", 3)]


@pytest.mark.parametrize("text, message", [
    ("[pages.a]\nepoch = 3\n", "unknown option 'epoch'"),
    ("[pages.a]\nepochs = 'three'\n", "epochs has the wrong type"),
    ("title = 'x'\n", "expected one \\[pages.<name>\\] table per page"),
    ("[pages\n", "unreadable"),
])
def test_a_bad_reportgen_toml_is_one_line(tmp_path, text, message):
    (tmp_path / "reportgen.toml").write_text(text)
    with pytest.raises(OptionsError, match=message) as exc:
        read_config(tmp_path)
    assert "\n" not in str(exc.value) and "reportgen.toml" in str(exc.value)


def test_two_pages_in_one_site_keep_apart_and_audit_covers_both(tmp_path):
    """Two pages built in one site (fake models, no TensorFlow): each has its own page
    file, manifest, assets folder and records; a third page may not take an assets folder
    another owns; ``audit --page-only`` checks both pages' images. (``check`` over pages:
    the e2e test.)"""
    import numpy as np
    from typer.testing import CliRunner

    from reportgen.cli import app
    from reportgen.errors import SiteError
    from reportgen.pipeline import run_stages
    from reportgen.records import ModelFigures
    from reportgen.report import stages as S
    from reportgen.report.run import open_run, run_options
    from reportgen.report.site import save_site
    from tests.helpers import fake_run

    rng = np.random.default_rng(0)
    for name, shape, k in (("blobs", (12, 12), 3), ("tiles", (10, 10, 3), 4)):
        y = np.repeat(np.arange(k, dtype=np.uint8), 4)
        x = rng.integers(0, 256, (len(y), *shape), dtype=np.uint8)
        np.savez(tmp_path / f"{name}.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    site = tmp_path / "site"
    for name in ("blobs", "tiles"):
        ds = open_dataset(DatasetSource(tmp_path / f"{name}.npz"))
        opts = resolve_page(Options(dataset=tmp_path / f"{name}.npz", site_dir=site,
                                    models_dir=tmp_path / "models", sample_per_class=2,
                                    export_dir=tmp_path / "export", log_file=tmp_path / "l"),
                            ds.info)
        run = fake_run(opts)
        run.results["model_figures"] = ModelFigures()
        run.state.options = run_options(run.opts)
        run_stages(run, (*(S.STAGE[n] for n in ("sample", "gallery", "class_counts")),
                         *S.PAGE_STAGES))
        save_site(run.site, run.state)
    assert site_pages(site) == ["blobs", "tiles"]
    for name in ("blobs", "tiles"):
        assert (site / "docs" / "image-classification" / f"{name}.mdx").is_file()
        assert (site / "static" / "assets" / "datasets" / name / "summary.json").is_file()
        assert (site / manifest_name(name)).is_file()
    with pytest.raises(SiteError, match="belongs to the page 'blobs'"):
        open_run(Options(dataset=tmp_path / "tiles.npz", site_dir=site, page="other",
                         assets_url="/assets/datasets/blobs"))
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "--site-dir", str(site), "--page-only"])
    assert res.exit_code == 0, res.output
    (site / "static/assets/datasets/tiles/class-counts.png").unlink()
    res = runner.invoke(app, ["audit", "--site-dir", str(site), "--page-only"])
    assert res.exit_code == 1 and "datasets/tiles/class-counts.png" in res.output
