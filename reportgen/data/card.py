"""The dataset record (:class:`DatasetInfo`): what a dataset is, as data. Its name, its
class names in label order, its image height, width and channels, its pixel convention,
and the words, licence and references the page uses for it (like the ``classes`` of
torchvision's ``ImageFolder``, or a dataset card). Every stage reads classes, shape and
wording from it; no other module names a class count, an image size or a dataset.

A card is a TOML file (``data/builtin/*.toml`` is the embedded dataset's). A label is an
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
    to height x width); custom_images: the custom test's default images (a folder path or
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
            "model": [self.file_prefix, self.input_name, self.output_name]}


def load_card(path: Path) -> DatasetInfo:
    """The dataset record of the TOML card at ``path`` (keys as DatasetInfo's fields;
    ``[custom_test]`` holds preprocessing and images, ``[model]`` the file prefix and layer
    names; folders are relative to the card). Raises DatasetError (one line) when the file
    is unreadable, a required key is missing or a value has the wrong type."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"{path}: unreadable dataset card ({exc})") from None
    flat = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    custom, model = raw.get("custom_test", {}), raw.get("model", {})
    flat |= {"preprocessing": custom.get("preprocessing", "resize")}
    if "images" in custom:
        flat["custom_images"] = path.parent / custom["images"]
    flat |= {k: model[k] for k in ("file_prefix", "input_name", "output_name") if k in model}
    if "data" in flat:
        flat["data"] = path.parent / flat["data"]
    for k in ("classes", "plurals", "references"):
        if k in flat:
            flat[k] = tuple(flat[k])
    missing = [k for k in ("name", "slug", "classes", "height", "width") if k not in flat]
    if missing:
        raise DatasetError(f"{path}: dataset card lacks {', '.join(missing)}")
    try:
        info = DatasetInfo(**flat)
    except TypeError as exc:
        raise DatasetError(f"{path}: dataset card: {exc}") from None
    return checked(info, path)


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
    if info.preprocessing not in ("mnist-box", "resize"):
        problems.append(f"preprocessing {info.preprocessing!r} is not mnist-box or resize")
    if problems:
        raise DatasetError(f"{where}: dataset card: {'; '.join(problems)}")
    return info


def builtin_card() -> DatasetInfo:
    """The embedded dataset's record (the one ``*.toml`` card in data/builtin)."""
    cards = sorted(BUILTIN.glob("*.toml"))
    if len(cards) != 1:
        raise DatasetError(f"{BUILTIN}: expected one dataset card, found {len(cards)}")
    return load_card(cards[0])


#: The embedded dataset's record, read once.
BUILTIN_INFO = builtin_card()
