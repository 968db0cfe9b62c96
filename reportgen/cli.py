"""The ``reportgen`` command line: each command parses options, calls one library function
and reports. Errors a user can cause print one line on stderr and exit 2 (no traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from .errors import ReportgenError

err = Console(stderr=True)
out = Console()


class _Group(TyperGroup):
    """Turns a user error (ReportgenError) into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReportgenError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True, markup=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Build the 'Mr. Glassy the Bot' MNIST page: export, train, gallery, "
                       "render. Start with `reportgen site-assets`.")

Dataset_ = Annotated[Path, typer.Option("--dataset", help="Keras-layout .npz file or folder "
                                        "of the four MNIST IDX files (raw or .gz).")]
SiteDir = Annotated[Path, typer.Option("--site-dir", help="Docusaurus site (or overlay) to "
                                       "write docs/ and static/ into.")]
AssetsUrl = Annotated[str, typer.Option("--assets-url", help="Site URL of the page's images; "
                                        "files go to <site>/static/<assets-url>.")]
ExportDir = Annotated[Path, typer.Option("--export-dir", help="Folder of the full export.")]
ModelsDir = Annotated[Path, typer.Option("--models-dir", help="Folder of trained models.")]
LogFile = Annotated[Path, typer.Option("--log-file", help="Training log to append to.")]
Epochs = Annotated[int | None, typer.Option("--epochs", min=1, max=1000,
                                            help="Training epochs (default: 6).")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Seed for Python, NumPy, TensorFlow "
                                   "and the page's sample.")]
SamplePer = Annotated[int, typer.Option("--sample-per-class", min=1, max=1000,
                                        help="Images per digit per split shown on the page.")]
Workers = Annotated[int | None, typer.Option("--workers", min=1, max=64,
                                             help="Export processes (default: CPU count).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

DEFAULT_DATASET = Path("data/datasets/mnist.npz")
DEFAULT_SITE = Path("site-assets")
DEFAULT_URL = "/assets/datasets/mnist"


def main() -> None:
    """Console-script entry point."""
    app()


class _Display:
    """rich progress for the pipeline: stage names, an export bar, an epoch bar."""

    def __init__(self, progress: Progress):
        self.p = progress
        self.tasks: dict[str, int] = {}

    def stage(self, name: str) -> None:
        self.p.console.log(f"[bold]{name}[/]")

    def export(self, done: int, total: int) -> None:
        if "export" not in self.tasks:
            self.tasks["export"] = self.p.add_task("export PNGs", total=total)
        self.p.update(self.tasks["export"], completed=done)

    def epoch(self, epoch: int, epochs: int, logs: dict) -> None:
        if "train" not in self.tasks:
            self.tasks["train"] = self.p.add_task("train epochs", total=epochs)
        self.p.update(self.tasks["train"], completed=epoch,
                      description=f"train (loss {logs.get('loss', 0):.4f}, "
                                  f"acc {logs.get('accuracy', 0) * 100:.2f}%)")


def _progress(quiet: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=quiet, transient=False)


def _load(dataset: Path):
    from .dataset import load_dataset

    return load_dataset(dataset)


@app.command()
def export(
    dataset: Dataset_ = DEFAULT_DATASET,
    export_dir: ExportDir = Path("data/export"),
    site_dir: SiteDir = DEFAULT_SITE,
    assets_url: AssetsUrl = DEFAULT_URL,
    sample_per_class: SamplePer = 12,
    seed: Seed = 0,
    workers: Workers = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite even if up to date.")] = False,
    no_sample: Annotated[bool, typer.Option("--no-sample", help="Do not write the page's "
                                            "sample into the site.")] = False,
) -> None:
    """Export every image as <export-dir>/<split>/<digit>/<index:05d>.png and the page's
    sample into <site>/static/<assets-url>/<split>/<digit>/."""
    from .export import export_all, publish_sample
    from .pipeline import Options, validate_assets_url

    ds = _load(dataset)
    with _progress() as p:
        res = export_all(ds, export_dir, workers=workers, force=force,
                         progress=_Display(p).export)
    out.print(f"{res.count:,} PNGs in {export_dir}"
              + (" (up to date, nothing written)" if res.skipped else f" ({res.written:,} written)"))
    if not no_sample:
        opts = Options(site_dir=site_dir, assets_url=validate_assets_url(assets_url))
        files = publish_sample(ds, opts.assets_dir, sample_per_class, seed)
        n = sum(len(v) for s in files.values() for v in s.values())
        out.print(f"{n} sample PNGs in {opts.assets_dir}")


@app.command()
def train(
    dataset: Dataset_ = DEFAULT_DATASET,
    models_dir: ModelsDir = Path("data/models"),
    log_file: LogFile = Path("logs/tune.log"),
    epochs: Epochs = None,
    seed: Seed = 0,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train even if a model with the "
                                          "same dataset, epochs, seed and recipe exists.")] = False,
) -> None:
    """Train the MLP, evaluate it on the test split and save
    <models-dir>/<epochs>/mnist-<epochs>-<acc>.keras (reuses an identical earlier model)."""
    from .train import DEFAULT_EPOCHS, train_model

    ds = _load(dataset)
    with _progress() as p:
        res = train_model(ds, models_dir, epochs=epochs or DEFAULT_EPOCHS, seed=seed,
                          log_path=log_file, retrain=retrain, on_epoch=_Display(p).epoch)
    m = res.meta
    out.print(f"{'reused' if res.reused else 'saved'} {res.model_path}: test accuracy "
              f"{m['test_accuracy'] * 100:.2f}%, loss {m['test_loss']:.4f}, "
              f"{m['wrong_count']:,} wrong of {len(ds.y_test):,}")


