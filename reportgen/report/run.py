"""What the stages of one run share (:class:`Run`), and the one typed reader of a
stage's record (:func:`recorded`)."""

from __future__ import annotations

import dataclasses
from functools import cached_property
from pathlib import Path
from typing import Any

from ..data.dataset import Dataset, load_dataset
from ..data.images import collect_images
from ..engine.manifest import MANIFEST, Manifest
from ..engine.typed import RecordError, parse
from ..errors import ModelError, SiteError
from ..models.store import history, probabilities_of, store_dir
from ..options import BUILTIN_DATASET, DEFAULT_DESCRIPTION, DEFAULT_TITLE, Options
from ..records import ModelRef, Robustness, RunOptions, SiteState
from .page import PageContext, PageText, page_context
from .site import open_site


class Run:
    """One run's shared state. opts: the run's options; site / state: the site's manifest
    and state (report.site.open_site); results: {stage: typed result} so far; before: the
    model the page showed when the run began; progress: the CLI's display or None."""

    def __init__(self, opts: Options, site: Manifest, state: SiteState, progress=None):
        self.opts, self.site, self.state, self.progress = opts, site, state, progress
        self.results: dict[str, Any] = {}
        self.before: ModelRef | None = recorded(site, "train", ModelRef, optional=True)
        self.robustness_before: Robustness | None = recorded(site, "robustness", Robustness,
                                                             optional=True)
        if opts.title is not None:
            state.title = opts.title
        if opts.description is not None:
            state.description = opts.description
        if opts.category_label is not None:
            state.category_label = opts.category_label
        if opts.model is not None:
            state.model = str(opts.model)
        elif opts.train or opts.retrain or opts.epochs is not None or opts.model_kind != "mlp":
            state.model = None
        elif state.model is not None:  # the page keeps the model it was given
            self.opts = opts = dataclasses.replace(opts, model=Path(state.model))

    @cached_property
    def ds(self) -> Dataset:
        return load_dataset(self.opts.dataset)

    @cached_property
    def export_seconds(self) -> float:
        return Manifest(self.opts.export_dir).seconds("export")

    @property
    def model(self) -> ModelRef:
        return self.results["train"]

    @property
    def previous(self) -> ModelRef | None:
        """The model the page showed before its current one: the one it showed when this
        run began, when the model just changed; else the one the last comparison was made
        with (the state); else None."""
        model = self.results.get("train")
        if model is None:
            return None
        if self.before is not None and self.before.meta.sha256 != model.meta.sha256:
            return self.before
        kept = self.state.previous_model
        return kept if kept is not None and kept.meta.sha256 != model.meta.sha256 else None

    @property
    def previous_robustness(self) -> Robustness | None:
        """The previous model's Robustness record: the one recorded when this run began, or
        the one kept with the previous model in the state; None when neither is its."""
        prev = self.previous
        for rob in (self.robustness_before, self.state.previous_robustness):
            if prev is not None and rob is not None and rob.model_sha256 == prev.meta.sha256:
                return rob
        return None

    def probabilities(self, model: ModelRef, split: str = "test"):
        return probabilities_of(model, self.ds, self.opts.models_dir, split)

    @cached_property
    def custom_files(self) -> tuple[list[Path], list[str]]:
        return collect_images(self.opts.custom_inputs())

    @property
    def text(self) -> PageText:
        return PageText(self.state.title if self.state.title is not None else DEFAULT_TITLE,
                        self.state.description if self.state.description is not None
                        else DEFAULT_DESCRIPTION)

    @cached_property
    def context(self) -> PageContext:
        model = self.model
        store = store_dir(model.path) if model.meta.key else self.opts.models_dir
        return page_context(self.results, self.text, assets_url=self.opts.assets_url,
                            thumb_size=self.opts.thumb_size, history=history(store, model),
                            static_dir=self.opts.site_dir / "static")


def recorded(site: Manifest, name: str, hint, optional: bool = False):
    """The recorded result of stage ``name`` as type ``hint`` (its registry type). Raises
    SiteError (one line) when it is missing or malformed, unless ``optional`` (then None)."""
    try:
        if site.has(name):
            return parse(hint, site.result(name))
    except RecordError:
        if not optional:
            raise SiteError(f"{site.path}: the record of stage {name!r} is malformed; run "
                            "`reportgen site-assets` to rebuild it") from None
        return None
    if optional:
        return None
    raise SiteError(f"{site.path}: no record of stage {name!r}; run `reportgen site-assets` "
                    "first")


def open_run(opts: Options, progress=None) -> Run:
    """A run on ``opts.site_dir``: its manifest and state opened (report.site.open_site)."""
    site, state = open_site(opts.site_dir)
    return Run(opts, site, state, progress)


def run_options(opts: Options) -> RunOptions:
    """The options of a site-assets run as the site records them (paths as given; the
    embedded dataset and the default model store as None, so another machine uses its
    own)."""
    builtin = Path(opts.dataset).resolve() == BUILTIN_DATASET.resolve()
    default_store = Path(opts.models_dir).resolve() == Path(Options().models_dir).resolve()
    return RunOptions(
        dataset=None if builtin else str(opts.dataset), assets_url=opts.assets_url,
        models_dir=None if default_store else str(opts.models_dir),
        epochs=opts.epochs, seed=opts.seed, sample_per_class=opts.sample_per_class,
        model=str(opts.model) if opts.model is not None else None,
        input_scaling=opts.input_scaling, model_kind=opts.model_kind,
        custom_images=[str(p) for p in opts.custom_images], publish_all=opts.publish_all)


def current_model(site_dir: Path, models_dir: Path) -> Path:
    """The model of the site's page (its train record), else the newest .keras file in the
    store ``models_dir``. Raises ModelError when there is none."""
    shown = recorded(Manifest(site_dir), "train", ModelRef, optional=True)
    if shown is not None and Path(shown.path).is_file():
        return Path(shown.path)
    found = sorted(Path(models_dir).glob("*/*.keras"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise ModelError(f"no model found in {Path(site_dir) / MANIFEST} or {models_dir}; "
                         "run `reportgen train` or pass --model")
    return found[-1]
