"""The thin CLI: help for everything, the exact Options each command builds, one-line
errors for bad options."""

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from reportgen import pipeline
from reportgen.cli import app
from reportgen.options import DEFAULT_EPOCHS, Options
from tests.helpers import one_line_error, snapshot

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)


def test_all_commands_listed():
    assert COMMANDS == sorted(["export", "train", "gallery", "site-assets", "render", "audit",
                               "predict", "compare", "check"])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_help(command, runner):
    cmd = GROUP.commands[command]
    assert (cmd.help or "").strip(), f"{command} has no help text"
    undocumented = [p.name for p in cmd.params
                    if p.name != "help" and not (getattr(p, "help", None) or "").strip()]
    assert undocumented == [], command
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Usage:" in res.output


def test_help_can_fail():
    """The help check above fails for a command without a docstring or option help."""
    bad = typer.Typer()

    @bad.command()
    def nodoc(x: int = typer.Option(1)):
        pass

    @bad.command()
    def other():
        """Has help."""

    cmd = typer.main.get_command(bad).commands["nodoc"]
    assert not (cmd.help or "").strip()
    assert not [p for p in cmd.params if p.param_type_name == "option" and p.help]


def test_defaults_come_from_options():
    src = Path(pipeline.__file__).with_name("cli.py").read_text()
    for literal in ('"site-assets"', '"/assets/datasets/mnist"', "data/models", "= 6"):
        assert literal not in src.replace('app.command("site-assets")', ""), literal


class Called(BaseException):  # not an Exception: the CLI's catch-all must not eat it
    pass


@pytest.fixture
def captured(monkeypatch):
    """Replace every pipeline entry point; record the Options a command passed."""
    seen = {}

    def fake(name):
        def f(opts, *args, **kw):
            seen[name] = (opts, kw | {"args": args})
            raise Called
        return f

    for name in ("export", "train", "regenerate_gallery", "site_assets", "rerender", "audit",
                 "predict", "compare", "check"):
        monkeypatch.setattr(pipeline, name, fake(name))
    monkeypatch.setattr(pipeline, "require_site", lambda opts, create=False: None)
    return seen


@pytest.mark.parametrize("argv,function,expected,kw", [
    (["site-assets"], "site_assets", Options(), {}),
    (["site-assets", "--epochs", "3", "--seed", "7", "--assets-url", "/a/b", "--site-dir", "s",
      "--title", "T", "--custom", "x.png", "--publish-all", "--workers", "2"], "site_assets",
     Options(epochs=3, seed=7, assets_url="/a/b", site_dir=Path("s"), title="T",
             custom_images=[Path("x.png")], publish_all=True, workers=2), {}),
    (["export", "--export-dir", "e", "--no-sample"], "export",
     Options(export_dir=Path("e")), {"sample": False, "force": False}),
    (["train", "--epochs", "2", "--retrain"], "train", Options(epochs=2, retrain=True), {}),
    (["train", "--model-kind", "cnn"], "train", Options(model_kind="cnn"), {}),
    (["site-assets", "--model", "m.h5", "--input-scaling", "keras-normalize"], "site_assets",
     Options(model=Path("m.h5"), input_scaling="keras-normalize"), {}),
    (["gallery", "--model", "m.keras"], "regenerate_gallery", Options(model=Path("m.keras")), {}),
    (["render", "--description", "D"], "rerender", Options(description="D"), {}),
    (["site-assets", "--category-label", "Vision"], "site_assets",
     Options(category_label="Vision"), {}),
    (["gallery", "--model", "m.keras", "--category-label", "V"], "regenerate_gallery",
     Options(model=Path("m.keras"), category_label="V"), {}),
    (["compare", "--model", "a.keras", "--model", "b.keras", "--input-scaling", "unit"],
     "compare", Options(input_scaling="unit"), {}),
    (["audit", "--no-page"], "audit", Options(), {"check_page": False, "verify_pixels": False}),
    (["audit", "--page-only"], "audit", Options(), {"page_only": True}),
    (["site-assets", "--train"], "site_assets", Options(train=True), {}),
    (["check", "--site-dir", "s", "--model", "m.keras"], "check", Options(site_dir=Path("s")),
     {"model": Path("m.keras"), "models_dir": None, "dataset": None}),
    (["predict", "a.png", "--model", "m.keras"], "predict",
     Options(model=Path("m.keras"), custom_images=[Path("a.png")]), {"into_site": False}),
])
def test_cli_builds_exact_options(captured, runner, argv, function, expected, kw):
    with pytest.raises(Called):
        runner.invoke(app, argv)
    opts, got_kw = captured[function]
    assert dataclasses.asdict(opts) == dataclasses.asdict(expected)
    for k, v in kw.items():
        assert got_kw[k] == v


