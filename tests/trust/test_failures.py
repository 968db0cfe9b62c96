"""Every failure is one line, a non-zero exit, nothing half-written; bounded resources;
quiet output."""

import gzip
import io
import json
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from reportgen.cli import app
from tests.helpers import one_line_error

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "reportgen", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line(proc, fragment, code=2):
    assert proc.returncode == code, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("argv,fragment", [
    (["site-assets", "--site-dir", "{file}"], "is a file, expected a folder"),
    (["site-assets", "--log-file", "{dir}"], "is a folder, expected a file"),
    (["train", "--models-dir", "{file}"], "is a file, expected a folder"),
    (["export", "--export-dir", "{file}"], "is a file, expected a folder"),
    (["train", "--seed", "4294967296"], "--seed"),
    (["site-assets", "--title", "   "], "--title is empty"),
])
def test_bad_paths_and_values_are_one_line(tmp_path, npz_path, runner, argv, fragment):
    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    argv = [a.format(file=tmp_path / "f", dir=tmp_path / "d") for a in argv]
    res = runner.invoke(app, [*argv, "--dataset", str(npz_path)])
    one_line_error(res, fragment)


def test_model_files_that_are_not_models(tmp_path, npz_path, runner):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really")
    res = runner.invoke(app, ["gallery", "--model", str(photo), "--dataset", str(npz_path),
                              "--site-dir", str(tmp_path / "s"), "--create"])
    one_line_error(res, "photo.jpg: not a Keras model file")
    truncated = tmp_path / "m.keras"
    truncated.write_bytes(b"PK\x03\x04 cut short")
    res = runner.invoke(app, ["gallery", "--model", str(truncated), "--dataset", str(npz_path),
                              "--site-dir", str(tmp_path / "s"), "--create"])
    one_line_error(res, "not a valid .keras file (truncated or corrupt)")


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(32, 32), (28, 28, 3)])  # (784,) is adapted
def test_model_with_another_input_shape_is_one_line(tmp_path, npz_path, runner, shape):
    from reportgen.models.kinds import quiet_tensorflow

    keras = quiet_tensorflow()
    inputs = keras.Input(shape=shape)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(
        keras.layers.Flatten()(inputs)))
    model.save(tmp_path / "other.keras")
    res = runner.invoke(app, ["gallery", "--model", str(tmp_path / "other.keras"), "--dataset",
                              str(npz_path), "--site-dir", str(tmp_path / "s"), "--create"])
    one_line_error(res, f"model takes input shape {shape}")


def test_predict_missing_file_is_one_line_exit_2(tmp_path, runner):
    res = runner.invoke(app, ["predict", str(tmp_path / "nope.png"), "--model",
                              str(tmp_path / "m.keras")])
    one_line_error(res, "nope.png: no such file or folder")


def test_predict_on_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    proc = cli("predict", fifo, "--model", tmp_path / "m.keras", timeout=60)
    assert proc.returncode != 0 and "not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def peak_rss_mb(code: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run reportgen in a child; its peak RSS in MB (RUSAGE_CHILDREN of a fresh helper)."""
    helper = ("import resource, subprocess, sys\n"
              "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "print(p.returncode); print(repr(p.stderr))\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    proc = subprocess.run([sys.executable, "-c", helper, sys.executable, "-m", "reportgen",
                           *code.split("\0")], capture_output=True, text=True, timeout=300)
    rc, err, rss = proc.stdout.strip().splitlines()
    return subprocess.CompletedProcess([], int(rc), "", eval(err)), int(rss) / 1024


def test_npy_header_claiming_a_billion_images(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False,
                                               "shape": (10**9, 28, 28)})
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x_train.npy", buf.getvalue() + bytes(3_000_000))
        for k, arr in (("y_train", np.zeros(10, np.uint8)), ("x_test", np.zeros((10, 28, 28), np.uint8)),
                       ("y_test", np.zeros(10, np.uint8))):
            b = io.BytesIO()
            np.save(b, arr)
            zf.writestr(f"{k}.npy", b.getvalue())
    proc, rss = peak_rss_mb(f"export\0--dataset\0{bomb}\0--export-dir\0{tmp_path / 'e'}\0--no-sample")
    assert_one_line(proc, "declares shape (1000000000, 28, 28)")
    assert rss < 400, f"peak RSS {rss:.0f} MB"


def test_gzip_idx_claiming_a_billion_images(tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    header = struct.pack(">IIII", 0x803, 10**9, 28, 28)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(header + bytes(50_000_000), compresslevel=9))
    for name, data in (("train-labels-idx1-ubyte", struct.pack(">II", 0x801, 1) + b"\0"),
                       ("t10k-images-idx3-ubyte", struct.pack(">IIII", 0x803, 1, 28, 28) + bytes(784)),
                       ("t10k-labels-idx1-ubyte", struct.pack(">II", 0x801, 1) + b"\0")):
        (folder / name).write_bytes(data)
    proc, rss = peak_rss_mb(f"export\0--dataset\0{folder}\0--export-dir\0{tmp_path / 'e'}\0--no-sample")
    assert_one_line(proc, "IDX header declares shape (1000000000, 28, 28)")
    assert rss < 400, f"peak RSS {rss:.0f} MB"


