"""``reportgen check``, the docs-CI gate, against each way a page goes stale; and
site-assets repairing what check reports. The site is built with a model given with
--model whose metadata and probabilities are in place, so nothing needs TensorFlow."""

import json
import shutil

import pytest

from reportgen import pipeline
from reportgen.analysis.conditions import Bounds
from reportgen.cli import app
from reportgen.data.dataset import load_dataset
from reportgen.options import Options
from reportgen.report.assets import PAGE_PATH
from reportgen.report.page_audit import missing_references, page_references
from tests.conftest import make_arrays, write_npz
from tests.helpers import snapshot
from tests.report.test_stages import given_model


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setattr("reportgen.report.sections.model_figures.diagram_available", lambda: False)
    monkeypatch.setattr("reportgen.report.charts.figures.diagram_available", lambda: False)
    npz = write_npz(tmp_path / "tiny.npz", make_arrays(3, 2))
    model = given_model(tmp_path, load_dataset(npz))
    opts = Options(dataset=npz, site_dir=tmp_path / "site", models_dir=tmp_path / "models",
                   export_dir=tmp_path / "export", log_file=tmp_path / "tune.log",
                   sample_per_class=1, model=model, workers=1)
    pipeline.site_assets(opts)
    return tmp_path, opts


def check(runner, opts, *extra):
    res = runner.invoke(app, ["check", "--site-dir", str(opts.site_dir), "--json", *extra])
    return res.exit_code, json.loads(res.stdout) if res.stdout.strip().startswith("{") else res


def test_a_fresh_page_is_current_and_check_writes_nothing(built, runner):
    root, opts = built
    before = snapshot(root)
    code, rep = check(runner, opts)
    assert (code, rep["ok"], rep["stale"], rep["files"]) == (0, True, [], [])
    assert snapshot(root) == before
    res = runner.invoke(app, ["check", "--site-dir", str(opts.site_dir)])
    assert res.exit_code == 0 and "the page is current" in res.stdout


def test_page_edited_by_hand_is_caught_and_repaired(built, runner):
    root, opts = built
    page = opts.site_dir / PAGE_PATH
    original = page.read_text()
    page.write_text(original.replace("test accuracy", "test accuracy 99.99%, really"))
    code, rep = check(runner, opts)
    assert code == 1 and rep["stale"] == ["render"]
    assert rep["files"] == [{"what": "changed", "path": PAGE_PATH.as_posix(), "stage": "render"}]
    assert rep["command"].startswith("reportgen site-assets --site-dir ")
    assert f"--model {root / 'm.keras'}" in rep["command"]
    res = runner.invoke(app, ["check", "--site-dir", str(opts.site_dir)])
    assert res.exit_code == 1 and "changed: docs/image-classification/glassy.mdx" in res.stdout
    assert "refresh it with: reportgen site-assets" in res.stdout
    rep2 = pipeline.site_assets(Options(**{**vars(opts), "model": None}))  # the page keeps its model
    assert "render" in rep2.ran and page.read_text() == original
    assert check(runner, opts)[0] == 0


@pytest.mark.parametrize("how", ["replaced", "deleted"])
def test_a_chart_replaced_or_deleted(built, runner, how):
    root, opts = built
    chart = opts.assets_dir / "class-counts.png"
    original = chart.read_bytes()
    if how == "replaced":
        shutil.copy(next((opts.assets_dir / "confusion-matrices").glob("*.png")), chart)
    else:
        chart.unlink()
    code, rep = check(runner, opts)
    rel = chart.relative_to(opts.site_dir).as_posix()
    what = "changed" if how == "replaced" else "missing"
    assert code == 1 and {"what": what, "path": rel, "stage": "class_counts"} in rep["files"]
    assert "class_counts" in rep["stale"]
    pipeline.site_assets(opts)
    assert chart.read_bytes() == original and check(runner, opts)[0] == 0


def test_the_model_replaced_at_the_same_path(built, runner):
    root, opts = built
    given_model(root, load_dataset(opts.dataset), data=b"retrained", wrong={0: 1})
    code, rep = check(runner, opts)
    assert code == 1 and rep["stale"][:2] == ["train", "gallery"]