def test_epochs_default_is_stated_in_help():
    for command in ("site-assets", "train"):
        epochs = next(p for p in GROUP.commands[command].params if p.name == "epochs")
        assert f"default: the kind's, mlp {DEFAULT_EPOCHS}, cnn 5" in epochs.help


@pytest.mark.parametrize("extra,fragment", [
    (["--epochs", "6"], "--epochs and --model cannot be combined"),
    (["--retrain"], "--retrain and --model cannot be combined"),
])
def test_model_with_epochs_is_rejected(tmp_path, npz_path, runner, extra, fragment):
    """Bug 3: --model X --epochs 6 silently ignored --epochs."""
    res = runner.invoke(app, ["site-assets", "--dataset", str(npz_path), "--site-dir",
                              str(tmp_path / "s"), "--model", str(tmp_path / "m.keras"), *extra])
    one_line_error(res, fragment)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--model-kind", "rnn"], "--model-kind 'rnn': expected one of mlp, cnn"),
    (["site-assets", "--input-scaling", "half"], "--input-scaling 'half': expected one of"),
])
def test_unknown_kind_or_scaling_is_one_line(runner, npz_path, argv, fragment):
    one_line_error(runner.invoke(app, [*argv, "--dataset", str(npz_path)]), fragment)


def test_compare_passes_both_models_in_order(captured, runner):
    with pytest.raises(Called):
        runner.invoke(app, ["compare", "--model", "a.keras", "--model", "b.keras"])
    opts, kw = captured["compare"]
    assert opts == Options() and kw["args"] == (Path("a.keras"), Path("b.keras"))


@pytest.mark.parametrize("argv,fragment", [
    (["compare", "--model", "a.keras"], "give --model exactly twice (got 1)"),
    (["site-assets", "--category-label", " "], "--category-label is empty"),
])
def test_bad_compare_or_category_is_one_line(runner, npz_path, tmp_path, argv, fragment):
    res = runner.invoke(app, [*argv, "--dataset", str(npz_path)])
    one_line_error(res, fragment)
    assert not (tmp_path / "site-assets").exists()


def test_missing_dataset_is_one_line(tmp_path, runner):
    res = runner.invoke(app, ["export", "--dataset", str(tmp_path / "none.npz"),
                              "--export-dir", str(tmp_path / "e"), "--no-sample"])
    one_line_error(res, "error:", "none.npz", "no such file")
    assert not (tmp_path / "e").exists()


def test_corrupt_dataset_is_one_line(tmp_path, runner):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    res = runner.invoke(app, ["site-assets", "--dataset", str(bad), "--site-dir",
                              str(tmp_path / "site"), "--create"])
    one_line_error(res, "bad.npz", "not an .npz file")
    assert not (tmp_path / "site" / "docs").exists()


@pytest.mark.parametrize("args,fragment", [
    (["train", "--epochs", "0"], "--epochs"),
    (["site-assets", "--sample-per-class", "0"], "--sample-per-class"),
    (["export", "--workers", "-1"], "--workers"),
    (["site-assets", "--bogus"], "No such option"),
])
def test_bad_options_fail_cleanly(args, fragment, runner):
    one_line_error(runner.invoke(app, args), fragment)


def test_bad_assets_url(tmp_path, npz_path, runner):
    res = runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir",
                              str(tmp_path / "e"), "--site-dir", str(tmp_path / "s"),
                              "--assets-url", "../../etc"])
    one_line_error(res, "--assets-url", "expected a path like")


def test_gallery_with_missing_model(tmp_path, npz_path, runner):
    res = runner.invoke(app, ["gallery", "--model", str(tmp_path / "m.keras"), "--dataset",
                              str(npz_path), "--site-dir", str(tmp_path / "s"), "--create"])
    one_line_error(res, "m.keras", "no such model file")


def test_render_before_site_assets(tmp_path, npz_path, runner):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "docusaurus.config.js").write_text("module.exports = {};")
    res = runner.invoke(app, ["render", "--dataset", str(npz_path), "--site-dir",
                              str(tmp_path / "s")])
    one_line_error(res, "run `reportgen site-assets` first")


