"""The dataset record (:class:`DatasetInfo`): what a dataset is, as data. Its name, its
class names in label order, its image height, width and channels, its pixel convention,
and the words, licence and references the page uses for it (like the ``classes`` of
torchvision's ``ImageFolder``, or a dataset card). Every stage reads classes, shape and
wording from it; no other module names a class count, an image size or a dataset.

A card is Markdown with YAML front matter (``data/builtin/mnist.md`` is the embedded
dataset's; ``--card`` gives a dataset's), or TOML. A label is an
int in arrays; it becomes a name (:meth:`DatasetInfo.class_name`) or a file-safe slug
(:meth:`DatasetInfo.slug_of`) here only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DatasetError

#: The package's own data: the embedded dataset, its card and its custom-test images.
BUILTIN = Path(__file__).resolve().parent / "builtin"


def label_slug(label: int) -> str:
    """The file-safe name of a label's folders, file names and page ids: the label itself,
    in decimal (a class name may hold '/', spaces or accents; a label's number never does).
    The one place a label becomes part of a name."""
    return str(int(label))


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset's record. name: shown name ("Fashion-MNIST"); slug: file-safe name
    (assets folder, model file prefix); classes: class names in label order (label i is
    classes[i]); height, width: px; channels: 1 (grey) or 3 (RGB); pixels: the pixel
    convention in words; noun: what a class is called ("digit", "class"); plurals: per class,
    the plural used in alt texts ("fives"), or () for "images of <name>"; heading,
    description (markdown; ``{train_total}`` / ``{test_total}`` become the split sizes),
    licence, citation, references (markdown list items), label_errors_note,
    page_description: the page's words for it. preprocessing: how a custom image is
    normalised ("mnist-box": LeCun et al.'s 20x20 box and centre of mass; "resize": scaled
    to height x width); kind: "ink" (strokes on paper: the training augmentation varies
    stroke width and ink) or "photo"; flips: a mirrored image is still of its class (the
    augmentation may flip horizontally); custom_images: the custom test's default images (a folder path or
    None); file_prefix / input_name / output_name: the stored model's file-name prefix and
    layer names; data: the arrays' file beside the card (None: given separately)."""

    name: str
    slug: str
    classes: tuple[str, ...]
    height: int
    width: int
    channels: int = 1
    pixels: str = "0 = background, 255 = ink"
    noun: str = "class"
    plurals: tuple[str, ...] = ()
    heading: str = ""
    description: str = ""
    licence: str = ""
    citation: str = ""
    references: tuple[str, ...] = ()
    label_errors_note: str = ""
    page_description: str = ""
    preprocessing: str = "resize"
    custom_images: Path | None = None
    source_note: str = ""
    kind: str = "photo"
    flips: bool = False
    file_prefix: str = ""
    input_name: str = "images"
    output_name: str = "probabilities"
    data: Path | None = field(default=None, compare=False)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def labels(self) -> range:
        """The labels, 0 .. n_classes - 1."""
        return range(len(self.classes))

    @property
    def image_shape(self) -> tuple[int, ...]:
        """One image's array shape: (height, width) for grey, (height, width, 3) for RGB."""
        return (self.height, self.width) if self.channels == 1 else (
            self.height, self.width, self.channels)

    @property
    def channel_shape(self) -> tuple[int, int, int]:
        """One image with a channel axis: (height, width, channels)."""
        return (self.height, self.width, self.channels)

    def class_name(self, label: int) -> str:
        """The class name of ``label`` (an int 0 .. n_classes - 1)."""
        return self.classes[int(label)]

    def plural(self, label: int) -> str:
        """The words for several images of ``label``: its plural, or "images of <name>"."""
        return self.plurals[int(label)] if self.plurals else f"images of {self.class_name(label)}"

    def slug_of(self, label: int) -> str:
        """The file-safe name of ``label``'s folders and ids (:func:`label_slug`)."""
        return label_slug(label)

    def key(self) -> dict:
        """What of the record shapes a stage's output (its stage keys include it)."""
        return {"name": self.name, "classes": list(self.classes), "shape": list(
            self.image_shape), "noun": self.noun, "plurals": list(self.plurals),
            "wording": [self.heading, self.description, self.licence, *self.references,
                        self.label_errors_note], "preprocessing": self.preprocessing,
            "model": [self.file_prefix, self.input_name, self.output_name]} | (
            {"source": self.source_note} if self.source_note else {}) | (
            {"kind": self.kind, "flips": self.flips} if (self.kind, self.flips) != (
                "ink", False) else {})


#: Front-matter keys of a Markdown card that have another name in the record: the words
#: of a dataset card (Hugging Face's, a datasheet) mapped to DatasetInfo's fields.
CARD_ALIASES = {"license": "licence"}
#: The words about a dataset that a card may give, beyond DatasetInfo's own fields.
CARD_WORDS = ("homepage", "description")


def load_card(path: Path) -> DatasetInfo:
    """The dataset record of the card at ``path``: Markdown with YAML front matter (``.md``)
    or TOML (``.toml``). Keys are DatasetInfo's fields (``license`` for licence);
    ``custom_test`` holds preprocessing and images, ``model`` the file prefix and layer
    names; folders are relative to the card. A Markdown card's body is the dataset
    section's text; its ``description`` (one line) is the page's default description and,
    without a body, the section's text; ``homepage`` becomes a reference. Raises
    DatasetError (one line) when the file is unreadable, a required key is missing or a
    value has the wrong type."""
    raw = read_card(path)
    missing = [k for k in ("name", "slug", "classes", "height", "width") if k not in raw]
    if missing:
        raise DatasetError(f"{path}: dataset card lacks {', '.join(missing)}")
    return card_info(raw, path)


def read_card(path: Path) -> dict:
    """The keys of the card at ``path`` as one flat mapping of DatasetInfo's field names
    (paths resolved beside the card), without checking that the required ones are there.
    Raises DatasetError (one line) when the file cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".toml":
            raw, body = tomllib.loads(text), ""
        else:
            raw, body = _front_matter(text, path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"{path}: unreadable dataset card ({exc})") from None
    flat = {CARD_ALIASES.get(k, k): v for k, v in raw.items() if not isinstance(v, dict)}
    custom, model = raw.get("custom_test") or {}, raw.get("model") or {}
    if not isinstance(custom, dict) or not isinstance(model, dict):
        raise DatasetError(f"{path}: dataset card: custom_test and model must be tables")
    if "preprocessing" in custom:
        flat["preprocessing"] = custom["preprocessing"]
    if "images" in custom:
        flat["custom_images"] = path.parent / custom["images"]
    flat |= {k: model[k] for k in ("file_prefix", "input_name", "output_name") if k in model}
    if "data" in flat:
        flat["data"] = path.parent / flat["data"]
    if path.suffix.lower() != ".toml":
        short = flat.pop("description", None)
        if short is not None:
            flat.setdefault("page_description", str(short))
        if body.strip():
            flat["description"] = body.strip()
        elif short:
            flat["description"] = str(short)
    homepage = flat.pop("homepage", None)
    if homepage:
        flat["references"] = [*flat.get("references", ()),
                              f"[{flat.get('name', 'The dataset')}'s homepage]({homepage})"]
    for k in ("classes", "plurals", "references"):
        if k in flat:
            if not isinstance(flat[k], list | tuple) or not all(
                    isinstance(v, str | int) for v in flat[k]):
                raise DatasetError(f"{path}: dataset card: {k} must be a list of strings")
            flat[k] = tuple(str(v) for v in flat[k])
    return flat


def _front_matter(text: str, path: Path) -> tuple[dict, str]:
    import yaml

    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise DatasetError(f"{path}: a dataset card starts with YAML front matter between "
                           "'---' lines")
    head, sep, body = text[3:].partition("\n---")
    if not sep:
        raise DatasetError(f"{path}: dataset card: front matter has no closing '---' line")
    try:
        raw = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise DatasetError(f"{path}: dataset card: bad YAML front matter ({first})") from None
    if not isinstance(raw, dict):
        raise DatasetError(f"{path}: dataset card: front matter must be a mapping")
    return {str(k): v for k, v in raw.items()}, body.partition("\n")[2]


def card_info(flat: dict, where: Path | str) -> DatasetInfo:
    """The record of ``flat`` (:func:`read_card`'s keys, every required one there);
    raises DatasetError (one line) for an unknown key or a wrong type."""
    check_keys(flat, where)
    try:
        info = DatasetInfo(**flat)
    except TypeError as exc:
        raise DatasetError(f"{where}: dataset card: {exc}") from None
    return checked(info, where)


def check_keys(flat: dict, where: Path | str) -> None:
    """Raise DatasetError (one line) when a card's key is unknown or of the wrong type."""
    unknown = sorted(set(flat) - set(DatasetInfo.__dataclass_fields__))
    if unknown:
        raise DatasetError(f"{where}: dataset card: unknown key(s) {', '.join(unknown)}")
    for k in ("height", "width", "channels"):
        if k in flat and (not isinstance(flat[k], int) or isinstance(flat[k], bool)):
            raise DatasetError(f"{where}: dataset card: {k} must be an integer")
    for k, v in flat.items():
        if k not in ("height", "width", "channels", "classes", "plurals", "references",
                     "custom_images", "data", "flips") and not isinstance(v, str):
            raise DatasetError(f"{where}: dataset card: {k} must be a string")


def checked(info: DatasetInfo, where: Path | str) -> DatasetInfo:
    """``info`` when it is consistent (2+ distinct class names, positive sizes, 1 or 3
    channels, one plural per class, a file-safe slug); raises DatasetError otherwise."""
    problems = []
    if len(info.classes) < 2 or len(set(info.classes)) != len(info.classes):
        problems.append("classes must be 2 or more distinct names")
    if not all(isinstance(v, int) and v > 0 for v in (info.height, info.width)):
        problems.append("height and width must be positive integers")
    if info.channels not in (1, 3):
        problems.append("channels must be 1 or 3")
    if info.plurals and len(info.plurals) != len(info.classes):
        problems.append("plurals must have one entry per class")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", info.slug):
        problems.append(f"slug {info.slug!r} is not file-safe (a-z, 0-9, '.', '_', '-')")
    if not re.fullmatch(r"[^\W\d_][^\W\d_ -]*(?:[ -][^\W\d_]+)*", info.noun):
        problems.append(f"noun {info.noun!r} must be a word or two (letters, spaces, '-')")
    if info.kind not in ("ink", "photo"):
        problems.append(f"kind {info.kind!r} is not ink or photo")
    if not isinstance(info.flips, bool):
        problems.append("flips must be true or false")
    if info.preprocessing not in ("mnist-box", "resize"):
        problems.append(f"preprocessing {info.preprocessing!r} is not mnist-box or resize")
    if problems:
        raise DatasetError(f"{where}: dataset card: {'; '.join(problems)}")
    return info


def builtin_card() -> DatasetInfo:
    """The embedded dataset's record (the one ``*.md`` card in data/builtin)."""
    cards = sorted(BUILTIN.glob("*.md"))
    if len(cards) != 1:
        raise DatasetError(f"{BUILTIN}: expected one dataset card, found {len(cards)}")
    return load_card(cards[0])


#: The embedded dataset's record, read once.
BUILTIN_INFO = builtin_card()