def test_another_dataset_at_the_same_path(built, runner):
    root, opts = built
    write_npz(opts.dataset, make_arrays(3, 2, seed=7))
    code, rep = check(runner, opts)
    assert code == 1 and rep["stale"][0] == "sample" and "class_counts" in rep["stale"]


def test_reportgen_upgraded_or_a_template_changed(built, runner, monkeypatch):
    root, opts = built
    monkeypatch.setattr("reportgen.report.stages.template_source", lambda: "another template")
    assert check(runner, opts)[1]["stale"] == ["render"]
    monkeypatch.undo()
    monkeypatch.setattr("reportgen.engine.stage.__version__", "9.9.9")
    code, rep = check(runner, opts)
    assert code == 1 and rep["stale"][:3] == ["sample", "train", "gallery"]


def test_a_newer_component_ships(built, runner, monkeypatch):
    root, opts = built
    monkeypatch.setattr("reportgen.report.check.component_bytes", lambda name: b"// newer\n")
    code, rep = check(runner, opts)
    assert code == 1 and {"what": "outdated", "path": "src/components/ImagesTable.jsx",
                          "stage": "components"} in rep["files"]


def test_a_model_not_on_this_machine_is_a_note_not_a_failure(built, runner):
    """A docs CI has the site but not the model store: the page is still checked."""
    root, opts = built
    (root / "m.keras").rename(root / "elsewhere.keras")
    code, rep = check(runner, opts)
    assert code == 0 and any("not on this machine" in n for n in rep["notes"])
    assert len(rep["notes"]) == 1, rep["notes"]  # said once
    code, rep = check(runner, opts, "--model", str(root / "elsewhere.keras"))
    assert code == 0 and rep["notes"] == []


def test_errors_are_one_line_exit_2(tmp_path, runner):
    res = runner.invoke(app, ["check", "--site-dir", str(tmp_path)])
    assert res.exit_code == 2 and "no record of a `reportgen site-assets` run" in res.stderr


@pytest.mark.parametrize("copy", ["versioned_docs/version-1.0",
                                  "i18n/fr/docusaurus-plugin-content-docs/current"])
def test_a_versioned_or_translated_copy_keeps_its_images(built, runner, copy):
    """`docusaurus docs:version 1.0` (or a translation) copies the page; regenerating with
    another model must not delete an image the copy shows, until no copy shows it."""
    root, opts = built
    frozen = opts.site_dir / copy / "image-classification" / "glassy.mdx"
    shutil.copytree(opts.site_dir / "docs", opts.site_dir / copy)
    old = {p for p in page_references(frozen.read_text())}
    other = given_model(root, load_dataset(opts.dataset), "other.keras", b"other",
                        wrong={1: 5, 2: 7}, accuracy=0.9)
    rep = pipeline.site_assets(Options(**{**vars(opts), "model": other}))
    assert "gallery" in rep.ran
    new = set(page_references((opts.site_dir / PAGE_PATH).read_text()))
    gone = old - new
    assert gone  # the other model's gallery and charts have other files
    assert missing_references(frozen.read_text(), opts.site_dir) == []
    assert pipeline.audit(opts, page_only=True).ok and check(runner, opts)[0] == 0
    shutil.rmtree(opts.site_dir / copy.split("/")[0])  # the version is dropped
    pipeline.site_assets(Options(**{**vars(opts), "model": other}))
    assert all(not (opts.site_dir / "static" / u.lstrip("/")).exists() for u in gone)
    frozen.parent.mkdir(parents=True)
    frozen.write_text((opts.site_dir / PAGE_PATH).read_text().replace(
        "class-counts.png", "class-counts-old.png"))
    code, rep = check(runner, opts)
    assert code == 1 and rep["files"] == [{
        "what": "missing", "stage": f"{copy}/image-classification/glassy.mdx",
        "path": opts.assets_url.lstrip("/").join(["static/", "/class-counts-old.png"])}]


