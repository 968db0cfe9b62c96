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
from pathlib import Path

from .dataset import DIGITS, SPLITS, Dataset
from .errors import ModelError
from .fsutil import PNG_OPTIONS, sha256_file, write_text
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


def open_site(opts: Options) -> Manifest:
    site = Manifest(opts.site_dir)
    site.sweep_temp_files()
    install_components(opts.site_dir)
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


def gallery_stage(ds: Dataset, opts: Options, site: Manifest, model: ModelRef) -> GalleryResult:
    """Wrong-prediction gallery and confusion matrix of the test split."""
    from . import model_store, tunelog
    from .fsutil import relpath
    from .gallery import write_gallery
    from .metrics import evaluate_probabilities

    def run():
        probs = model_store.load_probabilities(Path(model.path), ds,
                                               scaling=model.meta.input_scaling,
                                               models_dir=opts.models_dir, sha=model.meta.sha256)
        _, acc, _ = evaluate_probabilities(probs, ds.y_test)
        g, written = write_gallery(ds.x_test, ds.y_test, probs, opts.assets_dir, opts.url,
                                   epochs=model.meta.epochs, accuracy=acc)
        cm_file = opts.site_dir / "static" / g.confusion_png.lstrip("/")
        g.log = tunelog.confusion_saved(relpath(cm_file, opts.site_dir))
        tunelog.append_log(opts.log_file, g.log)
        return StageOutput(to_json(g), written)

    key = (ds.digest, model.meta.sha256, model.meta.input_scaling, _plot_version())
    return site.run("gallery", key, run, out_dir=opts.assets_dir, parse=_parser(GalleryResult))


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
    from .fsutil import write_bytes
    from .plotting import class_counts_png

    counts = {s: ds.class_counts(s) for s in SPLITS}
    chart = opts.assets_dir / "class-counts.png"

    def run():
        write_bytes(chart, class_counts_png(counts["train"], counts["test"]))
        return StageOutput(opts.url(chart), [chart])

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


def render_and_summarise(ds: Dataset, opts: Options, site: Manifest, sample: dict,
                          model: ModelRef, gallery: GalleryResult,
                          custom: CustomTestResult | None, export_seconds: float | None = None,
                          figures: ModelFigures | None = None) -> tuple[dict, Path]:
    """Render the page (a stage keyed on its context and the templates), then write
    summary.json (a stage keyed on its content) and the manifest."""
    from .render import PAGE_PATH, write_page

    ctx = page_context(ds, opts, sample=sample, model=model, gallery=gallery, custom=custom,
                       class_counts_png=site.result("class_counts"), figures=figures)
    page = opts.site_dir / PAGE_PATH

    def render():
        return StageOutput(None, [write_page(opts.site_dir, render_page(ctx))])

    site.run("render", (json.dumps(to_json(ctx), sort_keys=True), template_source()), render,
             out_dir=page.parent)
    timings = {name: site.seconds(name) for name in TIMED_STAGES}
    timings["train"] = model.meta.train_seconds
    if export_seconds is not None:
        timings["export"] = export_seconds
    summary = build_summary(ds, opts, model, gallery, page, timings)
    path = opts.assets_dir / SUMMARY

    def write():
        write_text(path, json.dumps(summary, indent=2) + "\n")
        return StageOutput(None, [path])

    site.run("summary", (summary,), write, out_dir=opts.assets_dir)
    site.save()
    return summary, page
