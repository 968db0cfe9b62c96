"""The site reportgen writes into: its manifest opened and swept, its state (title,
description, category label, previous model, component hashes) read and kept, the React
components installed, and the sidebar category file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote

from ..engine.files import write_text
from ..engine.manifest import MANIFEST, Manifest
from ..engine.typed import RecordError, dump, parse
from ..errors import SiteError
from ..options import in_checkout
from ..records import ModelRef, SiteState
from .assets import CATEGORY_FILES, PAGE_PATH
from .render import install_components, page_references

DEFAULT_CATEGORY_LABEL = "Image Classification"
#: Stages of reportgen 0.2 that only held site state; read once into SiteState.
_LEGACY = {"page_text": dict[str, str], "category": str, "previous_model": ModelRef,
           "components": dict[str, str]}


def open_site(site_dir: Path) -> tuple[Manifest, SiteState]:
    """The site's manifest, temporary files of a killed run swept, and its state (an
    unreadable state counts as empty; a 0.2 manifest's state-only stages are read once).
    The components are installed (or updated, when reportgen's copy there is unedited;
    see render.install_components) and their hashes kept in the state."""
    site = Manifest(site_dir)
    site.sweep_temp_files()
    refs: set[str] | None = None

    def shown_by_a_copy(rel: str) -> bool:
        nonlocal refs
        refs = copy_references(site_dir) if refs is None else refs
        return rel in refs

    site.keep = shown_by_a_copy
    state = read_state(site)
    state.components, _ = install_components(site_dir, state.components)
    return site, state


CONFIG_FILES = tuple(f"docusaurus.config.{ext}" for ext in ("js", "ts", "mjs", "cjs", "mts",
                                                              "cts"))


def require_site(site_dir: Path, create: bool = False) -> None:
    """Refuse a ``--site-dir`` that is neither a Docusaurus site (a docusaurus.config.* at
    its root) nor an overlay reportgen writes (its manifest is there, or it is the
    checkout's own ``site-assets/``), unless ``create`` (a new overlay): raises SiteError
    (one line), so a typo never builds a whole new tree somewhere."""
    d = Path(site_dir)
    if create or (d / MANIFEST).is_file() or any((d / f).is_file() for f in CONFIG_FILES):
        return
    if in_checkout() and d.resolve() == (Path.cwd() / "site-assets").resolve():
        return
    what = "does not exist" if not d.exists() else "is not a Docusaurus site (no docusaurus.config.js)"
    raise SiteError(f"--site-dir {d}: {what} nor a reportgen overlay; check the path, or pass "
                    "--create to make a new overlay there")


def read_state(site: Manifest) -> SiteState:
    """The site's state as recorded (nothing is written; an unreadable state counts as
    empty, with a line in ``site.problems``)."""
    try:
        return parse(SiteState, site.state) if site.state is not None else _legacy_state(site)
    except RecordError:
        site.problems.append(f"{site.path}: its site state is malformed; the defaults apply")
        return SiteState()


def _legacy_state(site: Manifest) -> SiteState:
    old = {}
    for name, hint in _LEGACY.items():
        try:
            old[name] = parse(hint, site.result(name)) if site.has(name) else None
        except RecordError:
            old[name] = None
        if name != "category":  # still a stage (it owns _category_.json); the others own no file
            site.drop(name)
    text = old["page_text"] or {}
    return SiteState(title=text.get("title"), description=text.get("description"),
                     category_label=old["category"], previous_model=old["previous_model"],
                     components=old["components"] or {})


def save_site(site: Manifest, state: SiteState) -> None:
    """Keep ``state`` in the manifest, delete the kept files no copy of the page shows any
    more, and write the manifest (atomically, only if changed)."""
    site.state = dump(state)
    site.release_kept()
    site.save()


def page_copies(site_dir: Path) -> list[Path]:
    """The copies of the page Docusaurus builds besides it: every docs version
    (``versioned_docs/version-<X>/…``, made by ``docusaurus docs:version``) and every
    translation (``i18n/<locale>/docusaurus-plugin-content-docs/<current|version-X>/…``)."""
    root, rel = Path(site_dir), PAGE_PATH.relative_to("docs").as_posix()
    return sorted([*root.glob(f"versioned_docs/*/{rel}"),
                   *root.glob(f"i18n/*/docusaurus-plugin-content-docs/*/{rel}")])


def copy_references(site_dir: Path) -> set[str]:
    """Every file (relative to the site: ``static/…``) an image of a copy of the page
    shows. Regenerating never deletes one: a frozen docs version keeps its own images."""
    refs = set()
    for copy in page_copies(site_dir):
        for url in page_references(copy.read_text(encoding="utf-8", errors="replace")):
            if url.startswith("/"):
                refs.add("static/" + unquote(url).lstrip("/"))
    return refs


def category_folder(site_dir: Path) -> Path:
    """The page's folder, where Docusaurus reads its sidebar category file."""
    return Path(site_dir) / PAGE_PATH.parent


def site_has_own_category(site_dir: Path, ours: bool) -> bool:
    """True when the page's folder holds a category file reportgen did not write: any of
    CATEGORY_FILES, except ``_category_.json`` when reportgen wrote it (``ours``)."""
    folder = category_folder(site_dir)
    return any(os.path.lexists(folder / n) for n in CATEGORY_FILES
               if not (ours and n == CATEGORY_FILES[0]))


def write_category(site_dir: Path, label: str) -> Path:
    """Write ``docs/image-classification/_category_.json`` ({"label": …}) so the sidebar
    shows a label, not the folder name. Returns its path."""
    path = category_folder(site_dir) / CATEGORY_FILES[0]
    write_text(path, json.dumps({"label": label}, indent=2, ensure_ascii=False) + "\n")
    return path