def test_the_page_names_no_path_of_the_build_machine(built):
    """Models, store and log live outside the working directory here: the page, its log
    block and summary.json name files, never the machine's absolute paths."""
    root, opts = built
    page = (opts.site_dir / PAGE_PATH).read_text()
    summary = (opts.assets_dir / "summary.json").read_text()
    assert str(root) not in page and str(root) not in summary
    assert "Graphviz" not in page and "pydot" not in page
    assert json.loads(summary)["model"]["path"] == "m.keras"
    sha = load_model_sha(root / "m.keras")
    assert f"sha256 <code>{sha[:12]}</code>" in page  # the provenance line


def load_model_sha(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_site_checked_out_elsewhere_is_current(built, runner, tmp_path_factory, monkeypatch):
    """A docs CI checks the site at another path, from another working directory: the
    repository (the site and the dataset beside it) is cloned elsewhere, without the
    model."""
    root, opts = built
    elsewhere = tmp_path_factory.mktemp("ci") / "checkout"
    shutil.copytree(opts.site_dir, elsewhere)
    shutil.copy(opts.dataset, elsewhere.parent / opts.dataset.name)
    monkeypatch.chdir(elsewhere.parent)
    code, rep = check(runner, Options(site_dir=elsewhere))
    assert (code, rep["stale"], rep["files"]) == (0, [], []), rep


def test_quality_conditions_gate_the_model(built, runner):
    """Docs CI can fail on a worse model, not only on a stale page: the conditions are read
    from the page's records (the figures summary.json holds), exit 1 on a failed one."""
    root, opts = built
    summary = json.loads((opts.assets_dir / "summary.json").read_text())
    code, rep = check(runner, opts, "--min-accuracy", "0", "--max-ece", "1",
                      "--min-class-recall", "0", "--max-accuracy-drop", "0.5")
    assert code == 0 and rep["ok"]
    by_name = {c["name"]: c for c in rep["conditions"]}
    assert by_name["--min-accuracy"]["value"] == summary["model"]["test_accuracy"]
    assert by_name["--max-ece"]["value"] == pytest.approx(summary["ece"], abs=1e-6)
    assert by_name["--max-accuracy-drop"] == {"name": "--max-accuracy-drop", "value": None,
                                              "bound": 0.5, "passed": True}  # no previous
    accuracy = summary["model"]["test_accuracy"]
    if accuracy < 1.0:
        res = runner.invoke(app, ["check", "--site-dir", str(opts.site_dir),
                                  "--min-accuracy", "1"])
        assert res.exit_code == 1
        assert f"failed: test accuracy {accuracy:.4f} < 1.0000 (--min-accuracy)" in res.stdout
        assert "the page is current, but its model fails a condition" in res.stdout
    res = runner.invoke(app, ["check", "--site-dir", str(opts.site_dir), "--max-ece", "2"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1


def test_a_pages_own_conditions_are_kept_shown_and_checked(built, runner):
    """site-assets --min-accuracy … keeps the conditions with the page: its Model section
    shows them as a table, summary.json lists them, a later run without them keeps them,
    and check evaluates them (the command line's over the page's)."""
    root, opts = built
    accuracy = json.loads((opts.assets_dir / "summary.json").read_text())["model"][
        "test_accuracy"]
    pipeline.site_assets(Options(**{**vars(opts), "model": None,
                                    "conditions": Bounds(min_accuracy=0.0, max_ece=1.0)}))
    page = (opts.site_dir / PAGE_PATH).read_text()
    assert "### Quality conditions" in page and "2 of 2 pass." in page
    assert '| {"--min-accuracy"} | {"' + f"{accuracy:.4f}" + '"} | {"0.0000"} | {"pass"} |' in page
    summary = json.loads((opts.assets_dir / "summary.json").read_text())
    assert [c["name"] for c in summary["conditions"]] == ["--min-accuracy", "--max-ece"]
    pipeline.site_assets(Options(**{**vars(opts), "model": None}))  # kept without the options
    assert "### Quality conditions" in (opts.site_dir / PAGE_PATH).read_text()
    code, rep = check(runner, opts)
    assert code == 0 and [c["name"] for c in rep["conditions"]] == ["--min-accuracy", "--max-ece"]
    if accuracy < 1.0:  # the command line's bound over the page's
        code, rep = check(runner, opts, "--min-accuracy", "1")
        assert code == 1 and not rep["conditions"][0]["passed"] and rep["stale"] == []