@app.command()
def gallery(
    model: Annotated[Path, typer.Option("--model", help="A .keras model (e.g. from "
                                        "`reportgen train`).")],
    dataset: Dataset_ = DEFAULT_DATASET,
    site_dir: SiteDir = DEFAULT_SITE,
    assets_url: AssetsUrl = DEFAULT_URL,
    log_file: LogFile = Path("logs/tune.log"),
) -> None:
    """Regenerate the wrong-prediction gallery and the confusion matrix from an existing
    model, without training (files of an earlier model are removed)."""
    from .pipeline import Manifest, Options, gallery_stage, model_meta_for, validate_assets_url

    opts = Options(site_dir=site_dir, assets_url=validate_assets_url(assets_url),
                   log_file=log_file, model=model)
    ds = _load(dataset)
    manifest = Manifest(site_dir)
    res = gallery_stage(ds, model, model_meta_for(model, ds), opts, manifest)
    manifest.save()
    out.print(f"{res['wrong_count']:,} wrong predictions in "
              f"{opts.assets_dir / 'wrong-predictions'}; confusion matrix "
              f"{site_dir / 'static' / res['confusion_png'].lstrip('/')}")


def _options(**kw):
    from .pipeline import Options

    return Options(**{k: v for k, v in kw.items() if v is not None})