def test_export_command(tmp_path, npz_path, runner):
    res = runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir",
                              str(tmp_path / "e"), "--site-dir", str(tmp_path / "s"),
                              "--sample-per-class", "1", "-q", "--create"])
    assert res.exit_code == 0, res.output
    assert "50 PNGs" in res.stdout and "20 sample PNGs" in res.stdout
    assert len(list((tmp_path / "e").rglob("*.png"))) == 50
    assert (tmp_path / "s" / ".reportgen-manifest.json").is_file()  # the sample is owned


def test_audit_only_reads(tmp_path, npz_path, runner):
    runner.invoke(app, ["export", "--dataset", str(npz_path), "--export-dir", str(tmp_path / "e"),
                        "--site-dir", str(tmp_path / "s"), "-q"])
    before = snapshot(tmp_path)
    res = runner.invoke(app, ["audit", "--dataset", str(npz_path), "--export-dir",
                              str(tmp_path / "e"), "--site-dir", str(tmp_path / "s")])
    assert res.exit_code == 1  # the page was never rendered
    assert snapshot(tmp_path) == before


def test_help_does_not_import_tensorflow_or_plotting():
    code = ("import sys; from reportgen.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'seaborn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_wheel_ships_templates_and_components(tmp_path):
    """The wheel carries the templates and components as package data, and the package
    unpacked from it (outside this repository, from an empty folder) reads them."""
    import zipfile

    from tests.conftest import ROOT

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = zipfile.ZipFile(next(tmp_path.glob("docusaurus_reportgen-*.whl")))
    names = wheel.namelist()
    from reportgen.report.assets import COMPONENTS

    for want in ("reportgen/report/templates/glassy.mdx.j2", "reportgen/report/templates/_macros.j2",
                 *(f"reportgen/report/components/{c}" for c in COMPONENTS),
                 "reportgen/data/builtin/mnist.npz", "reportgen/data/builtin/mnist.md",
                 "reportgen/report/templates/sections/mistakes.mdx.j2",
                 "reportgen/data/builtin/custom-digits/7.png"):
        assert want in names
    assert not [n for n in names if n.startswith(("tests/", "site-assets/", "data/"))]
    wheel.extractall(tmp_path / "unpacked")
    empty = tmp_path / "empty"
    empty.mkdir()
    code = ("import reportgen, reportgen.report.view.render as r\n"
            "from reportgen.report.site import component_bytes\n"
            "from reportgen.data.dataset import load_dataset\n"
            "from reportgen.options import Options\n"
            "print(reportgen.__file__)\n"
            "print(len(r.template_source()), len(component_bytes('ImagesTable.jsx')))\n"
            "print(type(r.environment().get_template('glassy.mdx.j2')).__name__)\n"
            "o = Options()\n"
            "print(len(load_dataset(o.dataset).y_test), o.models_dir, o.custom_inputs())\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=empty, capture_output=True, text=True,
                         timeout=60, env=os.environ | {"PYTHONPATH": str(tmp_path / "unpacked")})
    assert out.returncode == 0, out.stderr[-2000:]
    where, sizes, template, defaults = out.stdout.split("\n")[:4]
    assert where.startswith(str(tmp_path / "unpacked"))
    assert all(int(n) > 1000 for n in sizes.split()) and template == "Template"
    # outside a checkout: the embedded MNIST and custom digits of the package, the store in
    # the user's cache folder (here XDG_CACHE_HOME, under tmp_path), nothing in the cwd
    tested, models, custom = defaults.split(" ", 2)
    assert tested == "10000" and models.startswith(str(tmp_path / ".cache" / "reportgen"))
    assert "custom-digits" in custom and not list(empty.iterdir())


@pytest.mark.parametrize("argv", [["site-assets"], ["gallery", "--model", "m.keras"], ["render"],
                                  ["export"], ["predict", "a.png", "--site-dir"]])
def test_a_site_dir_that_is_no_site_is_one_line(runner, tmp_path, argv):
    """A typo in --site-dir used to build a whole new tree there, exit 0."""
    (tmp_path / "a.png").write_bytes(b"")
    for site in (tmp_path / "nonexistent" / "site", tmp_path):  # missing; no Docusaurus site
        args = [*argv, str(site)] if argv[-1] == "--site-dir" else [*argv, "--site-dir", str(site)]
        res = runner.invoke(app, args)
        one_line_error(res, f"--site-dir {site}:", "--create")
        assert not (tmp_path / "nonexistent").exists()


def test_site_dirs_that_are_accepted(tmp_path):
    from reportgen.engine.manifest import MANIFEST
    from reportgen.errors import SiteError

    (tmp_path / "docs-site").mkdir()
    (tmp_path / "docs-site" / "docusaurus.config.ts").write_text("export default {};")
    pipeline.require_site(Options(site_dir=tmp_path / "docs-site"))  # a Docusaurus site
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / MANIFEST).write_text("{}")
    pipeline.require_site(Options(site_dir=tmp_path / "overlay"))  # an overlay reportgen wrote
    pipeline.require_site(Options(site_dir=tmp_path / "new"), create=True)  # asked for
    with pytest.raises(SiteError, match="does not exist"):
        pipeline.require_site(Options(site_dir=tmp_path / "new"))


