"""The ``reportgen`` command line: each command parses its options into an
:class:`~reportgen.options.Options`, calls one function of :mod:`reportgen.pipeline` and
prints. Errors a user can cause print one line on stderr and exit 2 (no traceback)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from . import cli_common as C
from . import pipeline
from .analysis.conditions import Bounds
from .cli_common import (
    AssetsUrl,
    CategoryLabel,
    CheckDataset,
    CheckModel,
    CheckModelsDir,
    Create,
    Custom,
    Dataset_,
    Description,
    DocsDir,
    Epochs,
    ExportDir,
    Force,
    Json,
    Kind,
    LogFile,
    ModelsDir,
    NoPage,
    NoSample,
    PageModel,
    PageOnly,
    PublishAll,
    Quiet,
    Retrain,
    SamplePer,
    Scaling,
    Seed,
    SiteDir,
    Title,
    Train,
    VerifyPixels,
    Workers,
    app,
    on_sigterm,
)
from .config import pages_options
from .console import (
    Display,
    changes_json,
    err,
    failed_conditions,
    out,
    print_audit,
    print_changes,
    print_check,
    print_json,
    print_predictions,
    print_run,
    progress,
)
from .options import Options
from .report.assets import WRONG_DIR

D = Options()  # every default comes from here


def main() -> None:
    """Console-script entry point: SIGTERM exits 143 like Ctrl-C exits 130, cleanly."""
    signal.signal(signal.SIGTERM, on_sigterm)
    app()


@app.command()
def export(
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, export_dir: ExportDir = D.export_dir,
    site_dir: SiteDir = D.site_dir, assets_url: AssetsUrl = D.assets_url,
    sample_per_class: SamplePer = D.sample_per_class, seed: Seed = D.seed,
    workers: Workers = D.workers,
    force: Force = False, no_sample: NoSample = False, create: Create = False,
    quiet: Quiet = False,
) -> None:
    """Export every image as <export-dir>/<split>/<label>/<index:05d>.png and the page's
    sample into <site>/static/<assets-url>/<split>/<label>/."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, export_dir=export_dir, site_dir=site_dir,
                   assets_url=assets_url, sample_per_class=sample_per_class, seed=seed,
                   workers=workers)
    if not no_sample:
        pipeline.require_site(opts, create)
    with progress(quiet) as p:
        res, sample = pipeline.export(opts, sample=not no_sample, force=force,
                                         progress=Display(p).export)
    out.print(f"{res.count:,} PNGs in {export_dir}" + (
        " (up to date, nothing written)" if res.skipped else f" ({res.written:,} written)"))
    if sample is not None:
        n = sum(len(v) for s in sample.files.values() for v in s.values())
        out.print(f"{n} sample PNGs in {opts.assets_dir}")


@app.command()
def train(
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, models_dir: ModelsDir = D.models_dir,
    log_file: LogFile = D.log_file, epochs: Epochs = D.epochs, seed: Seed = D.seed,
    retrain: Retrain = False,
    model_kind: Kind = D.model_kind, quiet: Quiet = False,
) -> None:
    """Train a model of --model-kind (mlp or cnn), evaluate it on the test split and save
    <models-dir>/<epochs>/<prefix>-<epochs>-<acc>.keras (reuses an identical stored
    model)."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, models_dir=models_dir, log_file=log_file, epochs=epochs,
                   seed=seed, retrain=retrain, model_kind=model_kind)
    with progress(quiet) as p:
        res = pipeline.train(opts, on_epoch=Display(p).epoch)
    m = res.meta
    out.print(f"{'reused' if res.reused else 'saved'} {res.model_path}: test accuracy "
              f"{m.test_accuracy * 100:.2f}%, loss {m.test_loss:.4f}, {m.wrong_count:,} wrong")


@app.command()
def gallery(
    model: Annotated[Path, typer.Option("--model", help="A .keras or .h5 model or a "
                                        "SavedModel folder (e.g. from `reportgen train`).")],
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, site_dir: SiteDir = D.site_dir,
    assets_url: AssetsUrl = D.assets_url, log_file: LogFile = D.log_file,
    models_dir: ModelsDir = D.models_dir, input_scaling: Scaling = D.input_scaling,
    category_label: CategoryLabel = D.category_label, docs_dir: DocsDir = None,
    create: Create = False,
) -> None:
    """Make --model the page's model: regenerate the ranked wrong-prediction gallery, the
    confusion matrices, calibration, suspected label errors, the changes since the page's
    previous model and the custom test without training, and re-render the page when
    site-assets has built it (files of the earlier model are removed)."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, site_dir=site_dir, assets_url=assets_url,
                   log_file=log_file, model=model, models_dir=models_dir,
                   input_scaling=input_scaling, category_label=category_label,
                   docs_dir=docs_dir)
    pipeline.require_site(opts, create)
    res, page, warnings = pipeline.regenerate_gallery(opts)
    for line in warnings:
        err.print(f"[yellow]warning:[/] {line}", highlight=False)
    out.print(f"{res.wrong_count:,} wrong predictions in {opts.assets_dir / WRONG_DIR}"
              f"; confusion matrix {site_dir / 'static' / res.confusion_png.lstrip('/')}")
    if page is not None:
        out.print(f"page: {page}")


