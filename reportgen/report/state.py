"""The site's own state, persisted in its manifest beside the stages' records (the
manifest's "site" section): what a site remembers between runs, the options of its last
site-assets run, and the models its page has shown. Dataclasses that round-trip through
JSON (engine.typed), like the records (reportgen.records)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.conditions import Bounds
from ..records import ModelRef, Robustness


@dataclass
class HistoryRow:
    """One model the page has shown, in its "Model history" table (kept in the site's
    state, so the table is the same on every machine); accuracy 0-1; name: the model
    file's name; sha256: its content digest; shown: the model the page shows now (set
    when the page is built, never stored as true)."""

    kind: str
    epochs: int | None
    seed: int | None
    accuracy: float
    wrong_count: int
    trained_at: str | None
    name: str
    shown: bool = False
    sha256: str = ""


@dataclass
class RunOptions:
    """The options of the last ``site-assets`` run on a site (paths relative to the site's
    folder, ``/`` separated, so the record names no place of the machine that wrote it;
    dataset None: the embedded dataset; models_dir None: the default store of the machine
    that checks; custom_images []: the default custom-test images): what
    ``reportgen check`` recomputes the keys with, and what the refresh command it prints
    repeats."""

    dataset: str | None
    assets_url: str
    models_dir: str | None
    epochs: int | None
    seed: int
    sample_per_class: int
    model: str | None
    input_scaling: str
    model_kind: str
    custom_images: list[str] = field(default_factory=list)
    publish_all: bool = False
    #: the page's quality conditions (analysis.conditions; None: none set)
    conditions: Bounds | None = None
    #: how the dataset is read (data.sources.DatasetSource): --classes (names, or a file
    #: relative to the site), --card (relative to the site), --test-fraction, --image-size
    classes: str | None = None
    card: str | None = None
    test_fraction: float | None = None
    image_size: str | None = None


@dataclass
class SiteState:
    """What a site remembers between runs, beside the stages' results (the manifest's
    "site" section): the page's title, description and sidebar category label (None: not
    set yet, the defaults apply); the model the page showed before its current one (for
    "Changes since the previous model") and its Robustness record; components: {file name:
    sha256 of the copy reportgen wrote}, so an unedited copy can be updated and an edited one is never
    touched; model: the model given with ``--model`` (``site-assets`` or ``gallery``) that
    the page keeps showing until ``--train``, ``--epochs`` or another ``--model``; options:
    the last site-assets run's (RunOptions); history: the models the page has shown, oldest
    first (its "Model history" table); docs_dir: the docs plugin's folder, relative to the
    site (None: ``docs``)."""

    title: str | None = None
    description: str | None = None
    category_label: str | None = None
    previous_model: ModelRef | None = None
    components: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    options: RunOptions | None = None
    previous_robustness: Robustness | None = None
    history: list[HistoryRow] = field(default_factory=list)
    docs_dir: str | None = None
