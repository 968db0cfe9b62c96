"""What a rendered page references (every image URL it shows) and whether the site has it:
the check before a page is written, ``reportgen audit --page-only`` and ``check``, on the
page and on its versioned and translated copies (files of the site, read as MDX text: a
copy's context is not on this machine)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

from ..data.audit import AuditReport, Finding, audit_export
from ..data.dataset import Dataset
from ..options import DEFAULT_PAGE, Options
from .assets import page_file

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
        base = props.get("assetsUrl", Options.assets_url).rstrip("/")
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
               pages: tuple[str, ...] = (DEFAULT_PAGE,)) -> list[Finding]:
    """Images each page of ``pages`` (``<site>/<docs_dir>/image-classification/<page>.mdx``)
    and the ``copies`` (versioned, translated) reference that are missing from
    ``<site>/static``; a missing page is itself a finding."""
    findings = []
    for name in pages[1:]:
        findings += audit_page(site_dir, (), docs_dir, (name,))
    page = page_file(site_dir, docs_dir, pages[0])
    if not page.is_file():
        return [Finding("missing", str(page), "the page has not been rendered")]
    findings += [Finding("missing-reference", str(p), "the page shows this image but it "
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


def audit_site(site_dir: Path, copies: list[Path], docs: str, export_dir: Path,
               ds: Dataset | None, *, check_page: bool = True, verify_pixels: bool = False,
               pages: tuple[str, ...] = (DEFAULT_PAGE,)) -> AuditReport:
    """The export in ``export_dir`` against the labels of ``ds`` (data.audit.audit_export)
    and, with ``check_page``, the page (in the docs folder ``docs``) and its ``copies``
    (versioned, translated) against the site (:func:`audit_page`); ``ds`` None: the page
    alone (a docs CI has the site, not the export). ``pages``: the pages to check. Reads
    only."""
    if ds is None:
        return AuditReport(counts={}, findings=audit_page(site_dir, copies, docs, pages))
    report = audit_export(ds, export_dir, verify_pixels=verify_pixels)
    if check_page:
        report.findings.extend(audit_page(site_dir, copies, docs, pages))
    return report
