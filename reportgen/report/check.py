"""Is the page still true? ``reportgen check``, the docs-CI gate: every stage's key
recomputed with the options the last ``site-assets`` recorded, and every file reportgen
owns verified against its recorded sha256. It changes nothing, needs no TensorFlow and no
full export (black --check, terraform plan -detailed-exitcode)."""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.conditions import Bounds, Figures, Outcome, evaluate, figures_of
from ..engine.files import sha256_file
from ..engine.manifest import Manifest
from ..engine.stage import explain, key_of, parts_of
from ..errors import DatasetError, ModelError, ReportgenError, SiteError
from ..options import BUILTIN_DATASET, Options
from ..records import Calibration, GalleryResult, ModelChanges, ModelRef, Robustness
from .assets import DEFAULT_PAGE, manifest_name, site_pages
from .page_audit import missing_in_copies
from .run import Run, local, recorded
from .site import component_bytes, page_copies, read_state
from .stages import STAGE, STAGES
from .state import RunOptions, SiteState

TRAIN = STAGE["train"]

_HOW = {"changed": "was edited or replaced by hand", "missing": "is missing"}


@dataclass
class CheckReport:
    """stale: the stages a site-assets run would redo, in order; reasons: {stale stage:
    what changed, one phrase each (an input, the code of a module, reportgen's version, a
    stage it reads)}; files: (what, path, stage) of owned files that are "missing",
    "changed" (edited or replaced by hand) or "outdated" (reportgen ships a newer
    component), paths relative to the site; notes: what could not be checked here (the
    page's model is not on this machine); command: the one command that refreshes the
    page; conditions: the quality conditions asked for, evaluated on the page's records
    (analysis.conditions); page: the page's name; ok: nothing stale or changed, every
    condition passed."""

    stale: list[str]
    files: list[tuple[str, str, str]]
    notes: list[str]
    command: str
    site_dir: str = ""
    reasons: dict[str, list[str]] = field(default_factory=dict)
    conditions: list[Outcome] = field(default_factory=list)
    page: str = DEFAULT_PAGE
    ok: bool = field(init=False)

    def __post_init__(self):
        self.ok = not self.stale and not self.files and all(c.passed for c in self.conditions)

    @property
    def current(self) -> bool:
        """Nothing stale, no owned file changed (the conditions aside)."""
        return not self.stale and not self.files

    def to_json(self) -> dict:
        return {"ok": self.ok, "site_dir": self.site_dir, "stale": self.stale,
                "reasons": {s: self.reasons.get(s, []) for s in self.stale},
                "files": [{"what": w, "path": p, "stage": s} for w, p, s in self.files],
                "notes": self.notes, "command": self.command,
                "conditions": [c.to_json() for c in self.conditions], "page": self.page}


def recorded_options(options: RunOptions, site_dir: Path, *, model: Path | None = None,
                     models_dir: Path | None = None, dataset: Path | None = None,
                     page: str = DEFAULT_PAGE) -> Options:
    """The Options of the site-assets run the site recorded (its paths are relative to the
    site, report.run.portable), with what the caller gives instead (where the page's model
    is here, another store, the dataset's path here)."""
    site_dir = Path(site_dir)
    return Options(
        page=page,
        dataset=dataset or (local(options.dataset, site_dir) if options.dataset
                            else BUILTIN_DATASET),
        site_dir=site_dir,
        assets_url=options.assets_url,
        models_dir=models_dir or (local(options.models_dir, site_dir) if options.models_dir
                                  else Options().models_dir),
        epochs=options.epochs, seed=options.seed, sample_per_class=options.sample_per_class,
        model=model or (local(options.model, site_dir) if options.model else None),
        input_scaling=options.input_scaling, model_kind=options.model_kind,
        custom_images=[local(p, site_dir) for p in options.custom_images],
        publish_all=options.publish_all, conditions=options.conditions or Bounds(),
        classes=(str(local(options.classes, site_dir)) if options.classes is not None
                 and local(options.classes, site_dir).is_file() else options.classes),
        card=local(options.card, site_dir) if options.card else None,
        test_fraction=options.test_fraction, image_size=options.image_size)


def refresh_command(opts: Options) -> str:
    """``reportgen site-assets`` with the options of ``opts`` that differ from the
    defaults, quoted for a POSIX shell."""
    default = Options()
    args = ["reportgen", "site-assets", "--site-dir", str(opts.site_dir)]
    if opts.page not in (None, DEFAULT_PAGE):
        args += ["--page", opts.page]
    for flag, name in (("--dataset", "dataset"), ("--assets-url", "assets_url"),
                       ("--models-dir", "models_dir"), ("--epochs", "epochs"),
                       ("--seed", "seed"), ("--sample-per-class", "sample_per_class"),
                       ("--model", "model"), ("--input-scaling", "input_scaling"),
                       ("--model-kind", "model_kind"), ("--classes", "classes"),
                       ("--card", "card"), ("--test-fraction", "test_fraction"),
                       ("--image-size", "image_size")):
        value = getattr(opts, name)
        if name == "dataset" and Path(value).resolve() == BUILTIN_DATASET.resolve():
            continue
        if value is not None and value != getattr(default, name):
            args += [flag, str(value)]
    for p in opts.custom_images:
        args += ["--custom", str(p)]
    if opts.publish_all:
        args.append("--publish-all")
    return shlex.join(args)


