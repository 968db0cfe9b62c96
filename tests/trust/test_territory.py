"""Files outside its territory: manifest path traversal, symlinks, foreign files in the
export dir and in owned folders."""

import json
import os

import pytest

from reportgen.cli import app
from reportgen.data.dataset import load_dataset
from reportgen.data.export import export_all
from reportgen.engine.manifest import MANIFEST
from reportgen.errors import SiteError
from reportgen.pipeline import site_assets
from tests.helpers import snapshot

pytestmark = pytest.mark.slow  # the built site trains a tiny model


def _tamper(site, extra_files):
    data = json.loads((site / MANIFEST).read_text())
    data["stages"]["gallery"]["files"] += extra_files
    (site / MANIFEST).write_text(json.dumps(data))


def test_manifest_listing_outside_files_never_deletes_them(site_copy, tmp_path, runner):
    opts, _ = site_copy
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    absolute = tmp_path / "absolute.txt"
    absolute.write_text("precious too")
    _tamper(opts.site_dir, ["../outside.txt", "../../outside.txt", str(absolute)])
    res = runner.invoke(app, ["site-assets", "--dataset", str(opts.dataset), "--site-dir",
                              str(opts.site_dir), "--export-dir", str(opts.export_dir),
                              "--models-dir", str(opts.models_dir), "--log-file",
                              str(opts.log_file), "--epochs", "1", "--sample-per-class", "2",
                              "--custom", str(opts.custom_images[0]), "-q"])
    assert res.exit_code == 0, res.output
    assert outside.read_text() == "precious" and absolute.read_text() == "precious too"
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 3 and all("outside" in w and "ignored" in w for w in warnings)


def test_symlinked_folder_inside_the_site_is_not_written_through(site_copy, tmp_path):
    opts, rep = site_copy
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.png").write_bytes(b"user's")
    wrong3 = opts.assets_dir / "wrong-predictions" / "3"
    if wrong3.exists():
        for p in wrong3.iterdir():
            p.unlink()
        wrong3.rmdir()
    wrong3.parent.mkdir(parents=True, exist_ok=True)
    wrong3.symlink_to(elsewhere, target_is_directory=True)
    (opts.site_dir / MANIFEST).unlink()  # force every stage to run again
    before = snapshot(elsewhere)
    try:
        site_assets(opts)
    except SiteError as exc:
        assert "outside" in str(exc)
    assert snapshot(elsewhere) == before


def test_dangling_component_symlink_is_left_alone(site_copy, tmp_path):
    opts, _ = site_copy
    comp = opts.site_dir / "src" / "components" / "ImagesTable.jsx"
    comp.unlink()
    target = tmp_path / "nowhere" / "ImagesTable.jsx"
    comp.symlink_to(target)
    site_assets(opts)
    assert comp.is_symlink() and not target.exists() and not target.parent.exists()


def test_lookalike_user_files_in_owned_folders_survive(site_copy):
    opts, _ = site_copy
    cm_dir = opts.assets_dir / "confusion-matrices"
    draft = opts.assets_dir / "train" / "3" / ".draft.1234.tmp"
    lookalike = cm_dir / "mnist-test-9-99.99.png"
    wrong_like = opts.assets_dir / "wrong-predictions" / "0" / "0-9999-1.png"
    for p in (draft, lookalike, wrong_like):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"user's")
    import dataclasses

    site_assets(dataclasses.replace(opts, epochs=2))  # a new model: gallery rewritten
    assert all(p.read_bytes() == b"user's" for p in (draft, lookalike, wrong_like))


def test_export_dir_with_user_files_is_refused(tmp_path, npz_path, runner):
    export = tmp_path / "export"
    (export / "train" / "3").mkdir(parents=True)
    mine = export / "train" / "3" / "00001.png"
    mine.write_bytes(b"user content")
    tmpish = export / ".00002.png.1234.tmp"
    tmpish.write_bytes(b"also the user's")
    res = runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir", str(export),
                              "--no-sample", "-q"])
    assert res.exit_code == 2 and "not empty and not an export made by reportgen" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert mine.read_bytes() == b"user content" and tmpish.read_bytes() == b"also the user's"
    assert sorted(p.name for p in export.rglob("*")) == sorted(
        [".00002.png.1234.tmp", "train", "3", "00001.png"])


def test_export_deletes_only_what_it_recorded(tmp_path, npz_path):
    export = tmp_path / "export"
    ds = load_dataset(npz_path)
    export_all(ds, export, workers=1)
    mine = export / "train" / "3" / "99998.png"
    mine.write_bytes(b"mine")
    export_all(ds, export, workers=1, force=True)
    assert mine.read_bytes() == b"mine"
    assert not [p for p in export.rglob("*.tmp")]
    os.unlink(export / MANIFEST)
    with pytest.raises(SiteError, match="not an export made by reportgen"):
        export_all(ds, export, workers=1)
