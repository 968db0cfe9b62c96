"""What every ``reportgen`` command shares: the group that turns an error into one line on
stderr and an exit code, SIGTERM handled like Ctrl-C, and the options declared once for
typer (help text; every default comes from :class:`~reportgen.options.Options`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # typer vendors click since 0.20
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer on real click
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from . import __version__
from .console import err, out
from .errors import ReportgenError
from .models.kinds import KINDS
from .options import DEFAULT_DESCRIPTION, DEFAULT_TITLE, DISTRIBUTION


class ErrorsAsOneLine(TyperGroup):
    """Turns a user error (ReportgenError) into one line on stderr and its exit code; a
    usage error (an unknown option, a value out of range) into one line too, exit 2, where
    typer would draw a box of five lines."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:  # `reportgen` alone: its help
            exc.show()
            return self._exit(standalone_mode, exc.exit_code)
        except UsageError as exc:
            cmd = exc.ctx.command_path if exc.ctx is not None else (prog_name or "reportgen")
            err.print(f"[red]error:[/] {exc.format_message()} (see {cmd} --help)",
                      highlight=False, soft_wrap=True, markup=True)
            return self._exit(standalone_mode, exc.exit_code)
        except ClickException as exc:
            err.print(f"[red]error:[/] {exc.format_message()}", highlight=False,
                      soft_wrap=True, markup=True)
            return self._exit(standalone_mode, exc.exit_code)
        except typer.Abort:
            err.print("interrupted")
            return self._exit(standalone_mode, 130)
        return self._exit(standalone_mode, rv if isinstance(rv, int) else 0, rv)

    @staticmethod
    def _exit(standalone_mode: bool, code: int, rv=None):
        if standalone_mode:
            sys.exit(code)
        return rv if rv is not None else code

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReportgenError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True, markup=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except Terminated:
            err.print("terminated")
            raise typer.Exit(143) from None
        except OSError as exc:  # disk full, read-only file system, permissions
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"[red]error:[/] {where}{exc.strerror or exc}", highlight=False,
                      soft_wrap=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, SystemExit, ClickException):
            raise  # typer's own: main() prints a usage error as one line
        except Exception as exc:  # a bug: still one line, the traceback on request
            if os.environ.get("REPORTGEN_DEBUG"):
                raise
            first = str(exc).splitlines()[0][:300] if str(exc) else ""
            err.print(f"[red]error:[/] internal error: {type(exc).__name__}: {first} (set "
                      "REPORTGEN_DEBUG=1 for the traceback)", highlight=False, soft_wrap=True,
                      markup=True)
            raise typer.Exit(70) from None


def given(ctx: typer.Context) -> set[str]:
    """The parameters of ``ctx``'s command given on the command line (not defaults)."""
    try:
        from typer._click.core import ParameterSource
    except ImportError:  # pragma: no cover - older typer on real click
        from click.core import ParameterSource
    return {k for k in ctx.params if ctx.get_parameter_source(k) in (
        ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)}


class Terminated(BaseException):
    """SIGTERM, handled like Ctrl-C: temporary files are removed on the way out."""


def on_sigterm(signum, frame):
    raise Terminated




Dataset_ = Annotated[Path, typer.Option("--dataset", help="Keras-layout .npz file, folder "
                                        "of the four IDX files (raw or .gz), or folder of "
                                        "images with one sub-folder per class (train/ and "
                                        "test/ of them, or class folders alone).")]
Page = Annotated[str | None, typer.Option(
    "--page", help="The page's name: its file (docs/image-classification/<page>.mdx), id "
    "and slug, and its assets folder /assets/datasets/<page> (default: glassy for the "
    "embedded MNIST, whose images stay in /assets/datasets/mnist; else the dataset's "
    "name).", show_default=False)]
CheckPage = Annotated[str | None, typer.Option(
    "--page", help="Check this page only (default: every page reportgen built in the "
    "site).", show_default=False)]
Classes = Annotated[str | None, typer.Option(
    "--classes", help="Class names in label order: a file with one per line, or a,b,c "
    "(default: a classes.txt beside the data, the card's, the class folders' names, else "
    "the label numbers).", show_default=False)]