def _readme_commands() -> list[list[str]]:
    import shlex

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("reportgen "):
                out.append(shlex.split(line)[1:])
    return out


README_COMMANDS = _readme_commands()


def test_readme_has_examples_for_every_command():
    assert {argv[0] for argv in README_COMMANDS} >= set(COMMANDS) - {"train"} | {"check"}


@pytest.mark.parametrize("argv", README_COMMANDS, ids=lambda a: " ".join(a)[:60])
def test_readme_examples_parse(captured, runner, argv):
    """Every `reportgen …` line of README's examples parses as written: its command and
    options exist and take those values (the library call is stubbed)."""
    with pytest.raises(Called):
        res = runner.invoke(app, argv, catch_exceptions=False)
        raise AssertionError(f"exit {res.exit_code}: {res.output}")


def test_readme_installs_our_distribution():
    """PyPI's "reportgen" is another project (0.1.8, 2018, no command): every install line
    of README names the distribution of pyproject.toml, or its wheel at this version."""
    import tomllib

    from reportgen import __version__
    from reportgen.options import DISTRIBUTION
    from tests.conftest import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION != "reportgen"
    assert project["version"] == __version__
    assert project["scripts"] == {"reportgen": "reportgen.cli:main"}
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"pip install ([^\s#]+)", readme)
    assert len(targets) >= 3
    wheel = f"{DISTRIBUTION.replace('-', '_')}-"
    for target in targets:
        if target.endswith(".whl"):
            name = target.rsplit("/", 1)[-1]
            assert name.startswith(wheel), target
            assert name in (f"{wheel}*.whl", f"{wheel}{__version__}-py3-none-any.whl"), target
        else:
            assert target == DISTRIBUTION, target


def test_usage_errors_are_one_line(runner):
    """typer draws a usage error in a five-line box; reportgen prints one line, exit 2."""
    for argv, fragment in ((["train", "--epochs", "-1"], "--epochs"),
                           (["compare", "--model", "a.keras"], "give --model exactly twice"),
                           (["check", "--bogus"], "No such option: --bogus"),
                           (["nosuch"], "No such command")):
        res = runner.invoke(app, argv)
        one_line_error(res, fragment)
        assert len(res.stderr.strip().splitlines()) == 1 and "╭" not in res.stderr, res.stderr
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("reportgen 0.")


def test_check_of_a_folder_that_does_not_exist(runner, tmp_path):
    res = runner.invoke(app, ["check", "--site-dir", str(tmp_path / "nope")])
    one_line_error(res, f"--site-dir {tmp_path / 'nope'}: no such folder")


def test_site_assets_exits_1_when_the_page_fails_a_condition(tmp_path, monkeypatch):
    """The page is written either way; a failed quality condition makes site-assets exit 1
    with one line per failed condition (as check does), a met one exits 0."""
    from typer.testing import CliRunner

    site = tmp_path / "site"
    (site / "docs").mkdir(parents=True)
    outcome = {"passed": False}

    def fake_run(opts, progress=None):
        cond = [{"name": "--min-robustness", "value": 0.7344, "bound": 0.8,
                 "passed": outcome["passed"]}]
        return pipeline.RunReport({"model": {"path": "m.keras", "test_accuracy": 0.98},
                                   "wrong_predictions": {"count": 1}, "conditions": cond},
                                  site / "docs" / "glassy.mdx", {"render": 0.1}, [])

    monkeypatch.setattr(pipeline, "site_assets", fake_run)
    monkeypatch.setattr(pipeline, "require_site", lambda opts, create=False: None)
    res = CliRunner().invoke(app, ["site-assets", "--site-dir", str(site), "-q",
                                   "--min-robustness", "0.8"])
    assert res.exit_code == 1, res.output
    assert "failed: --min-robustness 0.8: the page's figure is 0.7344 (page glassy)" in res.output
    outcome["passed"] = True
    res = CliRunner().invoke(app, ["site-assets", "--site-dir", str(site), "-q"])
    assert res.exit_code == 0 and "failed:" not in res.output
