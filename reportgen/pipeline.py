"""The order of the stages, and which of them each CLI command runs.

Every stage is declared in report.stages (name, result, key, code) and run by the stage
engine (engine.stage), which skips it when its key is unchanged. ``site_assets`` runs
them all; ``regenerate_gallery``, ``rerender`` and ``predict_into_site`` run the ones
their command needs and take the other results from the site's records; ``stale``
computes every key without running anything.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.conditions import Bounds
from .data.audit import AuditReport
from .data.card import BUILTIN_INFO
from .data.dataset import Dataset
from .data.export import ExportResult, export_all
from .data.sources import open_dataset
from .engine.locks import guarded_run
from .engine.stage import Stage, run_stage
from .errors import ImageError, SiteError
from .models.calibrate import temperature_of_file
from .models.compare import compare_models
from .models.predict import PredictReport, predict_files
from .models.store import model_sha256
from .models.train import TrainResult, train_model
from .options import Options, resolve_page
from .records import GalleryResult, ModelChanges, Sample
from .report.assets import DEFAULT_PAGE, SUMMARY, site_pages
from .report.check import CheckReport, check_site, recorded_options
from .report.page_audit import audit_site
from .report.run import Run, current_model, open_run, recorded, run_options
from .report.site import page_copies, page_state, save_site, sidebar_hint, site_docs_folder
from .report.site import require_site as check_site_dir
from .report.stages import MODEL_STAGES, PAGE_RECORDS, PAGE_STAGES, STAGE, STAGES


@dataclass
class RunReport:
    """What a run did: summary (summary.json's content; None when the page was not
    rendered), page path (or None), stages that ran (wall seconds), stages skipped (up to
    date), warnings (one line each, e.g. a manifest entry outside the site that was
    ignored) and notes (one line each: the docs folder the site's config names, the
    sidebar that does not show the page)."""

    summary: dict | None
    page: Path | None
    ran: dict[str, float]
    skipped: list[str]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def guarded(opts: Options, *, export: bool = False):
    """Hold the lock of the site dir (and the export dir) and refuse writes whose folder
    leads outside the folders this run may write: site, the site's docs folder (which may
    lie beside it, or be a symlink there), export, models, log."""
    docs, _ = site_docs_folder(opts.site_dir, opts.docs_dir, opts.page or DEFAULT_PAGE)
    return guarded_run(locks=(opts.site_dir, *([opts.export_dir] if export else [])),
                       writes=(opts.site_dir, opts.site_dir / docs, opts.export_dir,
                               opts.cache_dir,
                               opts.models_dir, Path(opts.log_file).parent))


def _with_page(opts: Options) -> tuple[Options, Dataset]:
    """``opts`` with its page, assets URL and export folder resolved for its dataset
    (options.resolve_page: a page other than the default one exports into
    ``export-<page>``), and the dataset, loaded under the site's lock. The run's writes are
    then confined to the folders it will write, the resolved export folder among them."""
    with guarded(opts):
        ds = open_dataset(opts.source())
    return resolve_page(opts, ds.info), ds


def _say(progress, name: str) -> None:
    if progress is not None and hasattr(progress, "stage"):
        progress.stage(name)


def run_stages(run: Run, plan: tuple[Stage, ...]) -> list[str]:
    """Run ``plan`` in order (the results of stages outside it come from the records);
    keep the site's state and save the manifest. Returns the stages that were up to date."""
    for name in PAGE_RECORDS:
        if name not in {s.name for s in plan} and name not in run.results:
            run.results[name] = recorded(run.site, name, STAGE[name].result, optional=True)
    current = []
    for stage in plan:
        _say(run.progress, stage.title)
        run.results[stage.name] = run_stage(stage, run, run.site)
        if stage.name == "train":
            run.note_shown()
        if stage.name not in run.site.ran and run.site.has(stage.name):
            current.append(stage.name)
    if "train" in {s.name for s in plan}:
        run.keep_previous()
    save_site(run.site, run.state)
    return current