Card = Annotated[Path | None, typer.Option(
    "--card", help="Dataset card: Markdown with YAML front matter (name, description, "
    "homepage, license, citation, noun, kind, flips); its body is the dataset section's "
    "text. Default: words written from the data.", show_default=False)]
TestFraction = Annotated[float | None, typer.Option(
    "--test-fraction", min=0.0, max=1.0, help="Share of each class held out as the test "
    "split, for a folder of class folders without train/ and test/ (default 0.2; seeded "
    "with --seed, stratified).", show_default=False)]
ImageSize = Annotated[str | None, typer.Option(
    "--image-size", help="HxW every image of a folder is resized to (default: the most "
    "common size).", show_default=False)]
SiteDir = Annotated[Path, typer.Option("--site-dir", help="Docusaurus site (or overlay) to "
                                       "write docs/ and static/ into.")]
AssetsUrl = Annotated[str, typer.Option("--assets-url", help="Site URL of the page's images; "
                                        "files go to <site>/static/<assets-url>.")]
ExportDir = Annotated[Path, typer.Option("--export-dir", help="Folder of the full export.")]
ModelsDir = Annotated[Path, typer.Option("--models-dir", help="Folder of trained models.")]
LogFile = Annotated[Path, typer.Option("--log-file", help="Training log to append to.")]
Epochs = Annotated[int | None, typer.Option(
    "--epochs", min=1, max=1000, help="Training epochs (default: the kind's, "
    + ", ".join(f"{k} {v.epochs}" for k, v in KINDS.items()) + "). Cannot be combined with "
    "--model, whose own epochs are used.")]
Seed = Annotated[int, typer.Option("--seed", min=0, max=2**32 - 1, help="Seed for Python, NumPy, TensorFlow "
                                   "and the page's sample.")]
SamplePer = Annotated[int, typer.Option("--sample-per-class", min=1, max=1000,
                                        help="Images per class per split shown on the page.")]
Workers = Annotated[int | None, typer.Option("--workers", min=1, max=64,
                                             help="Export processes (default: CPU count).")]
Title = Annotated[str | None, typer.Option(
    "--title", help="The page's title (h1). Default: the title the site's page has, else "
    f"{DEFAULT_TITLE!r}.")]
Description = Annotated[str | None, typer.Option(
    "--description", help="The page's description (front matter and intro). Default: the "
    f"one the site's page has, else {DEFAULT_DESCRIPTION!r}.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Scaling = Annotated[str, typer.Option(
    "--input-scaling", help="How a given model's inputs are scaled: raw (uint8 as is), unit "
    "(x/255), keras-normalize (tf.keras.utils.normalize(x, axis=1), as the original "
    "notebooks), auto (raw when the model has a Rescaling/Normalization layer, else unit).")]
