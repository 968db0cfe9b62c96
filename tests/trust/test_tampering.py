"""An edited manifest (a pull request may change it): a result of the wrong shape reruns
the stage, a URL in a result cannot inject markdown; FIFOs are never opened."""

import json
import os

import pytest

from reportgen import stages
from reportgen.cli import app
from reportgen.dataset import load_dataset
from reportgen.errors import DatasetError
from reportgen.manifest import MANIFEST, Manifest
from reportgen.options import Options
from reportgen.render import url_path
from tests.helpers import one_line_error


def test_result_of_the_wrong_shape_reruns_the_stage(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    opts = Options(dataset=npz_path, site_dir=tmp_path / "site", sample_per_class=1)
    site = Manifest(opts.site_dir)
    stages.sample_stage(ds, opts, site)
    site.save()
    data = json.loads((opts.site_dir / MANIFEST).read_text())
    data["stages"]["sample"]["result"] = {"train": {"0": 5}}  # same key, bad shape
    (opts.site_dir / MANIFEST).write_text(json.dumps(data))
    again = Manifest(opts.site_dir)
    sample = stages.sample_stage(ds, opts, again)
    assert "sample" in again.ran and sample["train"]["0"] and sample["test"]["9"]


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
