"""A page section, declared once (:class:`Section`): the stages that compute its records,
its part of the page context (including its charts' text equivalents), the charts it
shows and its template block. Every section is a module of ``report/sections/`` that
defines ``SECTION``; :func:`sections` finds them, so adding a section is one module, one
template block (``templates/sections/<name>.mdx.j2``) and a test (README: Architecture).
Like sphinx-gallery's scrapers: the registry asks each section, it knows none of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..analysis.conditions import Bounds
from ..data.card import DatasetInfo
from ..engine.stage import Stage
from .assets import DEFAULT_PAGE
from .state import HistoryRow

#: The package of section modules.
SECTIONS_PACKAGE = f"{__package__}.sections"


@dataclass(frozen=True)
class PageEnv:
    """What every section's context part may use besides the records: the dataset's
    record, the site URL of the assets folder, a thumbnail's px, the "Model history" rows,
    the site's ``static`` folder (None: chart sizes are not read) and the page's quality
    conditions, and its name (its file, id and slug)."""

    info: DatasetInfo
    assets_url: str
    thumb_size: int
    history: list[HistoryRow]
    static_dir: Path | None = None
    conditions: Bounds = field(default_factory=Bounds)
    page: str = DEFAULT_PAGE


@dataclass(frozen=True)
class Section:
    """One page section. name: its name (and its template block,
    ``templates/sections/<name>.mdx.j2``; None: no block); order: its place on the page
    (ascending); stages: the stages computing its records, each with ``order``, its place
    in a run; context(results, env) -> its template variables ({stage name: record} in,
    None: nothing to add); the keys ``alt``, ``tables`` and ``thumbs`` are merged across
    sections, any other key belongs to one section; charts(results) -> the site URLs of
    the chart PNGs it shows (their sizes go into the context's chart_sizes)."""

    name: str
    order: int
    stages: tuple[Stage, ...] = ()
    context: Callable[[Mapping[str, Any], PageEnv], dict | None] | None = None
    charts: Callable[[Mapping[str, Any]], list[str | None]] | None = None
    template: bool = True

    @property
    def block(self) -> str | None:
        """The template block's name, relative to the templates folder."""
        return f"sections/{self.name}.mdx.j2" if self.template else None


@cache
def sections() -> tuple[Section, ...]:
    """Every ``SECTION`` of the modules of ``report/sections/``, in page order. Raises
    ValueError when two sections or two stages share a name."""
    found = [importlib.import_module(m).SECTION for m in section_modules()]
    names = [s.name for s in found]
    stage_names = [st.name for s in found for st in s.stages]
    for what, seen in (("section", names), ("stage", stage_names)):
        dup = {n for n in seen if seen.count(n) > 1}
        if dup:
            raise ValueError(f"two {what}s named {sorted(dup)[0]!r}")
    return tuple(sorted(found, key=lambda s: (s.order, s.name)))


def section_modules() -> tuple[str, ...]:
    """The dotted names of the section modules (found, not imported by name anywhere: the
    page stages' code keys name them through Stage.uses)."""
    package = importlib.import_module(SECTIONS_PACKAGE)
    return tuple(f"{SECTIONS_PACKAGE}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                 if not m.name.startswith("_"))


def section_stages() -> tuple[Stage, ...]:
    """The stages of every section, in run order (their ``order``)."""
    return tuple(sorted((st for s in sections() for st in s.stages),
                        key=lambda st: (st.order, st.name)))