@pytest.fixture
def tmpfs(tmp_path):
    """Mount small tmpfs folders under tmp_path (root only); unmounted afterwards."""
    mounted = []

    def mount(name, size="64k", ro=False):
        path = tmp_path / name
        path.mkdir()
        opts = f"size={size}" + (",ro" if ro else "")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@ROOT_ONLY
def test_full_disk_in_the_export_dir(tmp_path, tmpfs):
    from tests.conftest import make_arrays, write_npz

    npz = write_npz(tmp_path / "mid.npz", make_arrays(600, 100))  # 7,000 PNGs, about 2 MB
    export = tmpfs("export", size="512k")
    proc = cli("export", "--dataset", npz, "--export-dir", export, "--no-sample", "-q")
    assert_one_line(proc, "No space left on device", code=1)
    assert not [p for p in export.rglob("*") if p.name.endswith(".tmp")]
    assert not [p for p in export.rglob("*.png") if p.stat().st_size == 0]


@ROOT_ONLY
def test_full_disk_in_the_site(tmp_path, npz_path, tmpfs):
    site = tmpfs("site", size="24k")
    proc = cli("export", "--dataset", npz_path, "--export-dir", tmp_path / "e", "--site-dir",
               site, "--sample-per-class", "3", "-q", "--create")
    assert_one_line(proc, "No space left on device", code=1)
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]


@ROOT_ONLY
def test_read_only_site(tmp_path, npz_path, tmpfs):
    site = tmpfs("site", ro=True)
    proc = cli("export", "--dataset", npz_path, "--export-dir", tmp_path / "e", "--site-dir",
               site, "-q", "--create")
    assert_one_line(proc, "Read-only file system", code=1)


def test_piped_output_is_not_hard_wrapped(tmp_path, npz_path):
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "export"
    proc = cli("export", "--dataset", npz_path, "--export-dir", deep, "--no-sample", "-q")
    assert proc.returncode == 0, proc.stderr
    assert f"50 PNGs in {deep} (50 written)" in proc.stdout.splitlines()


def test_stage_lines_have_no_source_suffix():
    from rich.console import Console
    from rich.progress import Progress

    from reportgen.console import Display

    console = Console(record=True, width=120, force_terminal=False)
    with Progress(console=console) as p:
        Display(p).stage("export")
    text = console.export_text()
    assert "export" in text and ".py:" not in text


@pytest.mark.slow
def test_tensorflow_commands_print_no_absl_or_onednn_lines(tmp_path, npz_path):
    proc = cli("train", "--dataset", npz_path, "--models-dir", tmp_path / "m", "--log-file",
               tmp_path / "t.log", "--epochs", "1", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr
    assert json.dumps(proc.stdout)  # one summary line
    assert len(proc.stdout.strip().splitlines()) == 1


@ROOT_ONLY
def test_a_model_on_a_read_only_mount(tmp_path, npz_path, tmpfs, monkeypatch):
    """A model from a CI artefact on a read-only file system: site-assets reads it and
    its metadata there and writes its caches into its own models dir."""
    from reportgen import pipeline
    from reportgen.data.dataset import load_dataset
    from reportgen.models.store import load_meta
    from reportgen.options import Options
    from tests.helpers import fake_probs, seed_probabilities
    from tests.report.test_stages import given_model

    monkeypatch.setattr("reportgen.report.sections.model_figures.diagram_available", lambda: False)
    monkeypatch.setattr("reportgen.report.charts.figures.diagram_available", lambda: False)
    ds = load_dataset(npz_path)
    artefact = tmpfs("artefact", size="1m")
    model = given_model(artefact, ds)
    meta_text = model.with_suffix(".json").read_text()
    models = tmp_path / "models"
    seed_probabilities(models, load_meta(model), ds, fake_probs(ds.y_test, {}))
    subprocess.run(["mount", "-o", "remount,ro", str(artefact)], check=True)
    opts = Options(dataset=npz_path, site_dir=tmp_path / "site", models_dir=models,
                   export_dir=tmp_path / "export", log_file=tmp_path / "tune.log",
                   sample_per_class=1, workers=1, model=model)
    rep = pipeline.site_assets(opts)
    assert rep.summary["model"]["path"] == "m.keras"  # its name, not where it lies
    assert sorted(p.name for p in artefact.iterdir()) == ["m.json", "m.keras", "models"]
    assert model.with_suffix(".json").read_text() == meta_text