def _report(run: Run, current: list[str], ex: ExportResult | None = None) -> RunReport:
    ran = ({"export": ex.seconds} if ex and not ex.skipped else {}) | run.site.ran
    skipped = (["export"] if ex and ex.skipped else []) + current
    summary_file = run.opts.assets_dir / SUMMARY
    summary = (json.loads(summary_file.read_text(encoding="utf-8"))
               if "summary" in run.results and summary_file.is_file() else None)
    hint = sidebar_hint(run.opts.site_dir) if summary else None
    loaded = run.__dict__.get("ds")  # the dataset, when this run loaded it
    notes = loaded.notes.warnings() if loaded is not None and loaded.notes else []
    return RunReport(summary, run.page if summary else None, ran, skipped,
                     notes + run.site.problems + run.model.meta.warnings,
                     run.notes + ([hint] if hint else []))


def site_assets(opts: Options, *, progress=None) -> RunReport:
    """``reportgen site-assets``: the export, then every stage in order (report.stages.STAGES).
    ``progress``: optional object with ``stage(name)``, ``export(done, total)`` and
    ``epoch(epoch, epochs, logs)`` (the CLI's display). Raises ReportgenError subclasses
    for bad input (nothing half-written is left)."""
    opts.validated()
    _say(progress, "load")
    opts, ds = _with_page(opts)
    with guarded(opts, export=True):
        run = open_run(opts, progress, ds)
        _say(progress, "export")
        ex = export_all(run.ds, run.opts.export_dir, workers=opts.workers,
                        progress=getattr(progress, "export", None))
        run.state.options = run_options(run.opts)
        return _report(run, run_stages(run, STAGES), ex)


def export(opts: Options, *, sample: bool = True, force: bool = False,
           progress=None) -> tuple[ExportResult, Sample | None]:
    """``reportgen export``: the full export into ``opts.export_dir`` and, with ``sample``,
    the page's sample into the site (the sample stage). Returns (ExportResult, the sample
    or None)."""
    opts.validated()
    opts, ds = _with_page(opts)
    with guarded(opts, export=True):
        ex = export_all(ds, opts.export_dir, workers=opts.workers, force=force, progress=progress)
        if not sample:
            return ex, None
        run = open_run(opts, ds=ds)
        run_stages(run, (STAGE["sample"],))
        return ex, run.results["sample"]


def rerender_site(opts: Options) -> list[Path]:
    """``reportgen render``: :func:`rerender` of the page ``opts.page``; without one, of
    ``opts``' page when the site holds at most one, else of every page the site holds,
    each with the options its last site-assets run recorded (the title, description and
    category label of ``opts`` are for one page, so they are not applied)."""
    pages = site_pages(opts.site_dir)
    if opts.page or len(pages) <= 1:
        return [rerender(opts)]
    out = []
    for page in pages:
        state = page_state(opts.site_dir, page)
        if state.options is None:
            raise SiteError(f"page {page!r}: no record of a `reportgen site-assets` run; run "
                            "it first")
        recorded = recorded_options(state.options, opts.site_dir, page=page)
        out.append(rerender(dataclasses.replace(recorded, docs_dir=opts.docs_dir)))
    return out


def rerender(opts: Options) -> Path:
    """The page and summary.json again from the site's records (after a template, title or
    description change). Raises SiteError when ``site-assets`` has not run for this site
    yet."""
    opts.validated()
    with guarded(opts):
        run = open_run(opts)
        _require(run, ("sample", "train", "gallery", "class_counts"))
        run_stages(run, PAGE_STAGES)
        return run.page


def _require(run: Run, names: tuple[str, ...]) -> None:
    """Read the records ``names`` (SiteError when one is missing or malformed)."""
    for name in names:
        run.results[name] = recorded(run.site, name, STAGE[name].result)


def regenerate_gallery(opts: Options) -> tuple[GalleryResult, Path | None, list[str]]:
    """``reportgen gallery``: make ``opts.model`` the page's model (the model stages and the
    custom test) and, when ``site-assets`` has built the page here before, render it again,
    so the page never mixes two models. Returns (gallery, page or None, warnings)."""
    opts.validated()
    with guarded(opts):
        run = open_run(opts)
        built = all(run.site.has(n) for n in ("sample", "class_counts"))
        run_stages(run, (*MODEL_STAGES, *(PAGE_STAGES if built else ())))
        warnings = run.site.problems + run.model.meta.warnings
        return run.results["gallery"], run.page if built else None, warnings