@app.command("site-assets")
def site_assets(
    ctx: typer.Context,
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, site_dir: SiteDir = D.site_dir,
    assets_url: AssetsUrl = D.assets_url, export_dir: ExportDir = D.export_dir,
    models_dir: ModelsDir = D.models_dir, log_file: LogFile = D.log_file,
    epochs: Epochs = D.epochs, seed: Seed = D.seed,
    sample_per_class: SamplePer = D.sample_per_class, workers: Workers = D.workers,
    model: PageModel = D.model, retrain: Retrain = D.retrain, train: Train = D.train,
    publish_all: PublishAll = D.publish_all,
    title: Title = D.title, description: Description = D.description,
    custom: Custom = None,
    input_scaling: Scaling = D.input_scaling, model_kind: Kind = D.model_kind,
    category_label: CategoryLabel = D.category_label, docs_dir: DocsDir = None,
    quiet: Quiet = False, create: Create = False,
    min_accuracy: C.MinAccuracy = None, min_class_recall: C.MinClassRecall = None,
    max_ece: C.MaxEce = None, max_accuracy_drop: C.MaxAccuracyDrop = None,
    min_robustness: C.MinRobustness = None,
) -> None:
    """Run every stage (export, sample, train, gallery, calibration, label errors, changes,
    model figures, class counts, custom test, render, summary), skipping those whose inputs
    are unchanged. The quality conditions are kept with the page, for ``check``. With a
    reportgen.toml in the site, every page it lists (or --page alone), the command line's
    options over the file's."""
    failed = False
    for opts in pages_options(site_dir, dict(ctx.params), C.given(ctx), page):
        pipeline.require_site(opts, create)
        with progress(quiet) as p:
            rep = pipeline.site_assets(opts, progress=None if quiet else Display(p))
        print_run(rep)
        failed = failed or bool(failed_conditions(rep))
    if failed:  # the pages are written; the gate says the model is worse than allowed
        raise typer.Exit(1)


@app.command()
def render(
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, site_dir: SiteDir = D.site_dir,
    assets_url: AssetsUrl = D.assets_url, export_dir: ExportDir = D.export_dir,
    title: Title = D.title, description: Description = D.description,
    models_dir: ModelsDir = D.models_dir, category_label: CategoryLabel = D.category_label,
    docs_dir: DocsDir = None,
) -> None:
    """Re-render the MDX page from what the stages recorded in the site's manifest (run
    `reportgen site-assets` first)."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, site_dir=site_dir, assets_url=assets_url,
                   export_dir=export_dir, title=title, description=description,
                   models_dir=models_dir, category_label=category_label, docs_dir=docs_dir)
    pipeline.require_site(opts)
    for page in pipeline.rerender_site(opts):
        out.print(f"page: {page}")


@app.command()
def audit(
    dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, export_dir: ExportDir = D.export_dir,
    site_dir: SiteDir = D.site_dir, as_json: Json = False,
    no_page: NoPage = False, verify_pixels: VerifyPixels = False,
    page_only: PageOnly = False, docs_dir: DocsDir = None,
    max_lines: Annotated[int, typer.Option("--max-lines", min=1, help="Findings to print "
                                           "(all with --json).")] = 50,
) -> None:
    """Count the exported PNGs per class and split against the dataset's labels and check
    the page's images exist. Only reads; exit 1 on any finding."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, export_dir=export_dir, site_dir=site_dir,
                   docs_dir=docs_dir).validated()
    rep = pipeline.audit(opts, check_page=not no_page, verify_pixels=verify_pixels,
                         page_only=page_only)
    if as_json:
        print_json(rep.to_json())
    else:
        print_audit(rep, opts, max_lines)
    raise typer.Exit(0 if rep.ok else 1)