@app.command("site-assets")
def site_assets(
    dataset: Dataset_ = DEFAULT_DATASET,
    site_dir: SiteDir = DEFAULT_SITE,
    assets_url: AssetsUrl = DEFAULT_URL,
    export_dir: ExportDir = Path("data/export"),
    models_dir: ModelsDir = Path("data/models"),
    log_file: LogFile = Path("logs/tune.log"),
    epochs: Epochs = None,
    seed: Seed = 0,
    sample_per_class: SamplePer = 12,
    workers: Workers = None,
    model: Annotated[Path | None, typer.Option("--model", help="Use this .keras model "
                                               "instead of training.")] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train even if an identical "
                                          "model exists.")] = False,
    publish_all: Annotated[bool, typer.Option("--publish-all", help="Also copy the full "
                                              "70,000-image export into the site.")] = False,
    title: Annotated[str, typer.Option("--title", help="The page's title (h1).")] =
        "Mr. Glassy the Bot",
    description: Annotated[str, typer.Option("--description", help="The page's description "
                                             "(front matter and intro).")] =
        "NN for Handwritten digit recognition.",
    custom: Annotated[list[Path] | None, typer.Option("--custom", help="Custom test images "
                                                      "or folders (default: data/test).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Run every stage (export, sample, train, gallery, class counts, custom test, render,
    summary), skipping those whose inputs are unchanged."""
    from .pipeline import site_assets as run

    opts = _options(dataset=dataset, site_dir=site_dir, assets_url=assets_url,
                    export_dir=export_dir, models_dir=models_dir, log_file=log_file,
                    epochs=epochs, seed=seed, sample_per_class=sample_per_class,
                    workers=workers, model=model, retrain=retrain, publish_all=publish_all,
                    title=title, description=description, custom_images=custom)
    with _progress(quiet) as p:
        rep = run(opts, progress=None if quiet else _Display(p))
    s = rep.summary
    out.print(f"page: {rep.page}")
    out.print(f"model: {s['model']['path']} (test accuracy "
              f"{s['model']['test_accuracy'] * 100:.2f}%), "
              f"{s['wrong_predictions']['count']:,} wrong predictions")
    ran = ", ".join(f"{k} {v:.1f}s" for k, v in rep.ran.items()) or "nothing"
    out.print(f"ran: {ran}; up to date: {', '.join(rep.skipped) or 'nothing'}")


@app.command()
def render(
    dataset: Dataset_ = DEFAULT_DATASET,
    site_dir: SiteDir = DEFAULT_SITE,
    assets_url: AssetsUrl = DEFAULT_URL,
    title: Annotated[str, typer.Option("--title")] = "Mr. Glassy the Bot",
    description: Annotated[str, typer.Option("--description")] =
        "NN for Handwritten digit recognition.",
) -> None:
    """Re-render the MDX page from what the stages recorded in the site's manifest (run
    `reportgen site-assets` first)."""
    from .pipeline import rerender

    opts = _options(dataset=dataset, site_dir=site_dir, assets_url=assets_url, title=title,
                    description=description)
    out.print(f"page: {rerender(opts)}")


def _json_out(data) -> None:
    print(json.dumps(data, indent=2))


@app.command()
def audit(
    dataset: Dataset_ = DEFAULT_DATASET,
    export_dir: ExportDir = Path("data/export"),
    site_dir: SiteDir = DEFAULT_SITE,
    assets_url: AssetsUrl = DEFAULT_URL,
    as_json: Json = False,
    no_page: Annotated[bool, typer.Option("--no-page", help="Do not check the page's "
                                          "images in the site.")] = False,
    verify_pixels: Annotated[bool, typer.Option("--verify-pixels", help="Also decode every "
                                                "PNG and compare it with the dataset.")] = False,
    max_lines: Annotated[int, typer.Option("--max-lines", min=1, help="Findings to print "
                                           "(all with --json).")] = 50,
) -> None:
    """Count the exported PNGs per digit and split against the dataset's labels, check the
    page's images exist, and draw <assets>/class-counts.png. Exit 1 on any finding."""
    from rich.table import Table

    from .audit import audit_export
    from .fsutil import write_bytes
    from .pipeline import Options, validate_assets_url
    from .plotting import class_counts_png

    ds = _load(dataset)
    rep = audit_export(ds, export_dir, site_dir=None if no_page else site_dir,
                       verify_pixels=verify_pixels)
    if site_dir.is_dir():
        opts = Options(site_dir=site_dir, assets_url=validate_assets_url(assets_url))
        write_bytes(opts.assets_dir / "class-counts.png",
                    class_counts_png(ds.class_counts("train"), ds.class_counts("test")))
    if as_json:
        _json_out(rep.to_json())
    else:
        table = Table(title=f"Class counts: {export_dir} vs {dataset}")
        for col in ("digit", "train on disk", "train expected", "test on disk", "test expected"):
            table.add_column(col, justify="right")
        tr, te = rep.counts["train"], rep.counts["test"]

        def cell(a, b):
            return f"{a:,}" if a == b else f"[red]{a:,}[/]"

        for d in range(10):
            table.add_row(f'"{d}"', cell(tr["on_disk"][d], tr["expected"][d]),
                          f"{tr['expected'][d]:,}", cell(te["on_disk"][d], te["expected"][d]),
                          f"{te['expected'][d]:,}")
        table.add_row("total", f"{sum(tr['on_disk']):,}", f"{sum(tr['expected']):,}",
                      f"{sum(te['on_disk']):,}", f"{sum(te['expected']):,}", style="bold")
        out.print(table)
        for f in rep.findings[:max_lines]:
            out.print(f.line(), highlight=False, markup=False, soft_wrap=True)
        if len(rep.findings) > max_lines:
            out.print(f"... and {len(rep.findings) - max_lines:,} more (see --json)")
        out.print("audit passed" if rep.ok else f"audit failed: {len(rep.findings):,} finding(s)")
    raise typer.Exit(0 if rep.ok else 1)


