"""Docs CI on a second machine: a site committed with its page and cloned elsewhere, on a
machine with no model store, is current; the same model at another path changes nothing;
a hand edit is caught and named; training another model into the store changes nothing;
the manifest names no place of the machine that wrote it. Training is stood in for by a
fake that saves into the store as models.train does (no TensorFlow)."""

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from reportgen import pipeline
from reportgen.cli import app
from reportgen.data.card import BUILTIN
from reportgen.models import store
from reportgen.models.kinds import get_kind
from reportgen.models.train import TrainResult
from reportgen.models.tta import SHIFTS, view_name
from reportgen.options import Options
from reportgen.report.assets import PAGE_PATH
from tests.conftest import make_arrays, write_npz
from tests.helpers import fake_meta, fake_probs


class _Saved:
    def __init__(self, data: bytes):
        self.data = data

    def save(self, path):
        Path(path).write_bytes(self.data)


def fake_train(ds, models_dir, *, kind="mlp", epochs=1, seed=0, log_path=None, retrain=False,
               on_epoch=None):
    """models.train.train_model without TensorFlow: the stored model is reused by key, else
    a file that depends on the seed is saved into the store with its metadata and
    probabilities."""
    key = store.model_key(ds.digest, kind, epochs, seed, get_kind(kind).recipe.as_dict())
    found = store.find_model(models_dir, key)
    if found is not None and not retrain:
        return TrainResult(found, store.load_meta(found), True)
    path = store.model_path(models_dir, "mnist", epochs, 0.95 - seed / 100)
    meta = dataclasses.replace(fake_meta(epochs), key=key, seed=seed, history=[],
                               trained_at=f"2026-12-0{seed + 1}T10:00:00")
    meta = store.save(_Saved(b"weights %d" % seed), path, meta, fake_probs(ds.y_test, {}),
                      ds.digest)
    store.write_bytes(store.probs_path(path, "train"), store._npz_bytes(
        fake_probs(ds.y_train, {}), ds.digest), if_changed=False)
    for shift in SHIFTS:  # the test images' shifted views (models.tta)
        store.write_bytes(store.probs_path(path, "test", view_name(shift)), store._npz_bytes(
            fake_probs(ds.y_test, {}), ds.digest), if_changed=False)
    return TrainResult(path, meta, False)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A docs repository whose site was built with a model trained into the default store
    (``data/models`` of the working directory: the first machine)."""
    for where in ("reportgen.report.sections.model_figures", "reportgen.report.charts.figures"):
        monkeypatch.setattr(f"{where}.diagram_available", lambda: False)
    monkeypatch.setattr("reportgen.report.sections.model.train_model", fake_train)
    first = tmp_path / "first"
    site = first / "repo" / "website"
    site.mkdir(parents=True)
    (site / "docusaurus.config.js").write_text("module.exports = {};\n")
    (first / "repo" / "data").mkdir()
    npz = write_npz(first / "repo" / "data" / "tiny.npz", make_arrays(3, 2))
    monkeypatch.chdir(first)
    pipeline.site_assets(Options(dataset=npz, site_dir=site, epochs=1, sample_per_class=1,
                                 workers=1))
    assert store.locate(Path("data/models"), _page_model(site)) is not None
    return first, site


def _page_model(site: Path) -> str:
    manifest = json.loads((site / ".reportgen-manifest.json").read_text())
    return manifest["stages"]["train"]["result"]["meta"]["sha256"]


def check(runner, site, *extra):
    res = runner.invoke(app, ["check", "--site-dir", str(site), *extra])
    return res.exit_code, res


def test_the_manifest_names_no_place_of_the_machine(repo):
    first, site = repo
    text = (site / ".reportgen-manifest.json").read_text()
    for place in (str(first), str(first.resolve()), str(BUILTIN), os.path.expanduser("~"),
                  str(Path.cwd())):
        assert place not in text
    strings = []

    def walk(v):
        if isinstance(v, dict):
            strings.extend(v)
            [walk(x) for x in v.values()]
        elif isinstance(v, list):
            [walk(x) for x in v]
        elif isinstance(v, str):
            strings.append(v)

    walk(json.loads(text))
    # site URLs (/assets/…) are the only strings that start with a slash
    assert [s for s in strings if s.startswith("/") and not s.startswith("/assets/")] == []


def test_a_clone_on_a_machine_without_the_model_is_current(repo, runner, tmp_path, monkeypatch):
    first, site = repo
    second = tmp_path / "second"
    shutil.copytree(first / "repo", second / "repo")  # the clone: no data/models here
    monkeypatch.chdir(second)
    clone = second / "repo" / "website"
    code, res = check(runner, clone)
    assert code == 0, res.output
    assert "the page is current" in res.stdout
    assert "not on this machine" in res.stderr and "taken as recorded" in res.stderr

    # the same model at another path, under another name: nothing is stale, nothing noted
    artefact = second / "ci-artefacts" / "the-model.keras"
    artefact.parent.mkdir()
    model = store.locate(first / "data" / "models", _page_model(site))
    shutil.copy(model, artefact)
    code, res = check(runner, clone, "--model", str(artefact))
    assert code == 0 and "not on this machine" not in res.stderr, res.output

    # another model is another model: the model stages are stale, and say why
    other = second / "ci-artefacts" / "other.keras"
    other.write_bytes(b"other weights")
    code, res = check(runner, clone, "--model", str(other), "--json")
    rep = json.loads(res.stdout)
    assert code == 1 and rep["stale"][0] == "train"
    assert "its input 'source' changed" in rep["reasons"]["train"]

    # a one-line edit of the page: exit 1, naming the page and why
    page = clone / PAGE_PATH
    page.write_text(page.read_text().replace("## ", "## Edited ", 1))
    code, res = check(runner, clone)
    assert code == 1
    assert f"changed: {PAGE_PATH.as_posix()}" in res.stdout
    assert f"stale: render: {PAGE_PATH.as_posix()} was edited or replaced by hand" in res.stdout


def test_training_another_model_into_the_store_changes_nothing(repo, runner):
    first, site = repo
    opts = Options(dataset=first / "repo" / "data" / "tiny.npz", epochs=1, seed=1)
    fake_train(pipeline.open_dataset(opts.source()), opts.models_dir, epochs=1, seed=1)
    assert len(list(Path("data/models").glob("*/*.keras"))) == 2
    code, res = check(runner, site)
    assert code == 0, res.output


def test_a_stale_stage_names_the_input_that_changed(repo, runner, monkeypatch):
    first, site = repo
    monkeypatch.setattr("reportgen.report.stages.template_source", lambda: "another template")
    code, res = check(runner, site, "--json")
    rep = json.loads(res.stdout)
    assert code == 1 and rep["stale"] == ["render"]
    assert rep["reasons"] == {"render": ["its input 'templates' changed"]}
    monkeypatch.undo()
    monkeypatch.setattr("reportgen.engine.stage.__version__", "9.9.9")
    code, res = check(runner, site)
    assert code == 1 and "stale: sample: reportgen's version changed (" in res.stdout
    assert "→ 9.9.9)" in res.stdout
