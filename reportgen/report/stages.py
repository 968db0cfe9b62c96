"""The stage registry: every stage of the page, declared once (engine.stage.Stage): its
name, result type, key inputs, constants, the modules whose source goes into its key, and
the plain function it runs. :class:`Run` is what the stages of one run share: options,
the site's manifest and state, the dataset (loaded when a stage first needs it) and the
typed results so far. README's Architecture section lists stage → module → key → outputs.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from ..analysis.calibration import N_BINS, calibration
from ..analysis.changes import compare, robustness_changes
from ..analysis.corruptions import SEED, severities
from ..analysis.label_errors import EVEN_ODDS, suspected_label_errors
from ..data.dataset import SPLITS
from ..data.export import image_path, publish_all, publish_sample
from ..engine.files import PNG_OPTIONS, relpath, sha256_file, write_text
from ..engine.manifest import StageOutput
from ..engine.stage import Stage
from ..engine.typed import dump
from ..errors import ModelError, ReportgenError
from ..models import tunelog
from ..models.given import model_meta_for
from ..models.io import load as load_model
from ..models.kinds import get_kind
from ..models.store import model_sha256
from ..models.train import train_model
from ..records import (
    Calibration,
    ClassCounts,
    CustomTestResult,
    GalleryResult,
    ModelChanges,
    ModelFigures,
    ModelRef,
    Robustness,
    Sample,
    SuspectedLabelErrors,
)
from . import assets
from .class_counts import write_class_counts
from .custom_images import run_custom_test
from .figures import diagram_available, write_model_figures
from .gallery import TOP_PAIRS, write_gallery
from .reliability import write_reliability
from .render import PAGE_CODE, render_page, template_source, write_page
from .robustness import measure_robustness, write_robustness
from .run import Run
from .site import DEFAULT_CATEGORY_LABEL, category_folder, site_has_own_category, write_category
from .summary import build_summary

# The stages' functions: each adapts the run to one plain call into its module.

def _sample(r: Run) -> StageOutput:
    o = r.opts
    files = publish_sample(r.ds, o.assets_dir, o.sample_per_class, o.seed)
    paths = [image_path(o.assets_dir, s, d, int(n[:5]))
             for s in SPLITS for d, names in files[s].items() for n in names]
    if o.publish_all:
        publish_all(o.export_dir, o.assets_dir, r.ds.info.labels)
        paths = [image_path(o.assets_dir, s, d, i)
                 for s in SPLITS for i, d in enumerate(r.ds.split(s)[1])]
    sample = Sample(o.sample_per_class, o.seed,
                    {s: {r.ds.info.slug_of(d): v for d, v in files[s].items()} for s in SPLITS})
    for s in SPLITS:  # label 0's images first, as the page's rows
        indices = [int(n[:5]) for d in sorted(files[s]) for n in files[s][d]]
        paths.append(assets.write_sheet(r.ds.split(s)[0], indices, o.assets_dir / s))
        sample.sheets[s] = o.url(paths[-1])
    return StageOutput(dump(sample), paths)


def _train_inputs(r: Run) -> tuple:
    o = r.opts
    if o.model is not None:
        if not o.model.exists():
            kept = " (the page's model; pass --model, or --train to train one)" if (
                r.state.model == str(o.model)) else ""
            raise ModelError(f"{o.model}: no such model file{kept}")
        return {"source": "given", "dataset": r.ds.digest, "model": model_sha256(o.model),
                "input scaling": o.input_scaling}
    return {"source": "trained", "dataset": r.ds.digest, "model kind": o.model_kind,
            "recipe": get_kind(o.model_kind).recipe.as_dict(), "epochs": o.train_epochs,
            "seed": o.seed}


def _train(r: Run) -> StageOutput:
    o = r.opts
    if o.model is not None:
        meta = model_meta_for(o.model, r.ds, o.models_dir, o.input_scaling)
        return StageOutput(dump(r.model_ref(o.model, meta)))
    res = train_model(r.ds, o.models_dir, kind=o.model_kind, epochs=o.train_epochs,
                      seed=o.seed, log_path=o.log_file, retrain=o.retrain,
                      on_epoch=getattr(r.progress, "epoch", None))
    return StageOutput(dump(r.model_ref(res.model_path, res.meta)))


def _model_gone(r: Run) -> bool:
    """True when the page's recorded model was trained here and its file is gone from this
    machine's store (a site-assets run trains it again; ``check`` only notes it)."""
    return r.opts.model is None and r.before is not None and not r.has_model_file(r.before)


