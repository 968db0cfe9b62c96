"""What the stages of one run share (:class:`Run`), and the one typed reader of a
stage's record (:func:`recorded`)."""

from __future__ import annotations

import dataclasses
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from ..data.dataset import Dataset
from ..data.images import collect_images
from ..data.sources import open_dataset
from ..engine.manifest import MANIFEST, Manifest
from ..engine.typed import RecordError, parse
from ..errors import ModelError, SiteError
from ..models.store import find_model_file, model_sha256, probabilities_of
from ..options import BUILTIN_DATASET, Options, resolve_page
from ..records import ModelRef, Robustness
from .assets import DEFAULT_PAGE, manifest_name, page_file, site_pages
from .docusaurus import DEFAULT_DOCS
from .site import docs_aliases, docs_folder, open_site, page_state
from .state import HistoryRow, RunOptions, SiteState


class Run:
    """One run's shared state. opts: the run's options; site / state: the site's manifest
    and state (report.site.open_site); results: {stage: typed result} so far; before: the
    model the page showed when the run began; progress: the CLI's display or None."""

    def __init__(self, opts: Options, site: Manifest, state: SiteState, progress=None,
                 ds: Dataset | None = None):
        if opts.page is None:  # a caller that did not resolve it (open_run does)
            opts = dataclasses.replace(opts, page=DEFAULT_PAGE)
        self.opts, self.site, self.state, self.progress = opts, site, state, progress
        if ds is not None:
            self.__dict__["ds"] = ds  # the cached property, loaded already
        self.results: dict[str, Any] = {}
        self.before: ModelRef | None = recorded(site, "train", ModelRef, optional=True)
        self.robustness_before: Robustness | None = recorded(site, "robustness", Robustness,
                                                             optional=True)
        #: {content digest: the model's file on this machine}
        self.located: dict[str, Path] = {}
        #: what the user should know (the docs folder the site's config names, …): one line each
        self.notes: list[str] = []
        kept = state.options.conditions if state.options else None  # the page's, kept
        opts = dataclasses.replace(opts, conditions=opts.conditions.over(kept))
        docs, note = docs_folder(opts.site_dir, opts.docs_dir, state.docs_dir)
        self.notes += [note] if note else []
        state.docs_dir = None if docs == DEFAULT_DOCS else docs
        site.aliases = docs_aliases(opts.site_dir, docs)
        self.opts = opts = dataclasses.replace(opts, docs_dir=docs)
        if opts.title is not None:
            state.title = opts.title
        if opts.description is not None:
            state.description = opts.description
        if opts.category_label is not None:
            state.category_label = opts.category_label
        if opts.model is not None and self._is_the_pages_model(opts.model):
            # the page's own model, found elsewhere (a CI artefact): where it is, not a new model
            self.located[self.before.meta.sha256] = opts.model
            opts = dataclasses.replace(opts, model=None if state.model is None else opts.model)
            self.opts = opts
        if opts.model is not None:
            state.model = portable(opts.model, site.root)
        elif opts.train or opts.retrain or opts.epochs is not None or opts.model_kind != "mlp":
            state.model = None
        elif state.model is not None:  # the page keeps the model it was given
            self.opts = opts = dataclasses.replace(opts, model=local(state.model, site.root))

    def _is_the_pages_model(self, path: Path) -> bool:
        """True when ``path`` holds the model the page showed when this run began (the same
        content digest, wherever it lies)."""
        if self.before is None or not Path(path).exists():
            return False
        return model_sha256(path) == self.before.meta.sha256

    def model_file(self, ref: ModelRef) -> Path:
        """Where the model ``ref`` names is on this machine: a file given with --model that
        holds it, the file of that name in this run's store or in the store the site's
        last site-assets used, or any model of those stores with its content digest.
        Raises ModelError (one line) when this machine has none."""
        sha = ref.meta.sha256
        if sha in self.located:
            return self.located[sha]
        found = find_model_file(ref.path, sha, self._stores(), self.opts.model)
        if found is None:
            raise ModelError(f"{ref.path}: the page's model (sha256 {sha[:12]}) is not on this "
                             "machine; pass --model with its file")
        self.located[sha] = found
        return found

    def has_model_file(self, ref: ModelRef | None) -> bool:
        """True when the model ``ref`` names is on this machine (:meth:`model_file`)."""
        try:
            return ref is not None and bool(self.model_file(ref))
        except ModelError:
            return False

    def model_ref(self, path: Path, meta) -> ModelRef:
        """The portable record of the model at ``path`` (records.ModelRef), its place on
        this machine remembered for :meth:`model_file`."""
        store = Path(self.opts.models_dir).resolve()
        real = Path(path).resolve()
        name = real.relative_to(store).as_posix() if store in real.parents else real.name
        self.located[meta.sha256] = Path(path)
        return ModelRef(name, meta)

    def note_shown(self) -> None:
        """Add the page's model to the models it has shown (the state's history), once."""
        model = self.model
        if not self.state.history and self.before is not None and (
                self.before.meta.sha256 != model.meta.sha256):
            self.state.history.append(history_row(self.before))
        if not any(h.sha256 == model.meta.sha256 for h in self.state.history):
            self.state.history.append(history_row(model))

    @property
    def page(self) -> Path:
        """Where the page is: ``<site>/<docs>/image-classification/glassy.mdx``."""
        return page_file(self.opts.site_dir, self.opts.docs_dir, self.opts.page)

    @cached_property
    def ds(self) -> Dataset:
        return open_dataset(self.opts.source())

    @cached_property
    def export_seconds(self) -> float:
        """Wall seconds of the run that last wrote the export (its manifest's record)."""
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

    def keep_previous(self) -> None:
        """Keep the page's previous model and its Robustness record in the site's state,
        so later runs still compare with it (after the train stage ran)."""
        self.state.previous_model = self.previous
        self.state.previous_robustness = self.previous_robustness

    def probabilities(self, model: ModelRef, split: str = "test", *, calibrated: bool = True,
                      view: str = "", images=None):
        """Probabilities (float32 (n, n_classes)) of ``model`` on ``split``: cached, else computed
        from its file on this machine (ModelError when neither is here); calibrated by the
        temperature in its metadata (models.store.probabilities_of), unless told not to.
        view, images: of the split's images changed (models.tta)."""
        try:
            path = self.model_file(model)
        except ModelError:  # its cached probabilities may still be in a store
            for store in self._stores()[1:]:
                try:
                    return probabilities_of(model, self.ds, store, split,
                                            path=store / Path(model.path).name,
                                            calibrated=calibrated, view=view, images=images)
                except ModelError:
                    continue
            path = Path(self.opts.models_dir) / Path(model.path).name
        return probabilities_of(model, self.ds, self.opts.models_dir, split, path=path,
                                calibrated=calibrated, view=view, images=images)

    def _stores(self) -> list[Path]:
        """This run's model store, then the one the site's last site-assets used (when
        another)."""
        stores = [Path(self.opts.models_dir)]
        recorded_store = self.state.options.models_dir if self.state.options else None
        if recorded_store:
            stores.append(local(recorded_store, self.site.root))
        return stores

    @cached_property
    def custom_files(self) -> tuple[list[Path], list[str]]:
        """The custom test's images: --custom, else the default ones when the dataset's
        card has them (the embedded MNIST's handwriting; none for another dataset)."""
        if not self.opts.custom_images and self.ds.info.custom_images is None:
            return [], []
        return collect_images(self.opts.custom_inputs())

    def history_rows(self) -> list[HistoryRow]:
        """The "Model history" rows: the models the page has shown, the page's own marked."""
        model = self.model
        rows = [dataclasses.replace(h, shown=h.sha256 == model.meta.sha256)
                for h in self.state.history]
        if not any(h.shown for h in rows):
            rows.append(dataclasses.replace(history_row(model), shown=True))
        return rows


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