@app.command()
def predict(
    inputs: Annotated[list[Path], typer.Argument(help="Image files or folders (PNG, JPEG, "
                                                 "BMP, WebP).", show_default=False)],
    model: Annotated[Path | None, typer.Option("--model", help="A .keras model (default: the "
                                               "site's current model).")] = None,
    site_dir: Annotated[Path | None, typer.Option("--site-dir", help="Also write the page's "
                                                  "'Extra Custom Test' section here.")] = None,
    assets_url: AssetsUrl = DEFAULT_URL,
    dataset: Dataset_ = DEFAULT_DATASET,
    log_file: LogFile = Path("logs/tune.log"),
    as_json: Json = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any input could not be "
                                         "predicted.")] = False,
) -> None:
    """Predict the digit in your own images, preprocessed like MNIST (20x20 box, centre of
    mass at the centre). A digit file stem (7.png) or folder (7/) is the label."""
    from rich.table import Table

    from .pipeline import current_model
    from .predict import accuracy, predict_files

    model = model or current_model(site_dir or DEFAULT_SITE)
    preds, problems = predict_files(model, inputs)
    problems += [p.error for p in preds if p.error]
    good = [p for p in preds if not p.error]
    correct, total = accuracy(preds)
    if as_json:
        _json_out({"model": str(model), "predictions": [p.to_json() for p in preds],
                   "problems": problems,
                   "accuracy": correct / total if total else None})
    else:
        table = Table(title=f"Predictions of {model}")
        table.add_column("file", overflow="fold")
        for col in ("label", "predicted", "probability", "runner-up"):
            table.add_column(col, no_wrap=True)
        for p in good:
            mark = "" if p.correct is None else (" [green]✓[/]" if p.correct else " [red]✗[/]")
            table.add_row(str(p.path), "" if p.label is None else str(p.label),
                          f"{p.predicted}{mark}", f"{p.probability * 100:.1f}%",
                          f"{p.runner_up} ({p.runner_up_probability * 100:.1f}%)")
        if good:
            out.print(table)
        if total:
            out.print(f"Accuracy: {correct}/{total} ({correct / total * 100:.1f}%)")
    for line in problems:
        err.print(f"[yellow]skipped:[/] {line}", highlight=False, soft_wrap=True)
    if site_dir is not None and good:
        from .pipeline import predict_into_site

        page = predict_into_site(model, inputs, site_dir, assets_url, dataset, log_file)
        out.print(f"page: {page}")
    if not good:
        err.print("[red]error:[/] no image could be predicted")
        raise typer.Exit(1)
    raise typer.Exit(1 if strict and problems else 0)


if __name__ == "__main__":
    main()
