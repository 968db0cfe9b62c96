"""The order of the stages, and what each one's key is made of.

``site_assets`` runs every stage; ``regenerate_gallery``, ``rerender`` and
``predict_into_site`` run the part a CLI command needs. Every stage goes through the stage
engine (manifest.py), whose key is the tuple of inputs written next to each call below.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from . import stages
from .dataset import load_dataset
from .errors import ImageError, SiteError
from .fsutil import confined
from .locks import locked
from .manifest import Manifest
from .options import Options
from .page import TIMED_STAGES, CustomTestResult, GalleryResult, ModelFigures, ModelRef, SampleFiles


@dataclass
class RunReport:
    """What a run did: summary (summary.json's content; None when the page was not
    rendered), page path (or None), stages that ran (wall seconds), stages skipped, and
    warnings (one line each, e.g. a manifest entry outside the site that was ignored)."""

    summary: dict | None
    page: Path | None
    ran: dict[str, float]
    skipped: list[str]
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def guarded(opts: Options, *, export: bool = False):
    """Hold the lock of the site dir (and the export dir) and refuse writes whose folder
    leads outside the folders this run may write: site, export, models, log."""
    with locked(opts.site_dir, *([opts.export_dir] if export else [])), confined(
            opts.site_dir, opts.export_dir, opts.models_dir, Path(opts.log_file).parent):
        yield


def _say(progress, name: str) -> None:
    if progress is not None and hasattr(progress, "stage"):
        progress.stage(name)


def site_assets(opts: Options, *, progress=None) -> RunReport:
    """Run every stage in order: load, export, sample, train, gallery, class counts,
    custom test, render, summary. ``progress``: optional object with ``stage(name)``,
    ``export(done, total)`` and ``epoch(epoch, epochs, logs)`` (the CLI's display).
    Raises ReportgenError subclasses for bad input (nothing half-written is left)."""
    opts.validated()
    with guarded(opts, export=True):
        from .export import export_all

        _say(progress, "load")
        ds = load_dataset(opts.dataset)
        site = stages.open_site(opts)
        _say(progress, "export")
        ex = export_all(ds, opts.export_dir, workers=opts.workers,
                        progress=getattr(progress, "export", None))
        _say(progress, "sample")
        sample = stages.sample_stage(ds, opts, site)
        model, gallery, figures = _model_stages(ds, opts, site, progress)
        _say(progress, "class counts")
        stages.class_counts_stage(ds, opts, site)
        _say(progress, "custom test")
        custom = stages.custom_test_stage(opts, site, model)
        _say(progress, "render")
        summary, page = stages.render_and_summarise(ds, opts, site, sample, model, gallery,
                                                    custom, export_seconds=ex.seconds,
                                                    figures=figures)
        ran = ({"export": ex.seconds} if not ex.skipped else {}) | site.ran
        skipped = [s for s in (*TIMED_STAGES, "summary") if s not in ran
                   and (s != "custom_test" or opts.custom_inputs())
                   and (s != "changes" or site.has("changes"))]
        return RunReport(summary, page, ran, skipped, site.problems + model.meta.warnings)


def _model_stages(ds, opts: Options, site: Manifest, progress=None,
                  ) -> tuple[ModelRef, GalleryResult, ModelFigures]:
    """The page's model (train stage) and the stages that describe it: gallery (ranked
    mistakes, confusion matrices), calibration, suspected label errors, changes since the
    model the page showed until now, model figures."""
    _say(progress, "train")
    before = stages.shown_model(site)
    model = stages.train_stage(ds, opts, site, progress)
    _say(progress, "gallery")
    gallery = stages.gallery_stage(ds, opts, site, model)
    _say(progress, "calibration")
    stages.calibration_stage(ds, opts, site, model)
    _say(progress, "label errors")
    stages.label_errors_stage(ds, opts, site, model)
    _say(progress, "changes")
    stages.changes_stage(ds, opts, site, model, stages.previous_model(site, before, model))
    _say(progress, "model figures")
    return model, gallery, stages.model_figures_stage(opts, site, model)


def _recorded(site: Manifest, need: tuple[str, ...]) -> None:
    missing = [n for n in need if not site.has(n)]
    if missing:
        raise SiteError(f"{site.path}: no record of stage(s) {', '.join(missing)}; "
                        "run `reportgen site-assets` first")


def _result(site: Manifest, name: str, hint):
    """A recorded result as ``hint``; raises SiteError when the record is malformed."""
    from .serde import MALFORMED, _convert

    try:
        return _convert(hint, site.result(name))
    except MALFORMED:
        raise SiteError(f"{site.path}: the record of stage {name!r} is malformed; run "
                        "`reportgen site-assets` to rebuild it") from None


def _export_seconds(opts: Options) -> float:
    return Manifest(opts.export_dir).seconds("export")


def export(opts: Options, *, sample: bool = True, force: bool = False,
           progress=None) -> tuple:
    """``reportgen export``: the full export into ``opts.export_dir`` and, with ``sample``,
    the page's sample into the site. Returns (ExportResult, sample or None)."""
    opts.validated()
    with guarded(opts, export=True):
        from .export import export_all

        ds = load_dataset(opts.dataset)
        ex = export_all(ds, opts.export_dir, workers=opts.workers, force=force, progress=progress)
        if not sample:
            return ex, None
        site = stages.open_site(opts)
        files = stages.sample_stage(ds, opts, site)
        site.save()
        return ex, files


