"""Each stage's key and its call through the stage engine (manifest.py).

A stage function takes the dataset, the options, the site's Manifest and the typed results
of earlier stages, and returns its own typed result (page.py). The tuple passed to
``Manifest.run`` is the stage's key: what, when changed, makes it run again (the output
folder is added by the engine).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from pathlib import Path

from .calibration import Calibration
from .changes import ModelChanges
from .dataset import DIGITS, SPLITS, Dataset
from .errors import ModelError, ReportgenError
from .fsutil import PNG_OPTIONS, sha256_file, write_text
from .label_errors import SuspectedLabelErrors
from .manifest import Manifest, StageOutput
from .options import Options
from .page import (
    TIMED_STAGES,
    CustomTestResult,
    GalleryResult,
    ModelFigures,
    ModelRef,
    SampleFiles,
    build_summary,
    page_context,
    to_json,
)
from .render import install_components, render_page, template_source

SUMMARY = "summary.json"


def _parser(hint):
    """Parse a recorded result as ``hint`` (a dataclass or a typing hint); raises TypeError
    for a result of the wrong shape, so the engine reruns the stage."""
    from .serde import _convert

    return lambda value: _convert(hint, value)


@functools.cache
def _plot_version() -> str:
    """sha256 of the plotting code (part of every chart's key); computed once a process."""
    from . import plotting

    return hashlib.sha256(inspect.getsource(plotting).encode()).hexdigest()


def recorded(site: Manifest, name: str, hint):
    """A stage's recorded result as ``hint``, or None when missing or malformed."""
    from .serde import MALFORMED, _convert

    try:
        return _convert(hint, site.result(name))
    except MALFORMED:
        return None


def open_site(opts: Options) -> Manifest:
    """The site's manifest, temp files of a killed run swept and the components installed
    (or updated, when reportgen's copy there is unedited; see render.install_components)."""
    site = Manifest(opts.site_dir)
    site.sweep_temp_files()
    before = recorded(site, "components", dict[str, str]) or {}
    owned, _ = install_components(opts.site_dir, before)
    site.run("components", (owned,), lambda: StageOutput(owned),
             out_dir=opts.site_dir / "src" / "components", parse=_parser(dict[str, str]))
    return site


def sample_stage(ds: Dataset, opts: Options, site: Manifest) -> SampleFiles:
    """The page's sample (and with --publish-all the full export) into ``<assets>``.
    Returns {split: {digit: file names}}."""
    from .export import image_path, publish_all, publish_sample

    def run():
        files = publish_sample(ds, opts.assets_dir, opts.sample_per_class, opts.seed)
        paths = [image_path(opts.assets_dir, s, d, int(n[:5]))
                 for s in SPLITS for d in DIGITS for n in files[s][d]]
        if opts.publish_all:
            publish_all(opts.export_dir, opts.assets_dir)
            paths = [image_path(opts.assets_dir, s, d, i)
                     for s in SPLITS for i, d in enumerate(ds.split(s)[1])]
        return StageOutput({s: {str(d): v for d, v in files[s].items()} for s in SPLITS}, paths)

    return site.run("sample", (ds.digest, opts.sample_per_class, opts.seed, PNG_OPTIONS,
                               opts.publish_all, opts.export_dir if opts.publish_all else None),
                    run, out_dir=opts.assets_dir, parse=_parser(SampleFiles))


def train_stage(ds: Dataset, opts: Options, site: Manifest, progress=None) -> ModelRef:
    """The page's model: ``opts.model`` when given (described by model_store), else trained
    (or reused from the store) with the default kind. Owns no file of the site."""
    from . import model_store

    if opts.model is not None:
        path = Path(opts.model)
        if not path.exists():
            raise ModelError(f"{path}: no such model file")

        def given():
            meta = model_store.model_meta_for(path, ds, opts.models_dir, opts.input_scaling)
            uses = [path] if path.is_file() else [path / "saved_model.pb"]
            return StageOutput(to_json(ModelRef(str(path.resolve()), meta)), uses=uses)

        key: tuple = ("given", ds.digest, model_store.model_sha256(path), opts.input_scaling,
                      opts.models_dir)
        return site.run("train", key, given, out_dir=path.parent, parse=_parser(ModelRef))

    def train():
        from .train import train_model

        res = train_model(ds, opts.models_dir, kind=opts.model_kind,
                          epochs=opts.train_epochs, seed=opts.seed,
                          log_path=opts.log_file, retrain=opts.retrain,
                          on_epoch=getattr(progress, "epoch", None))
        return StageOutput(to_json(ModelRef(str(res.model_path.resolve()), res.meta)),
                           uses=[res.model_path])

    from .models import get_kind

    key = ("train", ds.digest, opts.model_kind, get_kind(opts.model_kind).recipe.as_dict(),
           opts.train_epochs, opts.seed)
    return site.run("train", key, train, out_dir=opts.models_dir, force=opts.retrain,
                    parse=_parser(ModelRef))


def _probabilities(ds: Dataset, opts: Options, model: ModelRef, split: str = "test"):
    from .model_store import probabilities_of

    return probabilities_of(model, ds, opts.models_dir, split)


def gallery_stage(ds: Dataset, opts: Options, site: Manifest, model: ModelRef) -> GalleryResult:
    """Ranked wrong-prediction gallery, top confusions and the confusion matrices of both
    splits (gallery.py)."""
    from . import tunelog
    from .fsutil import relpath
    from .gallery import write_gallery

    def run():
        g, written = write_gallery(ds.x_test, ds.y_test, _probabilities(ds, opts, model),
                                   opts.assets_dir, opts.url, epochs=model.meta.epochs,
                                   y_train=ds.y_train,
                                   train_probs=_probabilities(ds, opts, model, "train"))
        cm_file = opts.site_dir / "static" / g.confusion_png.lstrip("/")
        g.log = tunelog.confusion_saved(relpath(cm_file, opts.site_dir))
        tunelog.append_log(opts.log_file, g.log)
        return StageOutput(to_json(g), written)

    key = (ds.digest, model.meta.sha256, model.meta.input_scaling, _plot_version())
    return site.run("gallery", key, run, out_dir=opts.assets_dir, parse=_parser(GalleryResult))


def calibration_stage(ds: Dataset, opts: Options, site: Manifest, model: ModelRef) -> Calibration:
    """ECE (15 bins) and the reliability diagram of the test split (calibration.py):
    ``<assets>/calibration/mnist-test-<epochs>-<acc>-reliability.png`` and its dark variant."""
    from .calibration import calibration
    from .gallery import confusion_matrix_name
    from .plotting import reliability_figure, write_chart

    folder = opts.assets_dir / "calibration"

    def run():
        c = calibration(ds.y_test, _probabilities(ds, opts, model))
        name = confusion_matrix_name(model.meta.epochs, model.meta.test_accuracy,
                                     variant="reliability")
        written = write_chart(folder / name,
                              reliability_figure, c.accuracy, c.confidence, c.counts, c.ece,
                              c.n_bins, c.bins)
        c.reliability_png = opts.url(written[0])
        return StageOutput(to_json(c), written)

    key = (ds.digest, model.meta.sha256, model.meta.input_scaling, _plot_version())
    return site.run("calibration", key, run, out_dir=folder, parse=_parser(Calibration))


def label_errors_stage(ds: Dataset, opts: Options, site: Manifest,
                       model: ModelRef) -> SuspectedLabelErrors:
    """Suspected label errors of the test split (label_errors.py, cleanlab)."""
    from importlib.metadata import version

    from .label_errors import EVEN_ODDS, LABEL_ERRORS_DIR, SHOWN, suspected_label_errors

    def run():
        res, written = suspected_label_errors(ds.x_test, ds.y_test,
                                              _probabilities(ds, opts, model),
                                              opts.assets_dir)
        return StageOutput(to_json(res), written)

    key = (ds.digest, model.meta.sha256, model.meta.input_scaling, version("cleanlab"),
           EVEN_ODDS, SHOWN)
    return site.run("label_errors", key, run, out_dir=opts.assets_dir / LABEL_ERRORS_DIR,
                    parse=_parser(SuspectedLabelErrors))


def shown_model(site: Manifest) -> ModelRef | None:
    """The model the page showed before this run (the manifest's train record), or None."""
    return recorded(site, "train", ModelRef | None)


def previous_model(site: Manifest, before: ModelRef | None, model: ModelRef) -> ModelRef | None:
    """The model the page showed before ``model``: ``before`` when the page's model just
    changed, else the one the last comparison was made with (kept in the manifest), else
    None."""
    if before is not None and before.meta.sha256 != model.meta.sha256:
        return before
    kept = recorded(site, "previous_model", ModelRef | None)
    return kept if kept is not None and kept.meta.sha256 != model.meta.sha256 else None


def changes_stage(ds: Dataset, opts: Options, site: Manifest, model: ModelRef,
                  previous: ModelRef | None) -> ModelChanges | None:
    """"Changes since the previous model" (changes.py): None when there is no previous
    model (its record and files deleted) or its probabilities cannot be had (its file is
    gone)."""
    from .changes import CHANGES_DIR, compare, write_change_thumbnails

    if previous is None:
        site.drop("changes")
        site.drop("previous_model")
        return None

    def run():
        try:
            before = _probabilities(ds, opts, previous)
        except ReportgenError:
            return StageOutput(None)  # nothing to compare with
        ch = compare(ds.y_test, before, _probabilities(ds, opts, model),
                     previous=previous.path, current=model.path)
        written = write_change_thumbnails(ds.x_test, ch, opts.assets_dir)
        return StageOutput(to_json(ch), written)

    site.run("previous_model", (previous.meta.sha256, previous.path),
             lambda: StageOutput(to_json(previous)), out_dir=opts.site_dir)
    key = (ds.digest, previous.meta.sha256, previous.meta.input_scaling, model.meta.sha256,
           model.meta.input_scaling)
    return site.run("changes", key, run, out_dir=opts.assets_dir / CHANGES_DIR,
                    parse=_parser(ModelChanges | None))


CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
DEFAULT_CATEGORY_LABEL = "Image Classification"


def category_stage(opts: Options, site: Manifest) -> None:
    """Write ``docs/image-classification/_category_.json`` ({"label": …}) so the sidebar
    shows a label, not the folder name, unless the site has a category file of its own
    there (json, yml or yaml): that one is never overwritten. The label is
    ``opts.category_label``; when None, the one reportgen wrote before, else
    DEFAULT_CATEGORY_LABEL."""
    from .render import PAGE_PATH

    folder = opts.site_dir / PAGE_PATH.parent
    path = folder / CATEGORY_FILES[0]
    ours = site.has("category")
    if any(os.path.lexists(folder / n) for n in CATEGORY_FILES) and not ours:
        return
    label = (opts.category_label or recorded(site, "category", str | None)
             or DEFAULT_CATEGORY_LABEL)
    if ours and not os.path.lexists(path) and any(
            os.path.lexists(folder / n) for n in CATEGORY_FILES[1:]):
        site.drop("category")  # the site brought its own since: ours goes
        return

    def run():
        write_text(path, json.dumps({"label": label}, indent=2, ensure_ascii=False) + "\n")
        return StageOutput(label, [path])

    site.run("category", (label,), run, out_dir=folder)


def model_figures_stage(opts: Options, site: Manifest, model: ModelRef) -> ModelFigures:
    """Training curves and architecture diagram of the page's model (figures.py)."""
    from .figures import FIGURES_DIR, diagram_available, write_model_figures

    def run():
        figs, written = write_model_figures(Path(model.path), model.meta, opts.assets_dir,
                                            opts.url)
        return StageOutput(to_json(figs), written)

    key = (model.meta.sha256, model.meta.history, diagram_available(), _plot_version())
    return site.run("model_figures", key, run, out_dir=opts.assets_dir / FIGURES_DIR,
                    parse=_parser(ModelFigures))


def class_counts_stage(ds: Dataset, opts: Options, site: Manifest) -> str:
    """The class-count bar chart, ``<assets>/class-counts.png``; returns its site URL."""
    from .plotting import class_counts_figure, write_chart

    counts = {s: ds.class_counts(s) for s in SPLITS}
    chart = opts.assets_dir / "class-counts.png"

    def run():
        written = write_chart(chart, class_counts_figure, counts["train"], counts["test"])
        return StageOutput(opts.url(chart), written)

    return site.run("class_counts", (counts, _plot_version()), run, out_dir=opts.assets_dir,
                    parse=_parser(str))


def custom_test_stage(opts: Options, site: Manifest, model: ModelRef) -> CustomTestResult | None:
    """The "Extra Custom Test" of ``opts.custom_inputs()``; None (and its old files
    deleted) when there are no inputs or none could be read."""
    from .custom_test import CUSTOM_DIR, run_custom_test
    from .predict import collect_images

    inputs = opts.custom_inputs()
    if not inputs:
        site.drop("custom_test")
        return None
    files, problems = collect_images(inputs)

    def run():
        res, written = run_custom_test(Path(model.path), model.meta, files, problems,
                                       opts.assets_dir, opts.url, opts.log_file)
        return StageOutput(to_json(res) if res else None, written, uses=files)

    key = (model.meta.sha256, model.meta.input_scaling,
           [(str(f), sha256_file(f)) for f in files], problems, _plot_version())
    return site.run("custom_test", key, run, out_dir=opts.assets_dir / CUSTOM_DIR,
                    parse=_parser(CustomTestResult | None))


def page_text_stage(opts: Options, site: Manifest) -> Options:
    """The page's title and description: the options' when given, else the ones the page
    was last rendered with (so `gallery` or `render` without --title keeps the title a
    site-assets run set), else the defaults. Returns the options with both filled in."""
    import dataclasses

    from .options import DEFAULT_DESCRIPTION, DEFAULT_TITLE

    before = recorded(site, "page_text", dict[str, str]) or {}
    text = {"title": opts.title if opts.title is not None
            else before.get("title", DEFAULT_TITLE),
            "description": opts.description if opts.description is not None
            else before.get("description", DEFAULT_DESCRIPTION)}
    site.run("page_text", (text,), lambda: StageOutput(text), out_dir=opts.site_dir,
             parse=_parser(dict[str, str]))
    return dataclasses.replace(opts, **text)


def _store_of(model: ModelRef, opts: Options) -> Path:
    """The model store to list in "Model history": the one a trained model lives in
    (``<models>/<epochs>/<file>``), so `render` needs no --models-dir; else --models-dir."""
    from .model_store import store_dir

    return store_dir(model.path) if model.meta.key else opts.models_dir


def render_and_summarise(ds: Dataset, opts: Options, site: Manifest, sample: dict,
                          model: ModelRef, gallery: GalleryResult,
                          custom: CustomTestResult | None, export_seconds: float | None = None,
                          figures: ModelFigures | None = None) -> tuple[dict, Path]:
    """Render the page (a stage keyed on its context and the templates), then write
    summary.json (a stage keyed on its content) and the manifest."""
    from .model_store import history
    from .render import PAGE_PATH, write_page

    opts = page_text_stage(opts, site)
    category_stage(opts, site)
    sections = {"calibration": recorded(site, "calibration", Calibration | None),
                "label_errors": recorded(site, "label_errors", SuspectedLabelErrors | None),
                "changes": recorded(site, "changes", ModelChanges | None)}
    ctx = page_context(ds, opts, sample=sample, model=model, gallery=gallery, custom=custom,
                       class_counts_png=site.result("class_counts"), figures=figures,
                       history=history(_store_of(model, opts), model), **sections)
    page = opts.site_dir / PAGE_PATH

    def render():
        return StageOutput(None, [write_page(opts.site_dir, render_page(ctx))])

    site.run("render", (json.dumps(to_json(ctx), sort_keys=True), template_source()), render,
             out_dir=page.parent)
    timings = {name: site.seconds(name) for name in TIMED_STAGES}
    timings["train"] = model.meta.train_seconds
    if export_seconds is not None:
        timings["export"] = export_seconds
    summary = build_summary(ds, opts, model, gallery, page, timings, **sections)
    path = opts.assets_dir / SUMMARY

    def write():
        write_text(path, json.dumps(summary, indent=2) + "\n")
        return StageOutput(None, [path])

    site.run("summary", (summary,), write, out_dir=opts.assets_dir)
    site.save()
    return summary, page
