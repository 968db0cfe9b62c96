"""An edited manifest (a pull request may change it): a result of the wrong shape reruns
the stage, a URL in a result cannot inject markdown; FIFOs are never opened."""

import json
import os

import pytest

from reportgen.cli import app
from reportgen.data.dataset import load_dataset
from reportgen.engine.manifest import MANIFEST
from reportgen.errors import DatasetError
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.report.stages import STAGE
from reportgen.report.view.render import url_path
from tests.helpers import fake_run, one_line_error

SAMPLE = STAGE["sample"]
SAMPLE = STAGE["sample"]



@pytest.mark.parametrize("bad", [
    {"per_class": 1, "seed": 0, "files": {"train": {"0": 5}}},  # a number for a list
    {"per_class": "1", "seed": 0, "files": {}},  # a string for an int
    {"per_class": True, "seed": 0, "files": {}},  # a bool for an int
    [1, 2],
])
def test_result_of_the_wrong_shape_reruns_the_stage(tmp_path, npz_path, bad):
    opts = Options(dataset=npz_path, site_dir=tmp_path / "site", sample_per_class=1,
                   models_dir=tmp_path / "models")
    run_stages(fake_run(opts), (SAMPLE,))
    data = json.loads((opts.site_dir / MANIFEST).read_text())
    data["stages"]["sample"]["result"] = bad  # same key, bad shape
    (opts.site_dir / MANIFEST).write_text(json.dumps(data))
    again = fake_run(opts)
    run_stages(again, (SAMPLE,))
    sample = again.results["sample"]
    assert "sample" in again.site.ran and sample.files["train"]["0"] and sample.files["test"]["9"]


def test_url_from_a_manifest_cannot_break_out_of_the_link():
    evil = '/a.png)\n\nexport const x = 1\n\n![(x'
    safe = url_path(evil)
    assert "\n" not in safe and ")" not in safe and " " not in safe
    assert url_path("/assets/datasets/mnist/class-counts.png") == (
        "/assets/datasets/mnist/class-counts.png")


def test_render_with_a_malformed_record_is_one_line(tmp_path, npz_path, runner):
    site = tmp_path / "site"
    site.mkdir()
    (site / MANIFEST).write_text(json.dumps({"stages": {
        name: {"key": "k", "files": [], "result": 5} for name in ("sample", "train", "gallery")}}))
    res = runner.invoke(app, ["render", "--dataset", str(npz_path), "--site-dir", str(site)])
    one_line_error(res, "is malformed; run `reportgen site-assets`")


def test_fifo_dataset_and_log_file_are_refused(tmp_path, npz_path, runner):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match="not a regular file"):
        load_dataset(fifo)
    res = runner.invoke(app, ["site-assets", "--dataset", str(npz_path), "--log-file", str(fifo),
                              "--site-dir", str(tmp_path / "s")])
    one_line_error(res, "--log-file", "not a regular file")