def _gallery(r: Run) -> StageOutput:
    o, ds = r.opts, r.ds
    g, written = write_gallery(ds.x_test, ds.y_test, r.probabilities(r.model), o.assets_dir,
                               o.url, epochs=r.model.meta.epochs, info=ds.info,
                               y_train=ds.y_train,
                               train_probs=r.probabilities(r.model, "train"))
    cm_file = o.site_dir / "static" / g.confusion_png.lstrip("/")
    g.log = tunelog.confusion_saved(relpath(cm_file, o.site_dir))
    tunelog.append_log(o.log_file, g.log)
    return StageOutput(dump(g), written)


def _calibration(r: Run) -> StageOutput:
    cal = calibration(r.ds.y_test, r.probabilities(r.model))
    cal, written = write_reliability(cal, r.model.meta, r.opts.assets_dir / assets.CALIBRATION_DIR,
                                     r.opts.url, r.ds.info)
    return StageOutput(dump(cal), written)


def _label_errors(r: Run) -> StageOutput:
    probs = r.probabilities(r.model)
    res = suspected_label_errors(r.ds.y_test, probs)
    shown = list(zip(res.indices, res.given, res.predicted, strict=True))[:assets.SHOWN]
    items = [(i, assets.thumbnail_name(g, i, p)) for i, g, p in shown]
    res.files = [name for _, name in items]
    written, sheet = assets.write_thumbnail_grid(r.ds.x_test, items,
                                                 r.opts.assets_dir / assets.LABEL_ERRORS_DIR)
    res.sheet = r.opts.url(sheet) if sheet else None
    return StageOutput(dump(res), written)


def _changes(r: Run) -> StageOutput:
    previous = r.previous
    try:
        before = r.probabilities(previous)
    except ReportgenError:
        return StageOutput(None)  # its file is gone: nothing to compare with
    ch = compare(r.ds.y_test, before, r.probabilities(r.model), previous=previous.path,
                 current=r.model.path)
    ch.robustness = robustness_changes(r.previous_robustness, r.results.get("robustness"))
    written = []
    for which in ("fixed", "new"):
        shown = getattr(ch, which)[:assets.SHOWN]
        for c in shown:
            c.file = assets.thumbnail_name(c.label, c.index, c.now)
        files, sheet = assets.write_thumbnail_grid(
            r.ds.x_test, [(c.index, c.file) for c in shown],
            r.opts.assets_dir / assets.CHANGES_DIR / which)
        written += files
        if sheet:
            ch.sheets[which] = r.opts.url(sheet)
    return StageOutput(dump(ch), written)


def _robustness(r: Run) -> StageOutput:
    ds, m = r.ds, r.model
    clean = float((r.probabilities(m).argmax(axis=1) == ds.y_test).mean())
    try:
        model = load_model(r.model_file(m), ds.info)
    except ModelError as exc:  # e.g. only its probabilities are on this machine
        r.site.problems.append(f"Robustness section left out: {exc}")
        return StageOutput(None)
    rob, samples = measure_robustness(ds.x_test, ds.y_test, clean, lambda x: model.predict(
        x, m.meta.input_scaling), model_sha256=m.meta.sha256, seed=SEED)
    rob, written = write_robustness(rob, ds.x_test[rob.sample_index], samples, m.meta,
                                    r.opts.assets_dir / assets.ROBUSTNESS_DIR, r.opts.url,
                                    ds.info)
    return StageOutput(dump(rob), written)


def _model_figures(r: Run) -> StageOutput:
    figs, written = write_model_figures(r.model_file(r.model), r.model.meta, r.opts.assets_dir,
                                        r.opts.url, name=r.model.path)
    return StageOutput(dump(figs), written)


def _class_counts(r: Run) -> StageOutput:
    chart = r.opts.assets_dir / assets.CLASS_COUNTS
    counts = ClassCounts(r.ds.digest, r.ds.class_counts("train"), r.ds.class_counts("test"),
                         r.opts.url(chart))
    return StageOutput(dump(counts), write_class_counts(counts.train, counts.test, chart,
                                                        r.ds.info))


