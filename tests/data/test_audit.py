import json
import shutil

import pytest

from reportgen.cli import app
from reportgen.data.audit import audit_export
from reportgen.data.dataset import load_dataset
from reportgen.data.export import export_all


@pytest.fixture
def exported(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    export_all(ds, tmp_path / "export", workers=1)
    return ds, tmp_path / "export"


def audit_cli(runner, npz_path, export, *extra):
    return runner.invoke(app, ["audit", "--dataset", str(npz_path), "--export-dir", str(export),
                               "--no-page", *extra])


def test_clean_export_passes(exported, npz_path, tmp_path, runner):
    ds, export = exported
    rep = audit_export(ds, export)
    assert rep.ok and rep.counts["train"] == {"on_disk": [3] * 10, "expected": [3] * 10}
    res = audit_cli(runner, npz_path, export, "--site-dir", str(tmp_path / "site"))
    assert res.exit_code == 0, res.output
    assert '"0"' in res.stdout and "audit passed" in res.stdout
    assert audit_export(ds, export, verify_pixels=True).ok


def test_deleted_file(exported, npz_path, runner):
    ds, export = exported
    victim = sorted((export / "test" / "4").glob("*.png"))[0]
    victim.unlink()
    rep = audit_export(ds, export)
    assert [(f.kind, f.path) for f in rep.findings] == [("missing", str(victim))]
    assert rep.counts["test"]["on_disk"][4] == 1
    res = audit_cli(runner, npz_path, export)
    assert res.exit_code == 1 and str(victim) in res.stdout.replace("\n", "")


def test_file_moved_to_other_digit(exported, npz_path, runner):
    ds, export = exported
    victim = sorted((export / "train" / "2").glob("*.png"))[0]
    moved = export / "train" / "7" / victim.name
    shutil.move(victim, moved)
    rep = audit_export(ds, export)
    kinds = {(f.kind, f.path) for f in rep.findings}
    assert ("wrong-class", str(moved)) in kinds and ("missing", str(victim)) in kinds
    res = audit_cli(runner, npz_path, export, "--json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert not data["ok"] and any(f["path"] == str(moved) for f in data["findings"])


def test_file_replaced_by_non_png(exported, npz_path, runner):
    ds, export = exported
    victim = sorted((export / "test" / "9").glob("*.png"))[0]
    victim.write_bytes(b"GIF89a not a png at all, really not")
    rep = audit_export(ds, export)
    assert [(f.kind, f.path, f.detail) for f in rep.findings] == [
        ("bad-image", str(victim), "not a PNG file")]
    assert audit_cli(runner, npz_path, export).exit_code == 1


def test_stray_folder(exported, npz_path, runner):
    ds, export = exported
    (export / "train" / "backup").mkdir()
    rep = audit_export(ds, export)
    assert [(f.kind, f.path) for f in rep.findings] == [
        ("not-a-class-folder", str(export / "train" / "backup"))]
    res = audit_cli(runner, npz_path, export)
    assert res.exit_code == 1 and "backup" in res.stdout


def test_extra_file(exported):
    ds, export = exported
    (export / "test" / "0" / "notes.txt").write_text("x")
    rep = audit_export(ds, export)
    assert [f.kind for f in rep.findings] == ["extra"]


def test_page_reference_missing(tmp_path, npz_path):
    from reportgen.pipeline import audit
    from reportgen.report.view.render import render_page, write_page
    from tests.helpers import tiny_page

    opts, ctx = tiny_page(tmp_path, npz_path)
    write_page(opts.site_dir, render_page(ctx))
    opts.dataset, opts.export_dir = npz_path, tmp_path / "export"
    export_all(load_dataset(npz_path), opts.export_dir, workers=1)
    assert audit(opts).ok
    victim = sorted((opts.assets_dir / "train").rglob("*.png"))[0]
    victim.unlink()
    rep = audit(opts)
    assert [(f.kind, f.path) for f in rep.findings] == [("missing-reference", str(victim))]
