"""What each stage's key is made of (report.stages): one test per stage, asserting which
inputs change its key and which do not. Keys are computed without running anything."""

import dataclasses

import pytest

from reportgen.engine.stage import key_of
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.records import ModelFigures, ModelRef
from reportgen.report import stages as S
from reportgen.report.run import Run
from tests.conftest import make_arrays, write_npz
from tests.helpers import SAMPLES, fake_meta, fake_run


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A run whose page records exist (a fake model, tiny data), for computing keys."""
    root = tmp_path_factory.mktemp("keys")
    npz = write_npz(root / "tiny.npz", make_arrays(3, 2))
    opts = Options(dataset=npz, site_dir=root / "site", models_dir=root / "models",
                   export_dir=root / "export", log_file=root / "tune.log", sample_per_class=2)
    run = fake_run(opts, wrong={0: 3})
    run_stages(run, tuple(S.STAGE[n] for n in ("sample", "gallery", "calibration",
                                               "label_errors", "class_counts")))
    run.results |= {"model_figures": ModelFigures(), "custom_test": None, "changes": None}
    return root, run


def variant(run: Run, results: dict | None = None, **opts) -> Run:
    """The same run with some options and results changed (a new Run: nothing cached)."""
    other = Run(dataclasses.replace(run.opts, **opts), run.site, dataclasses.replace(run.state))
    other.results = dict(run.results) | (results or {})
    return other


def other_model(run: Run, **meta) -> dict:
    m = run.model
    return {"train": ModelRef(m.path, dataclasses.replace(m.meta, **meta))}


def changes(stage, run, **kw) -> bool:
    return key_of(stage, run) != key_of(stage, variant(run, **kw))


def other_dataset(root):
    return write_npz(root / "other.npz", make_arrays(3, 2, seed=1))


def test_sample_key(base):
    root, run = base
    assert changes(S.STAGE["sample"], run, sample_per_class=3)
    assert changes(S.STAGE["sample"], run, seed=1)
    assert changes(S.STAGE["sample"], run, publish_all=True)
    assert changes(S.STAGE["sample"], run, assets_url="/elsewhere")
    assert changes(S.STAGE["sample"], run, dataset=other_dataset(root))
    assert not changes(S.STAGE["sample"], run, epochs=9, title="T", model_kind="cnn")
    assert not changes(S.STAGE["sample"], run, results=other_model(run, sha256="1" * 64))


def test_train_key(base, tmp_path):
    root, run = base
    assert changes(S.STAGE["train"], run, epochs=9)
    assert changes(S.STAGE["train"], run, seed=1)
    assert changes(S.STAGE["train"], run, model_kind="cnn")
    assert changes(S.STAGE["train"], run, dataset=other_dataset(root))
    assert not changes(S.STAGE["train"], run, sample_per_class=3, title="T", assets_url="/x")
    given = tmp_path / "m.keras"
    given.write_bytes(b"one")
    with_model = variant(run, model=given)
    assert key_of(S.STAGE["train"], with_model) != key_of(S.STAGE["train"], run)
    assert changes(S.STAGE["train"], with_model, input_scaling="unit")
    before = key_of(S.STAGE["train"], with_model)
    given.write_bytes(b"two")  # replaced at the same path
    assert key_of(S.STAGE["train"], variant(with_model)) != before


@pytest.mark.parametrize("stage", [S.STAGE["gallery"], S.STAGE["calibration"], S.STAGE["label_errors"]],
                         ids=lambda s: s.name)
def test_model_describing_keys(base, stage):
    root, run = base
    assert changes(stage, run, results=other_model(run, sha256="1" * 64))
    assert changes(stage, run, results=other_model(run, input_scaling="unit"))
    assert changes(stage, run, dataset=other_dataset(root))
    assert changes(stage, run, assets_url="/elsewhere")
    assert not changes(stage, run, seed=5, sample_per_class=3, title="T", epochs=9)
    assert not changes(stage, run, results=other_model(run, trained_at="2030-01-01"))


def test_robustness_key(base, monkeypatch):
    """The model (file, input scaling, dataset), the corruption set, the severities and
    the seed; nothing else."""
    from reportgen.analysis import corruptions

    root, run = base
    assert changes(S.STAGE["robustness"], run, results=other_model(run, sha256="1" * 64))
    assert changes(S.STAGE["robustness"], run, results=other_model(run, input_scaling="unit"))
    assert changes(S.STAGE["robustness"], run, dataset=other_dataset(root))
    assert not changes(S.STAGE["robustness"], run, title="T", seed=3, sample_per_class=3, epochs=9)
    assert not changes(S.STAGE["robustness"], run, results=other_model(run, train_seconds=9.0))
    key = key_of(S.STAGE["robustness"], run)
    from reportgen.report.sections import robustness as section

    monkeypatch.setattr(section, "SEED", 1)
    assert key_of(S.STAGE["robustness"], run) != key
    monkeypatch.setattr(section, "SEED", corruptions.SEED)
    assert key_of(S.STAGE["robustness"], run) == key
    # a copy, so that the module's own dict keeps its order
    monkeypatch.setattr(corruptions, "CORRUPTIONS", dict(corruptions.CORRUPTIONS))
    fog = corruptions.CORRUPTIONS["fog"]
    corruptions.CORRUPTIONS["fog"] = dataclasses.replace(fog, severity=0.9)
    assert key_of(S.STAGE["robustness"], run) != key
    del corruptions.CORRUPTIONS["fog"]
    assert key_of(S.STAGE["robustness"], run) != key


def test_changes_key(base):
    root, run = base
    prev = ModelRef("old.keras", dataclasses.replace(fake_meta(), sha256="2" * 64))
    with_prev = variant(run)
    with_prev.state.previous_model = prev
    assert S.STAGE["changes"].applies(with_prev) and not S.STAGE["changes"].applies(run)
    key = key_of(S.STAGE["changes"], with_prev)
    other = variant(with_prev)
    other.state.previous_model = ModelRef("old.keras", dataclasses.replace(prev.meta,
                                                                           sha256="3" * 64))
    assert key_of(S.STAGE["changes"], other) != key
    newer = variant(with_prev, results=other_model(run, sha256="4" * 64))
    newer.state.previous_model = prev
    assert key_of(S.STAGE["changes"], newer) != key
    same = variant(with_prev, title="T", seed=3)
    same.state.previous_model = prev
    assert key_of(S.STAGE["changes"], same) == key


def test_model_figures_key(base):
    root, run = base
    assert changes(S.STAGE["model_figures"], run, results=other_model(run, sha256="1" * 64))
    assert changes(S.STAGE["model_figures"], run, results=other_model(run, history=[{"epoch": 0}]))
    assert not changes(S.STAGE["model_figures"], run, dataset=other_dataset(root), seed=3)


def test_class_counts_key(base):
    root, run = base
    assert changes(S.STAGE["class_counts"], run, dataset=other_dataset(root))
    assert changes(S.STAGE["class_counts"], run, assets_url="/elsewhere")
    assert not changes(S.STAGE["class_counts"], run, results=other_model(run, sha256="1" * 64))
    assert not changes(S.STAGE["class_counts"], run, seed=3, epochs=9)


def test_custom_test_key(base, tmp_path, monkeypatch):
    root, run = base
    img = tmp_path / "7.png"
    img.write_bytes((SAMPLES / "7.png").read_bytes())
    mine = variant(run, custom_images=[tmp_path])
    assert S.STAGE["custom_test"].applies(mine)
    key = key_of(S.STAGE["custom_test"], mine)
    monkeypatch.chdir(root)  # another working directory, the same images: the same key
    assert key_of(S.STAGE["custom_test"], variant(mine)) == key
    copy = root / "elsewhere"
    copy.mkdir(exist_ok=True)
    (copy / "7.png").write_bytes(img.read_bytes())  # the same inputs in another place
    assert key_of(S.STAGE["custom_test"], variant(mine, custom_images=[copy])) == key
    img.write_bytes((SAMPLES / "1.png").read_bytes())  # the same file, other pixels
    assert key_of(S.STAGE["custom_test"], variant(mine)) != key
    assert changes(S.STAGE["custom_test"], mine, results=other_model(run, sha256="1" * 64))
    assert not changes(S.STAGE["custom_test"], mine, seed=3, dataset=other_dataset(root))


def test_category_key(base):
    root, run = base
    assert changes(S.CATEGORY, run, category_label="Vision")
    assert not changes(S.CATEGORY, run, title="T", seed=3)


def test_render_key(base):
    root, run = base
    assert changes(S.RENDER, run, title="Another title")
    assert changes(S.RENDER, run, description="Another description")
    assert changes(S.RENDER, run, results=other_model(run, test_accuracy=0.5))
    assert changes(S.RENDER, run, results={"changes": None, "custom_test": None,
                                           "calibration": None})
    assert not changes(S.RENDER, run, seed=3, epochs=9, dataset=other_dataset(root))


def test_summary_key(base):
    root, run = base
    assert changes(S.SUMMARY, run, results=other_model(run, test_accuracy=0.5))
    # paths are named relative to the working directory: not part of the key; another
    # dataset reaches the summary through the class_counts record it reads
    assert not changes(S.SUMMARY, run, dataset=other_dataset(root))
    assert "class_counts" in S.SUMMARY.reads
    assert not changes(S.SUMMARY, run, title="T", seed=3)
    assert not changes(S.SUMMARY, run, results=other_model(run, train_seconds=99.0))


def test_every_stage_keys_the_code_that_makes_its_output():
    """A chart's drawing module is in its own stage's key and no other stage's, so editing
    a chart title reruns that stage only; the shared theme code is in every chart's."""
    owners = {}
    for stage in S.STAGES:
        assert stage.code, stage.name
        for module in stage.code:
            owners.setdefault(module, set()).add(stage.name)
    assert owners["reportgen.report.charts.reliability"] == {"calibration"}
    assert owners["reportgen.report.charts.class_counts"] == {"class_counts"}
    assert owners["reportgen.report.charts.figures"] == {"model_figures"}
    assert owners["reportgen.report.charts.gallery"] == {"gallery"}
    assert owners["reportgen.report.charts.heatmap"] == {"gallery", "custom_test"}
    assert owners["reportgen.report.charts.robustness"] == {"robustness"}
    assert owners["reportgen.analysis.corruptions"] == {"robustness"}
    assert owners["reportgen.report.charts.plotting"] == {
        "gallery", "calibration", "model_figures", "class_counts", "custom_test", "robustness"}
