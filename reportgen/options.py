"""Run options: :class:`Options` is the one source of every default (the CLI reads its
defaults from here), and :func:`validate_assets_url` checks the site URL of the images."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .analysis.conditions import Bounds
from .data.card import BUILTIN_INFO, DatasetInfo
from .data.sources import DatasetSource
from .errors import OptionsError
from .models.io import SCALINGS
from .models.kinds import KINDS

#: The embedded MNIST's page (``--page``'s default for it): its file name, id and slug.
DEFAULT_PAGE = "glassy"
#: A page's name: its file name, id and slug, and its manifest's suffix.
PAGE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: Training epochs when neither --epochs nor --model is given (README "Training recipe").
DEFAULT_EPOCHS = 6
#: The page's title and description when neither --title/--description nor an earlier run
#: of this site gave one.
DEFAULT_TITLE = "Mr. Glassy the Bot"
DEFAULT_DESCRIPTION = BUILTIN_INFO.page_description
#: What the package ships (in the wheel too): the embedded dataset (its card names its
#: arrays' file) and its custom-test images.
BUILTIN_DATASET = BUILTIN_INFO.data
BUILTIN_CUSTOM = BUILTIN_INFO.custom_images


#: The distribution's name in the package index (``pip install docusaurus-reportgen``; the
#: command and the import name stay ``reportgen``: PyPI's "reportgen" is another project).
DISTRIBUTION = "docusaurus-reportgen"


def in_checkout(folder: Path | None = None) -> bool:
    """True when ``folder`` (default: the working directory) is a reportgen source checkout
    (its pyproject.toml names the distribution :data:`DISTRIBUTION`)."""
    try:
        text = (Path(folder or Path.cwd()) / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return f'name = "{DISTRIBUTION}"' in text


#: Where the large, regenerable outputs go by default: the checkout's data/ and logs/
#: (git-ignored) when run from a reportgen checkout, else the user's cache folder
#: (platformdirs), so nothing large lands in a docs repository's working tree unasked.
_CHECKOUT = in_checkout()
WORKSPACE = Path(".") if _CHECKOUT else Path(platformdirs.user_cache_dir("reportgen"))
#: The custom-test images: the checkout's data/test, else the ones the package ships.
DEFAULT_CUSTOM = Path("data/test") if _CHECKOUT else BUILTIN_CUSTOM


@dataclass
class Options:
    """Everything a run depends on. Paths are relative to the working directory.

    dataset: Keras-layout .npz or a folder of the four IDX files (default: the embedded
    dataset the package ships). site_dir: the Docusaurus
    site (or overlay) written into. assets_url: site URL of the page's images, an absolute
    URL path. export_dir: the full per-class export. models_dir: the model store.
    log_file: the original's tune.log. epochs: None = DEFAULT_EPOCHS (training) or the given
    model's own. seed: for training and the page's sample. sample_per_class: page images per
    class per split. thumb_size: px of one thumbnail. workers: export processes (None = CPU
    count). retrain: train even when the store has an identical model. publish_all: also copy
    the full export into the site. model: use this model instead of training. title,
    description: the page's text (None: the text the site's page has, else DEFAULT_TITLE /
    DEFAULT_DESCRIPTION). custom_images: files/folders for the custom test (empty =
    DEFAULT_CUSTOM when it exists). input_scaling: how a given model is fed (models.io:
    auto, raw, unit, keras-normalize). model_kind: the registry kind to train (models.kinds.KINDS).
    category_label: the sidebar label of the page's folder, written to its
    ``_category_.json`` unless the site has its own (None: keep the label written before,
    else "Image Classification"). train: train even when the page shows a model given
    earlier with --model (which it keeps showing otherwise). docs_dir: the folder the site's
    docs plugin reads, relative to the site ("../docs"; None: the one the site recorded,
    else the one its docusaurus.config names, else "docs"). conditions: the page's quality
    conditions (analysis.conditions.Bounds; none set by default), which ``check``
    evaluates. classes, card, test_fraction, image_size: how the dataset is read and
    described (data.sources.DatasetSource: ``--classes``, ``--card``, ``--test-fraction``,
    ``--image-size``). page: the page's name, its file, id and slug (None:
    :func:`resolve_page` names it after the dataset)."""

    dataset: Path = (Path("data/datasets") / BUILTIN_DATASET.name if _CHECKOUT
                     else BUILTIN_DATASET)
    site_dir: Path = Path("site-assets")
    assets_url: str = f"/assets/datasets/{BUILTIN_INFO.slug}"
    export_dir: Path = WORKSPACE / "data" / "export" if _CHECKOUT else WORKSPACE / "export"
    models_dir: Path = WORKSPACE / "data" / "models" if _CHECKOUT else WORKSPACE / "models"
    log_file: Path = WORKSPACE / "logs" / "tune.log"
    epochs: int | None = None
    seed: int = 0
    sample_per_class: int = 12
    thumb_size: int = 48
    workers: int | None = None
    retrain: bool = False
    publish_all: bool = False
    model: Path | None = None
    title: str | None = None
    description: str | None = None
    custom_images: list[Path] = field(default_factory=list)
    input_scaling: str = "auto"
    model_kind: str = "mlp"
    category_label: str | None = None
    train: bool = False
    docs_dir: str | None = None
    conditions: Bounds = field(default_factory=Bounds)
    classes: str | None = None
    card: Path | None = None
    test_fraction: float | None = None
    image_size: str | None = None
    page: str | None = None

    def __post_init__(self):
        # callers of the library may pass str paths: every path field is a Path from here on
        for name in ("dataset", "site_dir", "export_dir", "models_dir", "log_file"):
            setattr(self, name, Path(getattr(self, name)))
        if self.model is not None:
            self.model = Path(self.model)
        if self.card is not None:
            self.card = Path(self.card)
        self.custom_images = [Path(p) for p in self.custom_images]

    def validated(self) -> Options:
        """Check the combination of options; returns self with a normalised assets_url.
        Raises OptionsError (one line) for --model with --epochs or --retrain (the model's
        own epochs win, so either option would be ignored) or a bad assets URL."""
        self.assets_url = validate_assets_url(self.assets_url)
        if self.model is not None and self.epochs is not None:
            raise OptionsError("--epochs and --model cannot be combined: a given model "
                               "keeps its own epochs")
        if self.model is not None and self.retrain:
            raise OptionsError("--retrain and --model cannot be combined: nothing is trained")
        if self.model is not None and self.train:
            raise OptionsError("--train and --model cannot be combined")

        try:
            self.conditions.check()
        except ValueError as exc:
            raise OptionsError(str(exc)) from None
        if self.input_scaling not in SCALINGS:
            raise OptionsError(f"--input-scaling {self.input_scaling!r}: expected one of "
                               f"{', '.join(SCALINGS)}")
        if self.model_kind not in KINDS:
            raise OptionsError(f"--model-kind {self.model_kind!r}: expected one of "
                               f"{', '.join(KINDS)}")
        if self.page is not None and not PAGE_NAME_RE.fullmatch(self.page):
            raise OptionsError(f"--page {self.page!r}: expected a name of a-z, 0-9, '-' and "
                               "'_' (it is the page's file name, id and slug)")
        if self.title is not None and not " ".join(self.title.split()):
            raise OptionsError("--title is empty")
        if self.category_label is not None and not " ".join(self.category_label.split()):
            raise OptionsError("--category-label is empty")
        for flag, path in (("--site-dir", self.site_dir), ("--export-dir", self.export_dir),
                           ("--models-dir", self.models_dir)):
            if Path(path).exists() and not Path(path).is_dir():
                raise OptionsError(f"{flag} {path}: is a file, expected a folder")
        if self.docs_dir is not None:
            d = self.docs_dir.replace("\\", "/")
            if not d.strip() or Path(d).is_absolute() or "\0" in d:
                raise OptionsError(f"--docs-dir {self.docs_dir!r}: expected a folder relative "
                                   "to the site, such as docs or ../docs")
            self.docs_dir = Path(d).as_posix().rstrip("/") or "."
        if Path(self.log_file).is_dir():
            raise OptionsError(f"--log-file {self.log_file}: is a folder, expected a file")
        if Path(self.log_file).exists() and not Path(self.log_file).is_file():
            raise OptionsError(f"--log-file {self.log_file}: not a regular file")
        return self

    @property
    def train_epochs(self) -> int:
        """Epochs to train for: --epochs, else the kind's default (models.kinds.KINDS)."""
        kind = KINDS.get(self.model_kind)
        return self.epochs or (kind.epochs if kind else DEFAULT_EPOCHS)

    @property
    def cache_dir(self) -> Path:
        """Where decoded image folders are cached: ``cache`` beside the export folder."""
        return Path(self.export_dir).parent / "cache"

    def source(self) -> DatasetSource:
        """The dataset these options name, and how to read it (data.sources)."""
        return DatasetSource(Path(self.dataset), classes=self.classes, card=self.card,
                             test_fraction=self.test_fraction, image_size=self.image_size,
                             seed=self.seed, workers=self.workers, cache_dir=self.cache_dir)

    @property
    def assets_dir(self) -> Path:
        """``<site>/static/<assets-url>``: where the page's images go."""
        return Path(self.site_dir) / "static" / self.assets_url.strip("/")

    def url(self, path: Path) -> str:
        """Site URL of a file under ``<site>/static``."""
        return "/" + Path(path).relative_to(Path(self.site_dir) / "static").as_posix()

    def custom_inputs(self) -> list[Path]:
        """The custom test's inputs: custom_images, else DEFAULT_CUSTOM when it exists."""
        if self.custom_images:
            return list(self.custom_images)
        return [DEFAULT_CUSTOM] if DEFAULT_CUSTOM.is_dir() else []


