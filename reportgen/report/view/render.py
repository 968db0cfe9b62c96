"""Render the MDX page from the Jinja2 templates, and write it once every image it
references exists (report.page_audit).

The templates are package data (``reportgen/report/templates``, read with
importlib.resources), so an installed wheel renders the same page as a checkout. One
Environment (StrictUndefined: a missing value is
an error, not an empty string) with the MDX filters of report.view.mdx.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from ...engine.files import write_text
from ...errors import SiteError
from ..assets import DEFAULT_PAGE, dark_name, page_file
from ..page_audit import missing_references
from . import accessible
from .mdx import (
    fence_marker,
    jsx_literal,
    literal_text,
    mdx_escape,
    table_cell,
    text_block,
    url_path,
    yaml_scalar,
)
from .page import PageContext

#: The package whose folders ``templates`` and ``components`` hold the page's sources.
_DATA_PACKAGE = __package__.rsplit(".", 1)[0]


def _package_folder(name: str):
    return resources.files(_DATA_PACKAGE) / name


@cache
def environment() -> jinja2.Environment:
    """The one Jinja2 Environment: the package's templates, StrictUndefined, MDX filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_DATA_PACKAGE, "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(mdx=mdx_escape, jsx=jsx_literal, yaml=yaml_scalar,
                       fence_marker=fence_marker, text_block=text_block,
                       literal=literal_text, url=url_path, dark=dark_name, cell=table_cell,
                       basename=lambda p: Path(str(p)).name,
                       history_table=accessible.history_table,
                       layers_table=lambda t: accessible.layers_table(t.header, t.rows))
    return env


@cache
def template_source() -> str:
    """Every template's name (relative to the templates folder) and text, sorted by name
    (part of the render stage's key); read once a process."""
    root = Path(str(_package_folder("templates")))
    files = sorted(root.rglob("*.j2"))
    return "\n".join(f"{f.relative_to(root).as_posix()}\n{f.read_text(encoding='utf-8')}"
                     for f in files)


def render_page(context: PageContext, template: str = "glassy.mdx.j2") -> str:
    """Render the page from its context (report.view.page.PageContext documents every
    field; the sections' template blocks are included in page order). Raises
    jinja2.UndefinedError when a template uses a name the context lacks."""
    text = environment().get_template(template).render(**context.variables())
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def write_page(site_dir: Path, mdx: str, docs_dir: str | None = None,
               page: str = DEFAULT_PAGE) -> Path:
    """Write the page to ``<site>/<docs_dir>/image-classification/<page>.mdx`` (atomically,
    only if changed) after checking every referenced image exists; raises SiteError naming
    the first missing file otherwise (the old page is then left as it was)."""
    missing = missing_references(mdx, site_dir)
    if missing:
        raise SiteError(f"{missing[0]}: the page references this image but it does not exist"
                        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    path = page_file(site_dir, docs_dir, page)
    write_text(path, mdx)
    return path