Kind = Annotated[str, typer.Option("--model-kind", help="What to train: mlp (the original "
                                   "page's model) or cnn (seed 003's family).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
CategoryLabel = Annotated[str | None, typer.Option(
    "--category-label", help="Sidebar label of the page's folder, written to "
    "docs/image-classification/_category_.json unless the site has its own category file "
    "there (default: the label written before, else 'Image Classification').")]
Force = Annotated[bool, typer.Option("--force", help="Rewrite even if up to date.")]
NoSample = Annotated[bool, typer.Option("--no-sample", help="Do not write the page's sample "
                                        "into the site.")]
Retrain = Annotated[bool, typer.Option("--retrain", help="Train even if a model with the same "
                                       "dataset, kind, epochs, seed and recipe exists.")]
PublishAll = Annotated[bool, typer.Option("--publish-all", help="Also copy the full "
                                          "70,000-image export into the site.")]
Custom = Annotated[list[Path] | None, typer.Option("--custom", help="Custom test images or "
                                                   "folders (default: data/test).")]
NoPage = Annotated[bool, typer.Option("--no-page", help="Do not check the page's images in "
                                      "the site.")]
VerifyPixels = Annotated[bool, typer.Option("--verify-pixels", help="Also decode every PNG and "
                                            "compare it with the dataset.")]
DocsDir = Annotated[str | None, typer.Option(
    "--docs-dir", help="The folder the site's docs plugin reads, relative to the site (e.g. "
    "../docs): the page goes to <docs-dir>/image-classification/glassy.mdx. Default: the "
    "folder the site recorded, else the literal `path` of the docs plugin in "
    "docusaurus.config, else docs.", show_default=False)]
Create = Annotated[bool, typer.Option("--create", help="Make a new overlay at --site-dir (by "
                                      "default it must be a Docusaurus site, with a "
                                      "docusaurus.config.* file, or an overlay reportgen "
                                      "wrote).")]
PageOnly = Annotated[bool, typer.Option("--page-only", help="Check only the page's images in "
                                        "the site (a docs CI without the full export).")]
CheckModel = Annotated[Path | None, typer.Option("--model", help="The page's model, when it is "
                                                 "not where site-assets found it (a CI "
                                                 "artefact).")]
CheckModelsDir = Annotated[Path | None, typer.Option("--models-dir", help="The model store, "
                                                     "when not the recorded one.")]
CheckDataset = Annotated[Path | None, typer.Option("--dataset", help="The dataset, when not at "
                                                   "the recorded path.")]
Inputs = Annotated[list[Path], typer.Argument(help="Image files or folders (PNG, JPEG, BMP, "
                                              "WebP).", show_default=False)]
PredictModel = Annotated[Path | None, typer.Option(
    "--model", help="A .keras or .h5 model or a SavedModel folder (default: the site's "
    "current model).")]
PredictSiteDir = Annotated[Path | None, typer.Option(
    "--site-dir", help="Also write the page's 'Extra Custom Test' section here.")]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 1 if any input could not be "
                                      "predicted.")]
TwoModels = Annotated[list[Path], typer.Option(
    "--model", help="Give it twice: the previous model, then the current one (.keras, .h5 or "
    "a SavedModel folder).", show_default=False)]
ChangesMaxLines = Annotated[int, typer.Option("--max-lines", min=1, help="Test indices to list "
                                              "of each of fixed and new (all with --json).")]
MinAccuracy = Annotated[float | None, typer.Option(
    "--min-accuracy", min=0.0, max=1.0, help="Fail (exit 1) when the page's test accuracy is "
    "below this fraction (0.98).")]
MinClassRecall = Annotated[float | None, typer.Option(
    "--min-class-recall", min=0.0, max=1.0, help="Fail when any class's recall on the test "
    "split is below this fraction.")]
MaxEce = Annotated[float | None, typer.Option(
    "--max-ece", min=0.0, max=1.0, help="Fail when the expected calibration error is above "
    "this fraction (0.01).")]
MaxAccuracyDrop = Annotated[float | None, typer.Option(
    "--max-accuracy-drop", min=0.0, max=100.0, help="Fail when the accuracy fell more than "
    "this many percentage points from the previous model's.")]
MinRobustness = Annotated[float | None, typer.Option(
    "--min-robustness", min=0.0, max=1.0, help="Fail when the mean accuracy under the "
    "corruptions is below this fraction.")]
PageModel = Annotated[Path | None, typer.Option("--model", help="Use this model (.keras, .h5 "
                                                "or a SavedModel folder) instead of training; "
                                                "the page keeps it until --train, --epochs or "
                                                "--model-kind.")]
Train = Annotated[bool, typer.Option("--train", help="Train a model again when the page shows "
                                     "one given with --model.")]


app = typer.Typer(cls=ErrorsAsOneLine, add_completion=False, no_args_is_help=True,
                  pretty_exceptions_enable=False,
                  help="Build the 'Mr. Glassy the Bot' image-classification page: export, "
                       "train, gallery, render. Start with `reportgen site-assets`.")

def _print_version(value: bool) -> None:
    if value:
        out.print(f"reportgen {__version__} (distribution {DISTRIBUTION})", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print reportgen's version and exit.")] = False) -> None:
    """Build the 'Mr. Glassy the Bot' image-classification page: export, train, gallery,
    render. Start with `reportgen site-assets`."""