def resolve_page(opts: Options, info: DatasetInfo) -> Options:
    """``opts`` with its page named and its assets folder placed: --page, else
    ``glassy`` for the embedded dataset (or a subset of it) and the dataset's slug for any
    other; the assets URL --assets-url, else ``/assets/datasets/<page>`` (the embedded
    dataset's default page keeps ``/assets/datasets/mnist``, the original page's URL); the
    export folder --export-dir, else the default one for the default page and
    ``<default>-<page>`` beside it for another (one export folder holds one dataset)."""
    page = opts.page or (DEFAULT_PAGE if info is BUILTIN_INFO else info.slug.replace(".", "-"))
    if not PAGE_NAME_RE.fullmatch(page):
        page = "page"
    url, export = opts.assets_url, Path(opts.export_dir)
    if page != DEFAULT_PAGE:
        if url == Options.assets_url:
            url = f"/assets/datasets/{page}"
        if export == Path(Options.export_dir):  # one export folder holds one dataset
            export = export.with_name(f"{export.name}-{page}")
    return dataclasses.replace(opts, page=page, assets_url=url, export_dir=export)


def validate_assets_url(url: str) -> str:
    """The assets URL must be an absolute URL path of plain segments (letters, digits,
    ``-``, ``_``, ``.``), like ``/assets/datasets/fashion-mnist``. Returns it normalised (one
    leading slash, no trailing one); raises OptionsError otherwise."""
    parts = url.strip("/").split("/")
    if not url.startswith("/") or not all(p and p not in (".", "..") and p.replace(
            "-", "").replace("_", "").replace(".", "").isalnum() and p.isascii() for p in parts):
        raise OptionsError(f"--assets-url {url!r}: expected a path like "
                           f"{Options.assets_url}")
    return "/" + "/".join(parts)
