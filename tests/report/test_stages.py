"""The stage registry run on a model given with --model whose metadata and probabilities
are already in place (no TensorFlow): every key computable without running (``stale``),
the previous model remembered in the site's state, and a comparison with a model whose
file is gone."""

import dataclasses
import hashlib
import json

import pytest

from reportgen import pipeline
from reportgen.data.dataset import load_dataset
from reportgen.engine.manifest import Manifest
from reportgen.engine.typed import dump
from reportgen.models.store import _npz_bytes, foreign_cache_path
from reportgen.models.tta import SHIFTS, view_name
from reportgen.options import Options
from reportgen.records import ModelRef
from reportgen.report import assets
from reportgen.report import stages as S
from reportgen.report.check import assess
from reportgen.report.run import open_run
from tests.helpers import fake_meta, fake_probs, fake_run, seed_probabilities

PLAN = tuple(s for s in S.STAGES if s.name != "custom_test")


def given_model(folder, ds, name="m.keras", data=b"weights", wrong=None, accuracy=0.95):
    """A model file with metadata beside it (as models.given reads it, so nothing is
    evaluated) and its probabilities in the store's cache."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    meta = dataclasses.replace(fake_meta(), key=None, history=[], test_accuracy=accuracy,
                               sha256=hashlib.sha256(data).hexdigest())
    path.with_suffix(".json").write_text(json.dumps(dump(meta)))
    seed_probabilities(folder / "models", meta, ds, fake_probs(ds.y_test, wrong or {}))
    return path


@pytest.fixture
def no_diagram(monkeypatch):
    monkeypatch.setattr("reportgen.report.sections.model_figures.diagram_available", lambda: False)
    monkeypatch.setattr("reportgen.report.charts.figures.diagram_available", lambda: False)


def opts_with(tmp_path, npz_path, model, **kw):
    return Options(dataset=npz_path, site_dir=tmp_path / "site", models_dir=tmp_path / "models",
                   export_dir=tmp_path / "export", log_file=tmp_path / "tune.log",
                   sample_per_class=1, model=model, **kw)


def stale_of(opts):
    return assess(opts, Manifest(opts.site_dir))[0]


def run_all(opts):
    site_run = open_run(opts)
    pipeline.run_stages(site_run, PLAN)
    return site_run


def test_stale_computes_every_key_without_running(tmp_path, npz_path, no_diagram):
    ds = load_dataset(npz_path)
    model = given_model(tmp_path, ds)
    opts = opts_with(tmp_path, npz_path, model)
    assert stale_of(opts) == [s.name for s in PLAN if s.name != "changes"]  # no page yet
    run_all(opts)
    assert stale_of(opts) == []
    assert stale_of(dataclasses.replace(opts, title="Another")) == ["render"]
    assert stale_of(dataclasses.replace(opts, sample_per_class=2)) == [
        "sample", "render", "summary"]
    manifest = (opts.site_dir / ".reportgen-manifest.json").read_text()
    given_model(tmp_path, ds, data=b"retrained", wrong={0: 1})  # the same path, new bytes
    stale = stale_of(opts)
    assert stale[:4] == ["train", "gallery", "calibration", "label_errors"]
    assert {"render", "summary"} <= set(stale)
    assert (opts.site_dir / ".reportgen-manifest.json").read_text() == manifest  # wrote nothing


def test_previous_model_kept_in_the_site_state(tmp_path, npz_path, no_diagram):
    ds = load_dataset(npz_path)
    first = given_model(tmp_path, ds, "a.keras", b"a")
    second = given_model(tmp_path, ds, "b.keras", b"b", wrong={0: 1})
    run_all(opts_with(tmp_path, npz_path, first))
    run = run_all(opts_with(tmp_path, npz_path, second))
    assert run.results["changes"].previous == "a.keras"  # a name, not a place
    assert [c.index for c in run.results["changes"].new] == [0]
    again = run_all(opts_with(tmp_path, npz_path, second))  # warm: the comparison stays
    assert "changes" not in again.site.ran and again.results["changes"] is not None
    assert again.state.previous_model.path == "a.keras"
    state = json.loads((tmp_path / "site" / ".reportgen-manifest.json").read_text())["state"]
    assert state["previous_model"]["path"] == "a.keras"
    assert [h["name"] for h in state["history"]] == ["a.keras", "b.keras"]
    assert set(state["components"]) == set(assets.COMPONENTS)


def test_no_changes_when_the_previous_models_file_is_gone(tmp_path, npz_path):
    """The page's previous model was deleted and its probabilities were never cached: no
    comparison, no error; a re-run does not try again (the stage is recorded)."""
    opts = opts_with(tmp_path, npz_path, None)
    run = fake_run(opts)
    run.state.previous_model = ModelRef(str(tmp_path / "gone.keras"),
                                        dataclasses.replace(fake_meta(), sha256="1" * 64))
    pipeline.run_stages(run, (S.STAGE["changes"],))
    assert run.results["changes"] is None and "changes" in run.site.ran
    again = fake_run(opts)
    again.state.previous_model = run.state.previous_model
    pipeline.run_stages(again, (S.STAGE["changes"],))
    assert again.results["changes"] is None and "changes" not in again.site.ran


def test_the_page_keeps_a_given_model_until_told_otherwise(tmp_path, npz_path, no_diagram):
    ds = load_dataset(npz_path)
    first = given_model(tmp_path, ds, "a.keras", b"a")
    second = given_model(tmp_path, ds, "b.keras", b"b", wrong={0: 1})
    opts = opts_with(tmp_path, npz_path, first)
    pipeline.site_assets(dataclasses.replace(opts, workers=1))
    pipeline.regenerate_gallery(dataclasses.replace(opts, model=second))
    plain = dataclasses.replace(opts, model=None, workers=1)
    rep = pipeline.site_assets(plain)  # no --model: the page keeps gallery's model
    assert rep.summary["model"]["path"].endswith("b.keras") and "train" not in rep.ran
    for told in ({"train": True}, {"epochs": 2}, {"model_kind": "cnn"}):
        assert open_run(dataclasses.replace(plain, **told)).opts.model is None
    assert open_run(plain).opts.model == second


def test_page_only_audit_needs_no_export(tmp_path, npz_path, no_diagram):
    ds = load_dataset(npz_path)
    opts = opts_with(tmp_path, npz_path, given_model(tmp_path, ds))
    run_all(opts)
    assert pipeline.audit(opts, page_only=True).ok
    victim = next((opts.assets_dir / "train").rglob("*.png"))
    victim.unlink()
    rep = pipeline.audit(dataclasses.replace(opts, export_dir=tmp_path / "none"), page_only=True)
    assert [(f.kind, f.path) for f in rep.findings] == [("missing-reference", str(victim))]


def test_label_errors_rank_by_the_average_over_the_shifts(tmp_path, npz_path):
    """One pass doubts image 0's label and its four shifted copies do not; every shifted
    copy doubts image 1's and the pass as it is does not. The stage ranks by the average of
    the five (models.tta): image 1 is the suspect, image 0 is not."""
    opts = opts_with(tmp_path, npz_path, None)
    run = fake_run(opts)
    y, k, meta = run.ds.y_test, run.ds.info.n_classes, run.model.meta

    def cache(view, probs):
        path = foreign_cache_path(opts.models_dir, meta.sha256, meta.input_scaling, "test", view)
        path.write_bytes(_npz_bytes(probs, run.ds.digest))

    cache("", fake_probs(y, {0: (int(y[0]) + 1) % k}))
    for shift in SHIFTS:
        cache(view_name(shift), fake_probs(y, {1: (int(y[1]) + 1) % k}))
    pipeline.run_stages(run, (S.STAGE["label_errors"],))
    le = run.results["label_errors"]
    assert le.indices == [1] and le.given == [int(y[1])]
    assert le.self_confidence[0] == pytest.approx((0.91 + 4 * 0.01) / 5, abs=1e-6)


def test_label_errors_fall_back_to_one_pass_when_only_its_probabilities_are_here(
        tmp_path, npz_path):
    """The model's file is not on this machine and its shifted views were never cached:
    the stage ranks by the cached test probabilities, says so, and does not fail."""
    opts = opts_with(tmp_path, npz_path, None)
    run = fake_run(opts, wrong={2: 0})
    meta = run.model.meta
    for shift in SHIFTS:
        foreign_cache_path(opts.models_dir, meta.sha256, meta.input_scaling, "test",
                           view_name(shift)).unlink()
    pipeline.run_stages(run, (S.STAGE["label_errors"],))
    le = run.results["label_errors"]
    assert le.indices[0] == 2 and le.shift_averaged is False
    assert any("ranked by one pass" in p for p in run.site.problems)
