import os

import numpy as np
from PIL import Image

from reportgen.data.dataset import load_dataset
from reportgen.data.export import export_all, publish_sample


def test_export_paths_and_pixels(tmp_path, npz_path, arrays):
    ds = load_dataset(npz_path)
    res = export_all(ds, tmp_path / "export", workers=2)
    assert (res.count, res.written, res.skipped) == (50, 50, False)
    x_train, y_train, x_test, y_test = arrays
    files = sorted(p.relative_to(tmp_path / "export").as_posix()
                   for p in (tmp_path / "export").rglob("*.png"))
    expected = sorted([f"train/{y_train[i]}/{i:05d}.png" for i in range(30)]
                      + [f"test/{y_test[i]}/{i:05d}.png" for i in range(20)])
    assert files == expected
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        for i in range(len(y)):
            with Image.open(tmp_path / "export" / split / str(y[i]) / f"{i:05d}.png") as im:
                assert im.mode == "L" and im.size == (28, 28)
                np.testing.assert_array_equal(np.asarray(im), x[i])


def test_export_skips_when_current_and_keeps_foreign_files(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    out = tmp_path / "export"
    export_all(ds, out, workers=1)
    mine = out / "train" / "0" / "notes.txt"
    mine.write_text("keep me")
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("0*.png")}
    res = export_all(ds, out, workers=1)
    assert res.skipped and res.written == 0
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())
    stray = out / "train" / "0" / "99999.png"  # named like an export file, but not ours
    stray.write_bytes(b"x")
    res = export_all(ds, out, workers=1, force=True)
    assert not res.skipped and res.written == 50
    assert stray.read_bytes() == b"x" and mine.read_text() == "keep me"


def test_new_dataset_deletes_only_files_of_the_old_export(tmp_path, npz_path):
    from tests.conftest import make_arrays, write_npz

    out = tmp_path / "export"
    export_all(load_dataset(write_npz(tmp_path / "big.npz", make_arrays(5, 2))), out, workers=1)
    assert len(list(out.rglob("*.png"))) == 70
    res = export_all(load_dataset(npz_path), out, workers=1)
    assert not res.skipped and len(list(out.rglob("*.png"))) == 50


def test_interrupted_export_is_redone(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    out = tmp_path / "export"
    export_all(ds, out, workers=1)
    os.unlink(next(out.rglob("*.png")))
    assert not export_all(ds, out, workers=1).skipped
    assert len(list(out.rglob("*.png"))) == 50


def test_sample_is_byte_identical_to_export(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    export_all(ds, tmp_path / "export", workers=1)
    files = publish_sample(ds, tmp_path / "assets", per_class=2, seed=0)
    assert all(len(files[s][d]) == 2 for s in ("train", "test") for d in range(10))
    for split in ("train", "test"):
        for d in range(10):
            for name in files[split][d]:
                a = (tmp_path / "assets" / split / str(d) / name).read_bytes()
                b = (tmp_path / "export" / split / str(d) / name).read_bytes()
                assert a == b
    assert publish_sample(ds, tmp_path / "assets2", per_class=2, seed=0) == files