def _custom_inputs(r: Run) -> tuple:
    """Each image by its path inside the input it came from (``7.png``, ``7/a.png``) and its
    sha256: the same key from any working directory or machine."""
    files, problems = r.custom_files
    roots = [Path(p).resolve() for p in r.opts.custom_inputs()]

    def name(f: Path) -> str:
        f = f.resolve()
        root = next((x for x in roots if x == f or x in f.parents), f.parent)
        return f.name if root == f else f.relative_to(root).as_posix()

    return {"model": r.model.meta.sha256, "input scaling": r.model.meta.input_scaling,
            "custom images": [(name(f), sha256_file(f)) for f in files],
            "unreadable images": len(problems)}


def _custom_test(r: Run) -> StageOutput:
    files, problems = r.custom_files
    res, written = run_custom_test(r.model_file(r.model), r.model.meta, files, problems,
                                   r.opts.assets_dir, r.opts.url, r.opts.log_file, r.ds.info)
    return StageOutput(dump(res) if res else None, written)


def _category_label(r: Run) -> str:
    return r.state.category_label or DEFAULT_CATEGORY_LABEL


def _render(r: Run) -> StageOutput:
    return StageOutput(None, [write_page(r.opts.site_dir, render_page(r.context),
                                         r.opts.docs_dir)])


def _summary_content(r: Run, timings: dict[str, float]) -> dict:
    return build_summary(r.results, dataset_path=r.opts.dataset, page=r.page, timings=timings)


def _summary_key(r: Run) -> dict:
    """summary.json's content without the timings and the paths (named relative to the
    working directory, which differs between a maintainer's machine and a docs CI)."""
    content = _summary_content(r, {})
    for section, field in (("dataset", "path"), ("model", "path"), ("changes", "previous_model")):
        content.get(section, {}).pop(field, None)
    content.pop("page")
    return content


def _summary(r: Run) -> StageOutput:
    timings = {name: r.site.seconds(name) for name in TIMED_STAGES}
    timings |= {"train": r.model.meta.train_seconds, "export": r.export_seconds}
    path = r.opts.assets_dir / assets.SUMMARY
    write_text(path, json.dumps(_summary_content(r, timings), indent=2) + "\n")
    return StageOutput(None, [path])


def _model_key(r: Run) -> dict:
    return {"dataset": r.ds.digest, "model": r.model.meta.sha256,
            "input scaling": r.model.meta.input_scaling}


def _assets(r: Run) -> Path:
    return r.opts.assets_dir


def _under_assets(folder: str):
    return lambda r: r.opts.assets_dir / folder


_PLOT = ("reportgen.report.plotting", "reportgen.report.assets")
#: The records the page is made of, beyond the page stages themselves.
PAGE_RECORDS = ("sample", "train", "gallery", "calibration", "label_errors", "robustness",
                "changes", "model_figures", "class_counts", "custom_test")

SAMPLE = Stage("sample", Sample, inputs=lambda r: {
    "dataset": r.ds.digest, "--sample-per-class": r.opts.sample_per_class,
    "--seed": r.opts.seed, "--publish-all": r.opts.publish_all},
    run=_sample, out_dir=_assets, constants=(PNG_OPTIONS,),
    code=("reportgen.data.export", "reportgen.data.dataset", "reportgen.report.assets"))
TRAIN = Stage("train", ModelRef, inputs=_train_inputs, run=_train,
              out_dir=lambda r: r.opts.model.parent if r.opts.model else r.opts.models_dir,
              force=lambda r: r.opts.retrain or _model_gone(r),
              code=("reportgen.models.train", "reportgen.models.given", "reportgen.models.kinds",
                    "reportgen.models.io", "reportgen.models.store"))
GALLERY = Stage("gallery", GalleryResult, inputs=_model_key, run=_gallery, out_dir=_assets,
                constants=(TOP_PAIRS,), reads=("train",),
                code=("reportgen.report.gallery", "reportgen.report.heatmap", *_PLOT,
                      "reportgen.analysis.mistakes", "reportgen.analysis.metrics"))
CALIBRATION = Stage("calibration", Calibration, inputs=_model_key, run=_calibration,
                    out_dir=_under_assets(assets.CALIBRATION_DIR), constants=(N_BINS,),
                    reads=("train",),
                    code=("reportgen.report.reliability", *_PLOT,
                          "reportgen.analysis.calibration"))
LABEL_ERRORS = Stage("label_errors", SuspectedLabelErrors,
                     inputs=lambda r: {**_model_key(r), "cleanlab": version("cleanlab")},
                     run=_label_errors,
                     out_dir=_under_assets(assets.LABEL_ERRORS_DIR),
                     constants=(EVEN_ODDS, assets.SHOWN), label="label errors", reads=("train",),
                     code=("reportgen.analysis.label_errors", "reportgen.report.assets"))