def open_run(opts: Options, progress=None, ds: Dataset | None = None) -> Run:
    """A run on ``opts.site_dir``: its manifest and state opened (report.site.open_site);
    ``ds``: the dataset when the caller loaded it already (else loaded when first needed)."""
    ds = ds if ds is not None else open_dataset(opts.source())
    opts = resolve_page(opts, ds.info)
    check_assets_owner(opts)
    site, state = open_site(opts.site_dir, opts.page)
    return Run(opts, site, state, progress, ds)


def check_assets_owner(opts: Options) -> None:
    """Raise SiteError when another page of the site owns ``opts``' assets folder (two
    pages never share one)."""
    for other in site_pages(opts.site_dir):
        if other == opts.page:
            continue
        state = page_state(opts.site_dir, other)
        if state.options is not None and state.options.assets_url == opts.assets_url:
            raise SiteError(f"--page {opts.page}: the assets folder {opts.assets_url} belongs "
                            f"to the page {other!r}; give this page its own --assets-url")


def history_row(model: ModelRef) -> HistoryRow:
    """``model`` as a row of the page's "Model history" table (not marked shown)."""
    m = model.meta
    return HistoryRow(kind=m.kind, epochs=m.epochs, seed=m.seed, accuracy=m.test_accuracy,
                      wrong_count=m.wrong_count, trained_at=m.trained_at,
                      name=Path(model.path).name, sha256=m.sha256)