def check_site(site_dir: Path, *, model: Path | None = None, models_dir: Path | None = None,
               dataset: Path | None = None, docs_dir: str | None = None,
               bounds: Bounds | None = None, page: str | None = None) -> list[CheckReport]:
    """:func:`check_page` of ``page``, or of every page reportgen built in ``site_dir``
    (report.assets.site_pages): one report per page. Raises SiteError when the folder does
    not exist or holds no page reportgen built."""
    if not Path(site_dir).is_dir():
        raise SiteError(f"--site-dir {site_dir}: no such folder")
    pages = [page] if page else site_pages(site_dir) or [DEFAULT_PAGE]
    return [check_page(site_dir, model=model, models_dir=models_dir, dataset=dataset,
                       docs_dir=docs_dir, bounds=bounds, page=p) for p in pages]


def check_page(site_dir: Path, *, model: Path | None = None, models_dir: Path | None = None,
               dataset: Path | None = None, docs_dir: str | None = None,
               bounds: Bounds | None = None, page: str = DEFAULT_PAGE) -> CheckReport:
    """Check the page of ``site_dir`` (see the module docstring). ``model``: where the
    page's model is on this machine (a CI artefact); a file with other contents is another
    model, and the model stages are stale. ``bounds``: quality conditions, evaluated on
    the page's records (:func:`page_figures`). Raises SiteError when the folder does not
    exist or holds no page reportgen built with site-assets, DatasetError when the
    recorded dataset cannot be read."""
    if not Path(site_dir).is_dir():
        raise SiteError(f"--site-dir {site_dir}: no such folder")
    site = Manifest(site_dir, name=manifest_name(page))
    state = read_state(site)
    if not site.path.is_file() or state.options is None:
        raise SiteError(f"{site.path}: no record of a `reportgen site-assets` run here; run "
                        "it first (a site built by reportgen 0.2 needs one run of 0.3)")
    opts = dataclasses.replace(recorded_options(state.options, Path(site_dir), model=model,
                                                models_dir=models_dir, dataset=dataset,
                                                page=page),
                               docs_dir=docs_dir)
    stale, files, notes, reasons, opts = assess(opts, site, state)
    # versioned and translated copies keep their images
    files += [("missing", p.relative_to(site_dir).as_posix(), where)
              for where, p in missing_in_copies(site_dir, page_copies(site_dir, page))]
    for name, digest in state.components.items():  # a newer component ships with reportgen
        copy = Path(site_dir) / "src" / "components" / name
        if (copy.is_file() and sha256_file(copy) == digest
                and hashlib.sha256(component_bytes(name)).hexdigest() != digest):
            files.append(("outdated", copy.relative_to(site_dir).as_posix(), "components"))
    bounds = (bounds or Bounds()).over(state.options.conditions)
    outcomes = evaluate(bounds, page_figures(site)) if bounds.any() else []
    return CheckReport(stale, files, notes, refresh_command(opts), str(site_dir), reasons,
                       outcomes, page)


def page_figures(site: Manifest) -> Figures:
    """The figures the quality conditions read, from the site's records (a missing record:
    None)."""
    return figures_of({name: recorded(site, name, hint, optional=True) for name, hint in (
        ("train", ModelRef), ("gallery", GalleryResult), ("calibration", Calibration),
        ("changes", ModelChanges), ("robustness", Robustness))})


def assess(opts: Options, site: Manifest, state: SiteState | None = None,
           ) -> tuple[list[str], list[tuple[str, str, str]], list[str], dict[str, list[str]],
                      Options]:
    """(stale stages, owned-file problems, notes, {stale stage: reasons}, the options as the
    run takes them: a --model that holds the page's trained model is where it is, not a
    model to use instead) of ``site``
    (whose state, when already read, is ``state``) for a site-assets run with ``opts``:
    each key recomputed from the recorded results of the stages before it (a stage that
    reads a stale one's result is stale too), nothing run, nothing written. The page's
    model need not be on this machine: its stages are taken as recorded, with a note."""
    run = Run(opts, site, dataclasses.replace(state or read_state(site)))
    stale: list[str] = []
    files: list[tuple[str, str, str]] = []
    notes: list[str] = []
    reasons: dict[str, list[str]] = {}
    for stage in STAGES:
        problems = site.file_problems(stage.name) if site.has(stage.name) else []
        problems = [(w, site.shown(p)) for w, p in problems]
        files += [(w, p, stage.name) for w, p in problems]
        why: list[str] = []
        try:
            if stage.applies is not None and not stage.applies(run):
                if site.has(stage.name):
                    why.append("it no longer applies")
            elif not site.has(stage.name):
                why.append("it never ran")
            else:
                why += [f"stage {s} is stale" for s in stage.reads if s in stale]
                if site.key(stage.name) != key_of(stage, run, site.root):
                    why += explain(site.parts(stage.name), parts_of(stage, run, site.root)) or [
                        "its key changed"]
                why += [f"{p} {_HOW[w]}" for w, p in problems]
        except ModelError:  # a given model's file is not here: noted below
            if stage is not TRAIN or not site.has("train"):
                raise
        except DatasetError:
            raise
        except (ReportgenError, KeyError, AttributeError):
            why.append("its record is unusable here")  # a key that cannot be computed
        if stage is TRAIN and not why and run.before is not None:
            if not run.has_model_file(run.before):
                notes.append(f"{run.before.path}: the page's model (sha256 "
                             f"{run.before.meta.sha256[:12]}) is not on this machine, so it "
                             "is taken as recorded (pass --model to check it)")
        if why:
            stale.append(stage.name)
            reasons[stage.name] = why
        run.results[stage.name] = recorded(site, stage.name, stage.result, optional=True)
    return stale, files, notes, reasons, run.opts
