"""Render the MDX page from the Jinja2 templates and check what it references.

One Environment (StrictUndefined: a missing value is an error, not an empty string) loads
``templates/`` (shipped in the wheel as ``reportgen/templates``). Free text goes through
the ``mdx`` filter (MDX/markdown syntax as character references), JSX props through
``jsx`` (JSON literals, braces and angle brackets \\u-escaped), code through fences longer
than any backtick run in it. So the page compiles with MDX 3 whatever text goes in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path

import jinja2

from .errors import SiteError
from .fsutil import sha256_file, write_bytes, write_text
from .page import PageContext
from .plotting import dark_name

PAGE_PATH = Path("docs") / "image-classification" / "glassy.mdx"
COMPONENTS = ("ImagesTable.jsx", "CustomImagesTable.jsx")
_PKG = Path(__file__).resolve().parent


def resource_dir(name: str, repo_path: str) -> Path:
    """A data folder shipped in the wheel (``reportgen/<name>``) or, in a source checkout,
    the repository's ``<repo_path>``."""
    packaged = _PKG / name
    return packaged if packaged.is_dir() else _PKG.parent / repo_path


def templates_dir() -> Path:
    """Folder of the Jinja2 templates."""
    return resource_dir("templates", "templates")


def components_dir() -> Path:
    """Folder of the React components ImagesTable.jsx and CustomImagesTable.jsx."""
    return resource_dir("components", "site-assets/src/components")


# Characters that start MDX/markdown syntax inside a paragraph (``@`` starts a GFM email
# autolink, ``:`` a directive or URL autolink).
_MDX_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|:~&!$@]")
# Control characters (but tab and newline) and lone surrogates cannot be shown: U+FFFD.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def _shown(text) -> str:
    """What a reader sees of ``text`` in a paragraph: control characters as U+FFFD, white
    space folded to single spaces (replace first: str.split() eats \\x1c-\\x1f)."""
    return " ".join(_UNSHOWABLE.sub("\ufffd", str(text)).split())


def mdx_escape(text) -> str:
    """Text shown literally in an MDX paragraph, heading or table cell.

    Newlines and runs of white space become one space (a paragraph is one line); every
    character that could start markdown, JSX, an expression or an autolink becomes a numeric
    character reference (``{`` -> ``&#123;``); so do a leading punctuation character (list
    marker, thematic break ``---``, setext underline, block quote), the first letter of a
    leading ``import``/``export`` (MDX's ESM) and of ``www.`` (a GFM autolink). Control
    characters become U+FFFD. MDX decodes the references, so the reader sees ``text``."""
    text = _MDX_SPECIAL.sub(lambda m: _ref(m[0]), _shown(text))
    text = re.sub(r"(?i)\b(w)(?=ww\.)", lambda m: _ref(m[1]), text)
    text = re.sub(r"^(import|export)\b", lambda m: _ref(m[1][0]) + m[1][1:], text)
    text = re.sub(r"^(\d+)([.)])(?=\s|$)", lambda m: m[1] + _ref(m[2]), text)
    return re.sub(r"^([^\w\s&])", lambda m: _ref(m[1]), text)


def literal_text(text) -> str:
    """User text (a title, a description, a file name) as an MDX text expression holding a
    JS string, ``{"…"}``: MDX never parses it as markdown, JSX, ESM or an autolink, so the
    reader sees exactly the text, white space folded and control characters as U+FFFD."""
    return "{" + jsx_literal(_shown(text)) + "}"


def table_cell(text) -> str:
    """Text in a GFM table cell: :func:`literal_text` with ``|`` shown as ``¦`` (a pipe
    would end the cell before MDX sees the expression)."""
    return literal_text(str(text).replace("|", "\u00a6"))


def text_block(text) -> str:
    """Text for a fenced code block: control characters (but tab and newline) become
    U+FFFD, so the file stays valid UTF-8 text whatever a log line held."""
    return _UNSHOWABLE.sub("\ufffd", str(text))