def predict_into_site(opts: Options, model_path: Path) -> Path:
    """``reportgen predict --site-dir``: the page's custom test again for
    ``opts.custom_images`` with the page's own model, and the page rendered. Raises
    SiteError when site-assets has not run there, or ``model_path`` is another model."""
    opts.validated()
    with guarded(opts):
        run = open_run(opts)
        _require(run, ("sample", "train", "gallery", "class_counts"))
        model = run.model
        if model_sha256(model_path) != model.meta.sha256:
            raise SiteError(f"{model_path} is not the page's model ({model.path}); run "
                            "`reportgen gallery --model` first, or leave out --model")
        run_stages(run, (STAGE["custom_test"], *PAGE_STAGES))
        return run.page


def require_site(opts: Options, create: bool = False) -> None:
    """Check the options, then refuse a --site-dir that is no Docusaurus site nor overlay
    (report.site.require_site), unless ``create``. Raises OptionsError or SiteError."""
    opts.validated()
    check_site_dir(opts.site_dir, create)


def check(opts: Options, *, model: Path | None = None, models_dir: Path | None = None,
          dataset: Path | None = None, bounds: Bounds | None = None) -> list[CheckReport]:
    """``reportgen check``: is each page of ``opts.site_dir`` (or the page ``opts.page``)
    what a site-assets run with the options it recorded would make, and does its model meet
    the quality conditions ``bounds``? One report per page. Changes nothing
    (report.check)."""
    return check_site(opts.site_dir, model=model, models_dir=models_dir, dataset=dataset,
                      docs_dir=opts.docs_dir, bounds=bounds, page=opts.page)


def train(opts: Options, on_epoch=None) -> TrainResult:
    """``reportgen train``: train (or reuse) the model of ``opts`` in the store."""
    opts.validated()
    return train_model(open_dataset(opts.source()), opts.models_dir, kind=opts.model_kind,
                       epochs=opts.train_epochs, seed=opts.seed, log_path=opts.log_file,
                       retrain=opts.retrain, on_epoch=on_epoch)


def audit(opts: Options, *, check_page: bool = True, verify_pixels: bool = False,
          page_only: bool = False) -> AuditReport:
    """``reportgen audit``: the export against the dataset's labels and, with
    ``check_page``, the page's images against the site; ``page_only``: the page alone (a
    docs CI has the site, not the full export). Reads only (report.page_audit)."""
    docs, _ = site_docs_folder(opts.site_dir, opts.docs_dir)
    pages = tuple([opts.page] if opts.page else site_pages(opts.site_dir) or [DEFAULT_PAGE])
    return audit_site(opts.site_dir, page_copies(opts.site_dir), docs, opts.export_dir,
                      None if page_only else open_dataset(opts.source()),
                      check_page=check_page, verify_pixels=verify_pixels, pages=pages)


def predict(opts: Options, *, into_site: bool = False) -> PredictReport:
    """``reportgen predict``: predict ``opts.custom_images`` with ``opts.model`` (default:
    the site's current model) and, with ``into_site``, rewrite the page's custom test."""
    opts.validated()
    missing = [p for p in opts.custom_images if not Path(p).exists()]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ImageError(f"{missing[0]}: no such file or folder{more}")
    absent = Path(opts.dataset) == Path(Options.dataset) and not Path(opts.dataset).exists()
    # the checkout's default copy of the embedded dataset, not made yet: its record is known
    ds = None if absent else open_dataset(opts.source())
    info = BUILTIN_INFO if ds is None else ds.info
    model = Path(opts.model) if opts.model else current_model(
        opts.site_dir, opts.models_dir, opts.page or DEFAULT_PAGE)
    preds, problems = predict_files(
        model, opts.custom_images, scaling=opts.input_scaling, info=info,
        temperature=lambda: temperature_of_file(model, ds, opts.models_dir, opts.input_scaling))
    report = PredictReport(model, preds, problems + [p.error for p in preds if p.error],
                           info=info)
    if into_site and report.predicted:
        report.page = predict_into_site(opts, model)
    return report


def compare(opts: Options, previous: Path, current: Path) -> ModelChanges:
    """``reportgen compare``: what changed on the test split from the model ``previous``
    to ``current`` (models.compare.compare_models)."""
    opts.validated()
    return compare_models(open_dataset(opts.source()), previous, current, opts.models_dir,
                          opts.input_scaling)
