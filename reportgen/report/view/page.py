"""The page's view model: :class:`PageContext`, everything ``templates/glassy.mdx.j2`` and
the sections' template blocks render, built from the stages' records alone
(:func:`page_context`): the parts every page has (front matter, provenance, the dataset's
words, the log), then each section's own part (report.section.Section.context)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ...analysis.mistakes import condensed
from ...data.card import DatasetInfo
from ...records import ClassCounts, CustomTestResult, GalleryResult, ModelRef
from ..assets import SHEET_COLUMNS, chart_size, page_doc_id
from ..section import PageEnv, sections

#: Keys of a section's context part that are merged across sections (one dict each).
MERGED = ("alt", "tables", "thumbs")


@dataclass
class FrontMatter:
    """The MDX front matter (Docusaurus doc metadata)."""

    sidebar_position: int
    id: str
    title: str
    description: str
    slug: str
    #: null: the page is generated, so Docusaurus offers no "Edit this page" link
    custom_edit_url: str | None = None


@dataclass
class ClassImages:
    """Thumbnails of one class: label (its folder, data.card.label_slug), name (the
    class's name), file names, and where they are in their gallery's sprite sheet
    (:func:`sheet_props`; None: no sheet)."""

    label: str
    name: str
    files: list[str]
    sheet: dict | None = None
    #: each thumbnail's accessible name and short caption (None: the component's own)
    labels: list[str] | None = None
    captions: list[str] | None = None


def sheet_props(url: str | None, groups: list[list]) -> list[dict | None]:
    """The ``sheet`` prop of each group of thumbnails laid out one group after another in
    the sprite sheet at ``url`` (report.assets.write_sheet): {url, columns, rows, first}."""
    total = sum(len(g) for g in groups)
    rows, first, out = -(-total // SHEET_COLUMNS), 0, []
    for g in groups:
        out.append({"url": url, "columns": SHEET_COLUMNS, "rows": rows, "first": first}
                   if url else None)
        first += len(g)
    return out


def class_images(info: DatasetInfo, files: Mapping[str, list[str]], sheet: str | None,
                 ) -> list[ClassImages]:
    """One ClassImages per class of ``info``, in label order, from {label: file names} and
    the gallery's sprite sheet URL (None: no sheet)."""
    groups = [files[info.slug_of(d)] for d in info.labels]
    return [ClassImages(info.slug_of(d), info.class_name(d), g, sh) for d, g, sh in
            zip(info.labels, groups, sheet_props(sheet, groups), strict=True)]


def thumb_grid(items: list[dict], sheet: str | None, srcs: list[str]) -> dict:
    """A Thumbs grid's props: {"sheet": its sprite sheet's props (None: no sheet),
    "items": [{alt, caption, src}]} (items: {alt, caption} each, srcs: their files)."""
    for it, src in zip(items, srcs, strict=True):
        it["src"] = src
    return {"sheet": sheet_props(sheet, [items])[0], "items": items}


@dataclass
class PageText:
    """The page's title and description, resolved (an option, else the site's state, else
    the default)."""

    title: str
    description: str


@dataclass
class PageContext:
    """Everything the templates render; thumb_size in px, URLs are site URLs. version,
    page (front matter), dataset (digest, split sizes and the record's words:
    report.view.page.dataset_text), model_sha256 (the first 12 hex digits of the model's
    content digest: no timestamp), thumb_size, assets_url, log_text, chart_sizes ({chart
    URL: [w, h]} CSS px, the PNG is drawn at 2x), blocks (the sections' template blocks, in
    page order) and parts (the sections' variables, alt / tables / thumbs merged)."""

    version: str
    page: FrontMatter
    dataset: dict[str, Any]
    model_sha256: str
    thumb_size: int
    assets_url: str
    log_text: str
    chart_sizes: dict[str, list[int]] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        """A section's variable, as an attribute (``ctx.calibration``)."""
        parts = self.__dict__.get("parts", {})
        if name in parts:
            return parts[name]
        raise AttributeError(name)

    def variables(self) -> dict[str, Any]:
        """The templates' variables: the fields (but parts) and every section's part."""
        own = {k: v for k, v in vars(self).items() if k != "parts"}
        return own | self.parts


#: The doc's front matter id is the page's name (``--page``): a slug of its own, not the
#: title (a title may hold "/", which Docusaurus refuses in an id, and a sidebar that names
#: the doc keeps working when the title changes); its slug is
#: ``/image-classification/<page>``.


def dataset_text(info: DatasetInfo, train_total: int, test_total: int) -> dict[str, Any]:
    """The page's words for the dataset, from its record: name, heading, description (split
    sizes written in; the card's Markdown, else written from the data: sizes, image size,
    colour, classes), source_note (what loading changed), noun and its plural (nouns), the
    name's possessive, references, label_errors_note, classes, size ("28x28"). A name
    from the data or a card is MDX-escaped where the template shows it as text."""
    sizes = {"{train_total}": f"{train_total:,}", "{test_total}": f"{test_total:,}"}
    description = info.description or data_description(info, train_total, test_total)
    for k, v in sizes.items():
        description = description.replace(k, v)
    return {"name": info.name, "heading": info.heading or f"{info.name} dataset",
            "description": description, "source_note": info.source_note,
            "noun": info.noun, "references": list(info.references),
            "label_errors_note": info.label_errors_note, "classes": list(info.classes),
            "size": f"{info.height}x{info.width}",
            "rows_style": rows_style(info),
            # "digits", "classes"; "MNIST's", "blobs'"
            "nouns": info.noun + ("es" if info.noun.endswith(("s", "x", "ch", "sh")) else "s"),
            "possessive": info.name + ("'" if info.name.endswith("s") else "'s")}


def rows_style(info: DatasetInfo) -> dict | None:
    """The style of a grid of class rows: the heading column's width (``--rg-heading``)
    fit to the longest class name, up to 8 em (longer names wrap); None for names of one
    or two characters (the components' default 1.5 rem)."""
    longest = max(len(c) for c in info.classes)
    if longest <= 2:
        return None
    return {"--rg-heading": f"{min(8.0, 0.55 * longest + 0.5):.1f}em"}


#: Class names a description written from the data lists, at most.
LISTED = 12


def data_description(info: DatasetInfo, train_total: int, test_total: int) -> str:
    """The dataset section's words when no card gives them, from the data: split sizes,
    image size, colour and the classes (the first :data:`LISTED`). Markdown: the names
    (which may hold any character) are written as MDX text expressions (``{"…"}``), which
    MDX never parses as markup; the rest is plain words and numbers."""
    import json

    def text(value: str) -> str:
        return "{" + json.dumps(" ".join(str(value).split()), ensure_ascii=False) + "}"

    names = [text(c) for c in info.classes[:LISTED]]
    more = len(info.classes) - LISTED
    shown = ", ".join(names) + (f" and {more:,} more" if more > 0 else "")
    colour = "colour (RGB)" if info.channels == 3 else "grayscale"
    return (f"{text(info.name)} holds {train_total:,} training images and "
            f"{test_total:,} test images, {info.height}x{info.width} px in {colour}, of "
            f"{info.n_classes:,} classes: {shown}.")


def page_context(results: Mapping[str, Any], text: PageText, env: PageEnv) -> PageContext:
    """Build the page's context from the stages' records, by stage name: sample,
    class_counts, train and gallery required, the others optional (None or absent: their
    section is left out), and each section's part (report.section.sections()). env: the
    dataset's record, the assets URL, a thumbnail's px, the "Model history" rows and the
    site's ``static`` folder, where the charts' sizes are read (None: no sizes). Raises
    ValueError when two sections give the same variable."""
    counts: ClassCounts = results["class_counts"]
    model: ModelRef = results["train"]
    gallery: GalleryResult = results["gallery"]
    custom: CustomTestResult | None = results.get("custom_test")
    log = list(model.meta.log) + list(gallery.log) + (list(custom.log) if custom else [])
    parts: dict[str, Any] = {k: {} for k in MERGED}
    blocks, charts = [], []
    for section in sections():
        part = section.context(results, env) if section.context else {}
        if part is None:
            continue
        for key, value in part.items():
            if key in MERGED:
                parts[key].update(value)
            elif key in parts:
                raise ValueError(f"sections give {key!r} twice (one is {section.name!r})")
            else:
                parts[key] = value
        blocks += [section.block] if section.block else []
        charts += section.charts(results) if section.charts else []
    return PageContext(
        version=__version__,
        page=FrontMatter(sidebar_position=1, id=env.page, title=text.title,
                         description=text.description, slug=f"/{page_doc_id(env.page)}",
                         custom_edit_url=None),
        dataset={"digest": counts.digest, "train_total": sum(counts.train),
                 "test_total": sum(counts.test),
                 **dataset_text(env.info, sum(counts.train), sum(counts.test))},
        model_sha256=model.meta.sha256[:12], thumb_size=env.thumb_size,
        assets_url=env.assets_url, log_text="\n".join(log),
        chart_sizes=_chart_sizes(env.static_dir, charts), blocks=blocks, parts=parts)


def _chart_sizes(static_dir: Path | None, urls: list[str | None]) -> dict[str, list[int]]:
    """{URL: [w, h]} of every chart of ``urls`` whose PNG is in ``static_dir``."""
    if static_dir is None:
        return {}
    found = {u: Path(static_dir) / u.lstrip("/") for u in urls if u}
    return {u: list(chart_size(p)) for u, p in found.items() if p.is_file()}


#: The name of a condensed matrix's last row and column.
OTHERS = "all other classes"


def matrix_props(cm: list[list[int]], info) -> dict:
    """A confusion matrix's props for the page's ConfusionMatrix: counts (condensed beyond
    analysis.mistakes.MATRIX_CLASSES classes), and, where they are not the label numbers
    0 .. n-1, the rows' class names (``classes``) and labels (``labels``, None for the
    summed row)."""
    counts, labels = condensed(np.asarray(cm, dtype=np.int64))
    names = [info.class_name(x) if x is not None else OTHERS for x in labels]
    props: dict = {"counts": counts.tolist()}
    if names != [str(x) for x in labels]:
        props["classes"] = names
    if labels != list(range(len(cm))):
        props["labels"] = labels
    return props