def portable(path: Path, site_dir: Path) -> str:
    """``path`` as the site records it: relative to the site's folder, ``/`` separated (a
    record that names no place of the machine that wrote it)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(site_dir).resolve())).as_posix()


def local(recorded_path: str, site_dir: Path) -> Path:
    """Inverse of :func:`portable`: the recorded path on this machine (an absolute path, as
    reportgen 0.3 recorded them, is taken as it is)."""
    if os.path.isabs(recorded_path):
        return Path(recorded_path)
    return Path(os.path.normpath(Path(site_dir) / recorded_path))


def run_options(opts: Options) -> RunOptions:
    """The options of a site-assets run as the site records them (paths relative to the
    site, :func:`portable`; the embedded dataset, the default model store and the default
    custom-test images as None or [], so another machine uses its own)."""
    builtin = Path(opts.dataset).resolve() == BUILTIN_DATASET.resolve()
    default_store = Path(opts.models_dir).resolve() == Path(Options().models_dir).resolve()
    site = opts.site_dir
    return RunOptions(
        dataset=None if builtin else portable(opts.dataset, site), assets_url=opts.assets_url,
        models_dir=None if default_store else portable(opts.models_dir, site),
        epochs=opts.epochs, seed=opts.seed, sample_per_class=opts.sample_per_class,
        model=portable(opts.model, site) if opts.model is not None else None,
        input_scaling=opts.input_scaling, model_kind=opts.model_kind,
        custom_images=[portable(p, site) for p in opts.custom_images],
        publish_all=opts.publish_all,
        conditions=opts.conditions if opts.conditions.any() else None,
        classes=(portable(Path(opts.classes), site) if opts.classes is not None
                 and Path(opts.classes).is_file() else opts.classes),
        card=portable(opts.card, site) if opts.card is not None else None,
        test_fraction=opts.test_fraction, image_size=opts.image_size)


def current_model(site_dir: Path, models_dir: Path, page: str = DEFAULT_PAGE) -> Path:
    """The model of the site's page (its train record, found on this machine), else the
    newest .keras file in the store ``models_dir``. Raises ModelError when there is none."""
    shown = recorded(Manifest(site_dir, name=manifest_name(page)), "train", ModelRef,
                     optional=True)
    if shown is not None:
        here = find_model_file(shown.path, shown.meta.sha256, [Path(models_dir)])
        if here is not None:
            return here
    found = sorted(Path(models_dir).glob("*/*.keras"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise ModelError(f"no model found in {Path(site_dir) / MANIFEST} or {models_dir}; "
                         "run `reportgen train` or pass --model")
    return found[-1]
