"""Render the MDX page from the Jinja2 templates, check what it references, and install the
React components it imports.

The templates and components are package data (``reportgen/report/templates`` and
``reportgen/report/components``, read with importlib.resources), so an installed wheel
renders the same page as a checkout. One Environment (StrictUndefined: a missing value is
an error, not an empty string) with the MDX filters of report.mdx.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import jinja2

from ..data.audit import Finding
from ..engine.files import sha256_file, write_bytes, write_text
from ..errors import SiteError
from . import accessible
from .assets import COMPONENTS, page_file
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
from .plotting import dark_name

#: The modules whose source shapes the page's text (part of the render stage's key).
PAGE_CODE = ("reportgen.report.render", "reportgen.report.mdx", "reportgen.report.page",
             "reportgen.report.model_section", "reportgen.report.accessible")


def _package_folder(name: str):
    return resources.files(__package__) / name


@cache
def environment() -> jinja2.Environment:
    """The one Jinja2 Environment: the package's templates, StrictUndefined, MDX filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
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
    """Every template's name and text, sorted by name (part of the render stage's key);
    read once a process."""
    files = sorted((f for f in _package_folder("templates").iterdir() if f.name.endswith(".j2")),
                   key=lambda f: f.name)
    return "\n".join(f"{f.name}\n{f.read_text(encoding='utf-8')}" for f in files)


def component_bytes(name: str) -> bytes:
    """The shipped React component ``name`` (one of assets.COMPONENTS)."""
    return (_package_folder("components") / name).read_bytes()


def render_page(context: PageContext, template: str = "glassy.mdx.j2") -> str:
    """Render the page from its context (report.page.PageContext documents every field).
    Raises jinja2.UndefinedError when the template uses a name the context lacks."""
    fields = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    text = environment().get_template(template).render(**fields)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


_IMG_MD = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
_BASE_URL = re.compile(r'useBaseUrl\(("(?:[^"\\]|\\.)*")\)')
_COMPONENT = re.compile(r"<(ImagesTable|CustomImagesTable|Thumbs)\b(.*?)/>", re.S)
_PROP = re.compile(r"^\s*(\w+)=\{(.*)\}\s*$", re.M)


def page_references(mdx: str) -> list[str]:
    """Every image URL the page shows: markdown images, ``useBaseUrl("…")`` calls (charts,
    thumbnails), the files named by ImagesTable / CustomImagesTable props
    (``<assetsUrl>/<dirname>/<classdigit>/<file>``) and the sprite sheets of those and of
    Thumbs (``sheet={{"url": …}}``), and the files of Thumbs' items (``src``)."""
    refs = [m[1] for m in _IMG_MD.finditer(mdx)] + [json.loads(m[1])
                                                    for m in _BASE_URL.finditer(mdx)]
    for m in _COMPONENT.finditer(mdx):
        props = {k: json.loads(v) for k, v in _PROP.findall(m[2])}
        if isinstance(props.get("sheet"), dict):
            refs.append(props["sheet"]["url"])
        if m[1] == "Thumbs":
            refs += [it["src"] for it in props.get("items", []) if "src" in it]
            continue
        base = props.get("assetsUrl", "/assets/datasets/mnist").rstrip("/")
        for name in props.get("imagePaths", []):
            refs.append(f"{base}/{props['dirname']}/{props['classdigit']}/{name}")
    return refs


def missing_references(mdx: str, site_dir: Path) -> list[Path]:
    """Files under ``<site>/static`` that the page references but that do not exist."""
    static = Path(site_dir) / "static"
    paths = [static / unquote(u).lstrip("/")
             for u in dict.fromkeys(page_references(mdx)) if u.startswith("/")]
    return [p for p in paths if not p.is_file()]


def audit_page(site_dir: Path, copies: list[Path] = (), docs_dir: str | None = None,
               ) -> list[Finding]:
    """Images the page (``<site>/<docs_dir>/image-classification/glassy.mdx``) and its
    ``copies`` (versioned, translated) reference that are missing from ``<site>/static``;
    a missing page is itself a finding."""
    page = page_file(site_dir, docs_dir)
    if not page.is_file():
        return [Finding("missing", str(page), "the page has not been rendered")]
    findings = [Finding("missing-reference", str(p), "the page shows this image but it "
                                                      "does not exist")
                for p in missing_references(page.read_text(encoding="utf-8"), site_dir)]
    return findings + [Finding("missing-reference", str(p), f"{where} shows this image but "
                                                             "it does not exist")
                       for where, p in missing_in_copies(site_dir, copies)]


def missing_in_copies(site_dir: Path, copies: list[Path]) -> list[tuple[str, Path]]:
    """(copy relative to the site, missing file) for every image a copy of the page
    (versioned, translated) shows that ``<site>/static`` lacks."""
    return [(Path(copy).relative_to(site_dir).as_posix(), p) for copy in copies
            for p in missing_references(Path(copy).read_text(encoding="utf-8",
                                                             errors="replace"), site_dir)]


def write_page(site_dir: Path, mdx: str, docs_dir: str | None = None) -> Path:
    """Write the page to ``<site>/<docs_dir>/image-classification/glassy.mdx`` (atomically,
    only if changed) after checking every referenced image exists; raises SiteError naming
    the first missing file otherwise (the old page is then left as it was)."""
    missing = missing_references(mdx, site_dir)
    if missing:
        raise SiteError(f"{missing[0]}: the page references this image but it does not exist"
                        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    path = page_file(site_dir, docs_dir)
    write_text(path, mdx)
    return path


def install_components(site_dir: Path, owned: dict[str, str] | None = None,
                       ) -> tuple[dict[str, str], list[Path]]:
    """Copy ImagesTable.jsx and CustomImagesTable.jsx into ``<site>/src/components/`` when
    no file of that name is there, or when the one there is a copy reportgen wrote
    (``owned``: {name: sha256 of the copy written}) that nobody has edited since and the
    shipped component is newer. A file the site brought or edited is never written. Returns
    ({name: sha256} of the copies reportgen owns now, files written)."""
    owned = dict(owned or {})
    written = []
    for name in COMPONENTS:
        dest = Path(site_dir) / "src" / "components" / name
        data = component_bytes(name)
        # a symlink, even a dangling one, is the site's own: never written through
        ours = (not os.path.islink(dest) and dest.is_file()
                and sha256_file(dest) == owned.get(name))
        if ours or not os.path.lexists(dest):
            if write_bytes(dest, data):
                written.append(dest)
            owned[name] = hashlib.sha256(data).hexdigest()  # what dest now holds
        else:
            owned.pop(name, None)
    return owned, written