def jsx_literal(value) -> str:
    """A JSON literal for a JSX prop (``prop={...}``): a string, number or list of them.
    ``{ } < >`` are written as \\u escapes (only strings can hold them), so MDX's brace
    matching cannot be fooled. Raises TypeError for a dict (its braces would be escaped)."""
    if isinstance(value, dict):
        raise TypeError("jsx_literal takes strings, numbers and lists, not dicts")
    text = json.dumps(value, ensure_ascii=False)
    for ch in "{}<>":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def url_path(value) -> str:
    """A site URL for a markdown image: every character outside ``A-Za-z0-9/._-~`` is
    percent-encoded, so a URL (from a manifest a pull request may have edited) can never
    end the link or start a new line of markdown."""
    from urllib.parse import quote

    return quote(str(value), safe="/._-~")


def yaml_scalar(value) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML) for the front matter."""
    return json.dumps(_UNSHOWABLE.sub("\ufffd", str(value)), ensure_ascii=False)


def fence_marker(text) -> str:
    """Backtick fence one longer than the longest backtick run in ``text`` (at least 3)."""
    runs = [len(r) for r in re.findall(r"`+", str(text))]
    return "`" * max(3, max(runs, default=0) + 1)


@cache
def environment() -> jinja2.Environment:
    """The one Jinja2 Environment: templates_dir(), StrictUndefined, MDX filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(mdx=mdx_escape, jsx=jsx_literal, yaml=yaml_scalar,
                       fence_marker=fence_marker, text_block=text_block,
                       literal=literal_text, url=url_path, dark=dark_name, cell=table_cell,
                       basename=lambda p: Path(str(p)).name)
    return env


def template_source() -> str:
    """Every template's name and text, sorted by name (part of the render stage's key)."""
    return "\n".join(f"{p.name}\n{p.read_text(encoding='utf-8')}"
                     for p in sorted(templates_dir().glob("*.j2")))


def render_page(context: PageContext, template: str = "glassy.mdx.j2") -> str:
    """Render the page from its context (page.PageContext documents every field). Raises
    jinja2.UndefinedError when the template uses a name the context lacks."""
    fields = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    text = environment().get_template(template).render(**fields)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


_IMG_MD = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
_BASE_URL = re.compile(r'useBaseUrl\(("(?:[^"\\]|\\.)*")\)')
_COMPONENT = re.compile(r"<(ImagesTable|CustomImagesTable)\b(.*?)/>", re.S)
_PROP = re.compile(r"^\s*(\w+)=\{(.*)\}\s*$", re.M)


def page_references(mdx: str) -> list[str]:
    """Every image URL the page shows: markdown images, ``useBaseUrl("…")`` calls (charts,
    thumbnails) and the files named by ImagesTable / CustomImagesTable props
    (``<assetsUrl>/<dirname>/<classdigit>/<file>``)."""
    refs = [m[1] for m in _IMG_MD.finditer(mdx)] + [json.loads(m[1])
                                                    for m in _BASE_URL.finditer(mdx)]
    for m in _COMPONENT.finditer(mdx):
        props = {k: json.loads(v) for k, v in _PROP.findall(m[2])}
        base = props.get("assetsUrl", "/assets/datasets/mnist").rstrip("/")
        for name in props.get("imagePaths", []):
            refs.append(f"{base}/{props['dirname']}/{props['classdigit']}/{name}")
    return refs


def missing_references(mdx: str, site_dir: Path) -> list[Path]:
    """Files under ``<site>/static`` that the page references but that do not exist."""
    static = Path(site_dir) / "static"
    from urllib.parse import unquote

    paths = [static / unquote(u).lstrip("/") for u in page_references(mdx) if u.startswith("/")]
    return [p for p in paths if not p.is_file()]


def write_page(site_dir: Path, mdx: str) -> Path:
    """Write the page to ``<site>/docs/image-classification/glassy.mdx`` (atomically, only if
    changed) after checking every referenced image exists; raises SiteError naming the
    first missing file otherwise (the old page is then left as it was)."""
    missing = missing_references(mdx, site_dir)
    if missing:
        raise SiteError(f"{missing[0]}: the page references this image but it does not exist"
                        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    path = Path(site_dir) / PAGE_PATH
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
        src = components_dir() / name
        if src.resolve() == dest.resolve():
            continue  # the repository's own overlay
        data = src.read_bytes()
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
