import re

import pytest
from typer.testing import CliRunner

from reportgen.cli import app

runner = CliRunner()
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_commands_listed():
    assert {"export", "train", "gallery", "render", "site-assets"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert "Usage:" in res.output and len(res.output.splitlines()) > 5


def one_line_error(res, *fragments):
    assert res.exit_code == 2, res.output
    text = re.sub(r"\s+", " ", res.stderr)
    assert "Traceback" not in res.output + res.stderr
    for f in fragments:
        assert f in text, text


def test_missing_dataset_is_one_line(tmp_path):
    res = runner.invoke(app, ["export", "--dataset", str(tmp_path / "none.npz"),
                              "--export-dir", str(tmp_path / "e")])
    one_line_error(res, "error:", "none.npz", "no such file")
    assert not (tmp_path / "e").exists()


def test_corrupt_dataset_is_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    res = runner.invoke(app, ["site-assets", "--dataset", str(bad), "--site-dir",
                              str(tmp_path / "site")])
    one_line_error(res, "bad.npz", "not an .npz file")
    assert not (tmp_path / "site" / "docs").exists()


@pytest.mark.parametrize("args,fragment", [
    (["train", "--epochs", "0"], "--epochs"),
    (["site-assets", "--sample-per-class", "0"], "--sample-per-class"),
    (["export", "--workers", "-1"], "--workers"),
    (["site-assets", "--bogus"], "No such option"),
])
def test_bad_options_fail_cleanly(args, fragment):
    res = runner.invoke(app, args)
    one_line_error(res, fragment)


def test_bad_assets_url(tmp_path, npz_path):
    res = runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir",
                              str(tmp_path / "e"), "--site-dir", str(tmp_path / "s"),
                              "--assets-url", "../../etc"])
    one_line_error(res, "--assets-url", "expected a path like")


def test_gallery_with_missing_model(tmp_path, npz_path):
    res = runner.invoke(app, ["gallery", "--model", str(tmp_path / "m.keras"), "--dataset",
                              str(npz_path), "--site-dir", str(tmp_path / "s")])
    one_line_error(res, "m.keras", "no such model file")


def test_render_before_site_assets(tmp_path, npz_path):
    res = runner.invoke(app, ["render", "--dataset", str(npz_path), "--site-dir",
                              str(tmp_path / "s")])
    one_line_error(res, "run `reportgen site-assets` first")


def test_export_command(tmp_path, npz_path):
    res = runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir",
                              str(tmp_path / "e"), "--site-dir", str(tmp_path / "s"),
                              "--sample-per-class", "1"])
    assert res.exit_code == 0, res.output
    assert "50 PNGs" in res.stdout and "20 sample PNGs" in res.stdout
    assert len(list((tmp_path / "e").rglob("*.png"))) == 50


def test_help_does_not_import_tensorflow_or_plotting():
    import subprocess
    import sys

    code = ("import sys; from reportgen.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'seaborn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_wheel_ships_templates_and_components(tmp_path):
    import subprocess
    import sys
    import zipfile

    from tests.conftest import ROOT

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    for want in ("reportgen/templates/glassy.mdx.j2", "reportgen/templates/_macros.j2",
                 "reportgen/components/ImagesTable.jsx", "reportgen/components/CustomImagesTable.jsx"):
        assert want in names