def rerender(opts: Options) -> Path:
    """``reportgen render``: render the page again from the manifest's recorded results
    (after a template, title or description change). Raises SiteError when
    ``site-assets`` has not run for this site yet."""
    opts.validated()
    with guarded(opts):
        site = Manifest(opts.site_dir)
        _recorded(site, ("sample", "train", "gallery"))
        ds = load_dataset(opts.dataset)
        custom = _result(site, "custom_test", CustomTestResult | None)
        return stages.render_and_summarise(
            ds, opts, site, _result(site, "sample", SampleFiles),
            _result(site, "train", ModelRef), _result(site, "gallery", GalleryResult), custom,
            export_seconds=_export_seconds(opts),
            figures=_result(site, "model_figures", ModelFigures | None))[1]


def regenerate_gallery(opts: Options) -> tuple[GalleryResult, Path | None, list[str]]:
    """``reportgen gallery``: make ``opts.model`` the page's model, write its gallery,
    confusion matrix and custom test, and, when ``site-assets`` has built the page here
    before, re-render it, so the page never mixes two models. Returns (gallery, page or
    None, warnings)."""
    opts.validated()
    with guarded(opts):
        ds = load_dataset(opts.dataset)
        site = stages.open_site(opts)
        model, gallery, figures = _model_stages(ds, opts, site)
        custom = stages.custom_test_stage(opts, site, model)
        warnings = site.problems + model.meta.warnings
        if not site.has("sample"):
            site.save()
            return gallery, None, warnings
        return gallery, stages.render_and_summarise(
            ds, opts, site, _result(site, "sample", SampleFiles), model, gallery, custom,
            export_seconds=_export_seconds(opts), figures=figures)[1], warnings


def predict_into_site(opts: Options, model_path: Path) -> Path:
    """``reportgen predict --site-dir``: rewrite the page's custom test for
    ``opts.custom_images`` with the page's own model and re-render the page. Raises
    SiteError when site-assets has not run there, or ``model_path`` is another model."""
    opts.validated()
    with guarded(opts):
        site = Manifest(opts.site_dir)
        _recorded(site, ("sample", "train", "gallery"))
        model = _result(site, "train", ModelRef)
        if Path(model_path).resolve() != Path(model.path).resolve():
            raise SiteError(f"{model_path} is not the page's model ({model.path}); run "
                            "`reportgen gallery --model` first, or leave out --model")
        ds = load_dataset(opts.dataset)
        custom = stages.custom_test_stage(opts, site, model)
        return stages.render_and_summarise(
            ds, opts, site, _result(site, "sample", SampleFiles), model,
            _result(site, "gallery", GalleryResult), custom, export_seconds=_export_seconds(opts),
            figures=_result(site, "model_figures", ModelFigures | None))[1]


def train(opts: Options, on_epoch=None):
    """``reportgen train``: train (or reuse) the model of ``opts`` in the store. Returns
    train.TrainResult."""
    from .train import train_model

    opts.validated()
    return train_model(load_dataset(opts.dataset), opts.models_dir, kind=opts.model_kind,
                       epochs=opts.train_epochs,
                       seed=opts.seed, log_path=opts.log_file, retrain=opts.retrain,
                       on_epoch=on_epoch)


def audit(opts: Options, *, check_page: bool = True, verify_pixels: bool = False):
    """``reportgen audit``: the export against the dataset's labels and, with
    ``check_page``, the page's images against the site. Reads only. Returns
    audit.AuditReport."""
    from .audit import audit_export

    return audit_export(load_dataset(opts.dataset), opts.export_dir,
                        site_dir=opts.site_dir if check_page else None,
                        verify_pixels=verify_pixels)


def predict(opts: Options, *, into_site: bool = False):
    """``reportgen predict``: predict ``opts.custom_images`` with ``opts.model`` (default:
    the site's current model) and, with ``into_site``, rewrite the page's custom test.
    Returns predict.PredictReport."""
    from .model_store import current_model
    from .predict import PredictReport, predict_files

    opts.validated()
    missing = [p for p in opts.custom_images if not Path(p).exists()]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ImageError(f"{missing[0]}: no such file or folder{more}")
    model = Path(opts.model) if opts.model else current_model(opts.site_dir, opts.models_dir)
    preds, problems = predict_files(model, opts.custom_images, scaling=opts.input_scaling)
    report = PredictReport(model, preds, problems + [p.error for p in preds if p.error])
    if into_site and report.predicted:
        report.page = predict_into_site(opts, model)
    return report


def compare(opts: Options, previous: Path, current: Path):
    """``reportgen compare``: what changed on the test split from the model ``previous``
    to ``current`` (each described like ``--model``, fed as ``opts.input_scaling`` says).
    Reads the store's cached probabilities, computes and caches missing ones. Returns
    changes.ModelChanges."""
    from . import model_store
    from .changes import compare as compare_probabilities
    from .errors import ModelError
    from .page import ModelRef

    opts.validated()
    ds = load_dataset(opts.dataset)
    probs = []
    for path in (Path(previous), Path(current)):
        if not path.exists():
            raise ModelError(f"{path}: no such model file")
        meta = model_store.model_meta_for(path, ds, opts.models_dir, opts.input_scaling)
        probs.append(model_store.probabilities_of(ModelRef(str(path), meta), ds,
                                                  opts.models_dir))
    return compare_probabilities(ds.y_test, *probs, previous=str(previous),
                                 current=str(current))