@app.command()
def check(
    site_dir: SiteDir = D.site_dir, as_json: Json = False, page: C.CheckPage = None,
    model: CheckModel = None, models_dir: CheckModelsDir = None,
    dataset: CheckDataset = None, docs_dir: DocsDir = None,
    min_accuracy: C.MinAccuracy = None, min_class_recall: C.MinClassRecall = None,
    max_ece: C.MaxEce = None, max_accuracy_drop: C.MaxAccuracyDrop = None,
    min_robustness: C.MinRobustness = None,
) -> None:
    """Check that the page is current, changing nothing: every stage's key with the options
    site-assets recorded, every file reportgen owns against its recorded sha256, and the
    quality conditions given. Exit 0 when current and every condition holds, 1 when stale
    (what, and the command that refreshes it) or a condition fails, 2 on errors."""
    bounds = Bounds(min_accuracy, min_class_recall, max_ece, max_accuracy_drop, min_robustness)
    reports = pipeline.check(Options(site_dir=site_dir, docs_dir=docs_dir, page=page).validated(),
                             model=model, models_dir=models_dir, dataset=dataset, bounds=bounds)
    ok = all(r.ok for r in reports)
    if as_json:
        print_json(reports[0].to_json() if len(reports) == 1 else
                   {"ok": ok, "pages": [r.to_json() for r in reports]})
    else:
        for r in reports:
            print_check(r, named=len(reports) > 1)
    raise typer.Exit(0 if ok else 1)


@app.command()
def compare(
    model: C.TwoModels, dataset: Dataset_ = D.dataset, page: C.Page = None, classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None, models_dir: ModelsDir = D.models_dir,
    input_scaling: Scaling = D.input_scaling, as_json: Json = False,
    max_lines: C.ChangesMaxLines = 20,
) -> None:
    """Compare two models on the test split: accuracy delta, fixed mistakes (wrong before,
    right now) and new mistakes (right before, wrong now), as the page's "Changes since the
    previous model" shows them."""
    if len(model) != 2:
        raise typer.BadParameter(f"give --model exactly twice (got {len(model)})",
                                 param_hint="'--model'")
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, models_dir=models_dir, input_scaling=input_scaling)
    res = pipeline.compare(opts, model[0], model[1])
    if as_json:
        print_json(changes_json(res))
    else:
        print_changes(res, max_lines)


@app.command()
def predict(
    inputs: C.Inputs, model: C.PredictModel = None, site_dir: C.PredictSiteDir = None,
    assets_url: AssetsUrl = D.assets_url, dataset: Dataset_ = D.dataset, page: C.Page = None,
    classes: C.Classes = None,
    card: C.Card = None, test_fraction: C.TestFraction = None,
    image_size: C.ImageSize = None,
    models_dir: ModelsDir = D.models_dir, log_file: LogFile = D.log_file, as_json: Json = False,
    input_scaling: Scaling = D.input_scaling, strict: C.Strict = False,
) -> None:
    """Predict the class of your own images, preprocessed as the dataset's card says (the
    embedded one: 20x20 box, centre of mass at the centre). A file stem (7.png) or folder
    (7/) that names a class is its label."""
    opts = Options(dataset=dataset, page=page, classes=classes, card=card, test_fraction=test_fraction,
                   image_size=image_size, site_dir=site_dir or D.site_dir, assets_url=assets_url,
                   models_dir=models_dir, log_file=log_file, model=model,
                   custom_images=list(inputs), input_scaling=input_scaling)
    if site_dir is not None:
        pipeline.require_site(opts)
    res = pipeline.predict(opts, into_site=site_dir is not None)
    if as_json:
        print_json(res.to_json())
    else:
        print_predictions(res)
    for line in res.problems:
        err.print(f"[yellow]skipped:[/] {line}", highlight=False, soft_wrap=True)
    if not res.predicted:
        err.print("[red]error:[/] no image could be predicted")
        raise typer.Exit(1)
    raise typer.Exit(1 if strict and res.problems else 0)


if __name__ == "__main__":
    main()