ROBUSTNESS = Stage("robustness", Robustness | None, inputs=lambda r: {
    **_model_key(r), "severities": severities(), "seed": SEED}, run=_robustness,
    out_dir=_under_assets(assets.ROBUSTNESS_DIR), reads=("train",),
    code=("reportgen.report.robustness", "reportgen.analysis.corruptions", *_PLOT))
CHANGES = Stage("changes", ModelChanges | None, applies=lambda r: r.previous is not None,
                inputs=lambda r: {
                    **_model_key(r), "previous model": r.previous.path,
                    "previous model's digest": r.previous.meta.sha256,
                    "previous model's input scaling": r.previous.meta.input_scaling,
                    "previous robustness": dump(r.previous_robustness),
                    "robustness": dump(r.results.get("robustness"))},
                run=_changes, out_dir=_under_assets(assets.CHANGES_DIR),
                constants=(assets.SHOWN,), reads=("train", "robustness"),
                code=("reportgen.analysis.changes", "reportgen.report.assets"))
MODEL_FIGURES = Stage("model_figures", ModelFigures, inputs=lambda r: {
    "model": r.model.meta.sha256, "model name": r.model.path,
    "training history": r.model.meta.history, "Graphviz": diagram_available()},
    run=_model_figures, out_dir=_under_assets(assets.FIGURES_DIR), label="model figures",
    reads=("train",),
    code=("reportgen.report.figures", *_PLOT))
CLASS_COUNTS = Stage("class_counts", ClassCounts, inputs=lambda r: {"dataset": r.ds.digest},
                     run=_class_counts, out_dir=_assets, label="class counts",
                     code=("reportgen.report.class_counts", *_PLOT))
CUSTOM_TEST = Stage("custom_test", CustomTestResult | None,
                    applies=lambda r: bool(r.opts.custom_inputs()), inputs=_custom_inputs,
                    run=_custom_test, out_dir=_under_assets(assets.CUSTOM_DIR),
                    label="custom test", reads=("train",),
                    code=("reportgen.report.custom_images", "reportgen.report.heatmap", *_PLOT,
                          "reportgen.data.images", "reportgen.models.predict"))
CATEGORY = Stage("category", str,
                 applies=lambda r: not site_has_own_category(r.opts.site_dir,
                                                             r.site.has("category"),
                                                             r.opts.docs_dir),
                 inputs=lambda r: {"--category-label": _category_label(r),
                                   "--docs-dir": r.opts.docs_dir},
                 run=lambda r: StageOutput(_category_label(r), [write_category(
                     r.opts.site_dir, _category_label(r), r.opts.docs_dir)]),
                 out_dir=lambda r: category_folder(r.opts.site_dir, r.opts.docs_dir),
                 timed=False,
                 code=("reportgen.report.site",))
RENDER = Stage("render", None, inputs=lambda r: {
    **{f"page {k.replace('_', ' ')}": v for k, v in dump(r.context).items()},
    "templates": template_source(), "--docs-dir": r.opts.docs_dir},
    run=_render, out_dir=lambda r: r.page.parent,
    code=(*PAGE_CODE, "reportgen.report.assets"), reads=PAGE_RECORDS)
SUMMARY = Stage("summary", None, inputs=lambda r: {
    f"summary {k}": v for k, v in _summary_key(r).items()}, run=_summary,
                out_dir=_assets, timed=False, code=("reportgen.report.summary",),
                reads=PAGE_RECORDS)

#: Every stage, in run order.
STAGES: tuple[Stage, ...] = (SAMPLE, TRAIN, GALLERY, CALIBRATION, LABEL_ERRORS, ROBUSTNESS,
                             CHANGES, MODEL_FIGURES, CLASS_COUNTS, CUSTOM_TEST, CATEGORY, RENDER, SUMMARY)
STAGE = {s.name: s for s in STAGES}
#: The page's model and the stages describing it (`reportgen gallery`).
MODEL_STAGES = (TRAIN, GALLERY, CALIBRATION, LABEL_ERRORS, ROBUSTNESS, CHANGES, MODEL_FIGURES)
#: What makes the page from the records (`reportgen render`).
PAGE_STAGES = (CATEGORY, RENDER, SUMMARY)
#: summary.json's timings: the export, then every timed stage, in run order.
TIMED_STAGES = ("export", *(s.name for s in STAGES if s.timed))
