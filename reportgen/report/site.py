"""The site reportgen writes into: its manifest opened and swept, its state (title,
description, category label, previous model, component hashes, docs folder) read and kept,
the React components installed, the sidebar category file, where the site's docs plugin
reads the docs, and whether its sidebar shows the page."""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from ..engine.files import sha256_file, write_bytes, write_text
from ..engine.manifest import Manifest
from ..engine.typed import RecordError, dump, parse
from ..errors import SiteError
from ..options import in_checkout
from ..records import ModelRef
from .assets import (
    CATEGORY_FILES,
    COMPONENTS,
    DEFAULT_PAGE,
    PAGE_IN_DOCS,
    PAGES_FOLDER,
    manifest_name,
    page_doc_id,
    page_file,
    page_in_docs,
    site_pages,
)
from .docusaurus import CONFIG_FILES, DEFAULT_DOCS, read_docs_config, sidebar_file, sidebar_lists
from .page_audit import page_references
from .state import SiteState

DEFAULT_CATEGORY_LABEL = "Image Classification"
#: Stages of reportgen 0.2 that only held site state; read once into SiteState.
_LEGACY = {"page_text": dict[str, str], "category": str, "previous_model": ModelRef,
           "components": dict[str, str]}


def open_site(site_dir: Path, page: str = DEFAULT_PAGE) -> tuple[Manifest, SiteState]:
    """The manifest of the site's page ``page``, temporary files of a killed run swept, and its state (an
    unreadable state counts as empty; a 0.2 manifest's state-only stages are read once).
    The components are installed (or updated, when reportgen's copy there is unedited;
    see install_components) and their hashes kept in the state."""
    site = Manifest(site_dir, name=manifest_name(page))
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




def require_site(site_dir: Path, create: bool = False) -> None:
    """Refuse a ``--site-dir`` that is neither a Docusaurus site (a docusaurus.config.* at
    its root) nor an overlay reportgen writes (its manifest is there, or it is the
    checkout's own ``site-assets/``), unless ``create`` (a new overlay): raises SiteError
    (one line), so a typo never builds a whole new tree somewhere."""
    d = Path(site_dir)
    if create or site_pages(d) or any((d / f).is_file() for f in CONFIG_FILES):
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


def page_copies(site_dir: Path, page: str | None = None) -> list[Path]:
    """The copies of the page ``page`` (None: of every page) Docusaurus builds besides it:
    every docs version (``versioned_docs/version-<X>/…``, made by ``docusaurus
    docs:version``) and every translation
    (``i18n/<locale>/docusaurus-plugin-content-docs/<current|version-X>/…``)."""
    root = Path(site_dir)
    rel = page_in_docs(page).as_posix() if page else f"{PAGES_FOLDER}/*.mdx"
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


def category_folder(site_dir: Path, docs_dir: str | None = None) -> Path:
    """The page's folder, where Docusaurus reads its sidebar category file."""
    return page_file(site_dir, docs_dir).parent


def site_has_own_category(site_dir: Path, ours: bool, docs_dir: str | None = None) -> bool:
    """True when the page's folder holds a category file reportgen did not write: any of
    CATEGORY_FILES, except ``_category_.json`` when reportgen wrote it (``ours``)."""
    folder = category_folder(site_dir, docs_dir)
    return any(os.path.lexists(folder / n) for n in CATEGORY_FILES
               if not (ours and n == CATEGORY_FILES[0]))


def write_category(site_dir: Path, label: str, docs_dir: str | None = None) -> Path:
    """Write ``<docs>/image-classification/_category_.json`` ({"label": …}) so the sidebar
    shows a label, not the folder name. Returns its path."""
    path = category_folder(site_dir, docs_dir) / CATEGORY_FILES[0]
    write_text(path, json.dumps({"label": label}, indent=2, ensure_ascii=False) + "\n")
    return path


#: The manifest's name for a docs folder outside the site (engine.manifest aliases).
DOCS_ALIAS = "@docs"


def docs_folder(site_dir: Path, given: str | None, recorded: str | None,
                ) -> tuple[str, str | None]:
    """(the docs folder relative to the site, a note for the user or None): ``given``
    (--docs-dir), else ``recorded`` (the site's state), else the ``path`` the site's
    docusaurus.config gives its docs plugin as a string literal (noted), else ``docs`` (with
    a note saying how to point reportgen elsewhere when the config sets the path in a way
    that cannot be read without running JavaScript)."""
    if given:
        return given, None
    if recorded:
        return recorded, None
    cfg = read_docs_config(site_dir)
    path = Path(cfg.path).as_posix().rstrip("/") if cfg.path is not None else DEFAULT_DOCS
    if path not in (DEFAULT_DOCS, ""):
        if not Path(path).is_absolute():
            return path, (f"{cfg.config.name} reads the docs from {path!r}: the page goes to "
                          f"{(Path(path) / PAGE_IN_DOCS).as_posix()} (--docs-dir to choose)")
        return DEFAULT_DOCS, (f"{cfg.config.name} reads the docs from an absolute path "
                              f"{path!r}; pass --docs-dir with that folder relative to the site")
    if not cfg.path_literal:
        return DEFAULT_DOCS, (f"{cfg.config.name} sets the docs plugin's path in a way reportgen "
                              "cannot read; the page goes to docs/ (pass --docs-dir with the "
                              "docs folder, relative to the site, if it is elsewhere)")
    return DEFAULT_DOCS, None


def site_docs_folder(site_dir: Path, given: str | None = None, page: str = DEFAULT_PAGE,
                     ) -> tuple[str, str | None]:
    """:func:`docs_folder` with the folder the state of the site's page ``page`` recorded."""
    return docs_folder(site_dir, given, page_state(site_dir, page).docs_dir)


def page_state(site_dir: Path, page: str = DEFAULT_PAGE) -> SiteState:
    """The state the site's page ``page`` keeps in its manifest (read only; empty when it
    has none)."""
    return read_state(Manifest(site_dir, name=manifest_name(page)))


def docs_aliases(site_dir: Path, docs_dir: str) -> dict[str, Path]:
    """The manifest aliases for a docs folder that lies outside the site (``../docs``): {}
    when it is inside."""
    folder = (Path(site_dir) / docs_dir).resolve()
    root = Path(site_dir).resolve()
    return {} if folder == root or root in folder.parents else {DOCS_ALIAS: Path(site_dir) / docs_dir}


def sidebar_hint(site_dir: Path, page: str = DEFAULT_PAGE) -> str | None:
    """One line when the site's sidebars file (named by its config) neither lists the page
    nor autogenerates its folder: the doc id to add and the file to add it to; else None."""
    sidebar = sidebar_file(site_dir, read_docs_config(site_dir))
    if sidebar is None or sidebar_lists(sidebar, page_doc_id(page)):
        return None
    return (f"the page is in no sidebar: add {page_doc_id(page)!r} to a sidebar in "
            f"{Path(os.path.relpath(sidebar, site_dir)).as_posix()} (README: Sidebars)")


def component_bytes(name: str) -> bytes:
    """The shipped React component ``name`` (one of assets.COMPONENTS)."""
    return (resources.files(__package__) / "components" / name).read_bytes()


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
