"""Text into MDX 3, safely: free text through :func:`mdx_escape` (MDX/markdown syntax as
character references), user text as a JS string expression (:func:`literal_text`), JSX
props as JSON literals (:func:`jsx_literal`), code in fences longer than any backtick run
in it (:func:`fence_marker`), URLs percent-encoded (:func:`url_path`). The page compiles
with MDX 3 whatever text goes in (tests/trust/test_injection.py).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

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
    """A JSON literal for a JSX prop (``prop={...}``): a string, number, bool, None, or a
    list or dict (string keys) of them. ``{ } < >`` inside strings are written as \\u
    escapes, so MDX's brace matching cannot be fooled; only an object's own braces remain.
    Raises TypeError for other types (and dicts with non-string keys)."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("jsx_literal takes dicts with string keys only")
        return "{" + ", ".join(f"{jsx_literal(k)}: {jsx_literal(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(jsx_literal(v) for v in value) + "]"
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"jsx_literal cannot write a {type(value).__name__}")
    text = json.dumps(value, ensure_ascii=False)
    for ch in "{}<>":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def url_path(value) -> str:
    """A site URL for a markdown image: every character outside ``A-Za-z0-9/._-~`` is
    percent-encoded, so a URL (from a manifest a pull request may have edited) can never
    end the link or start a new line of markdown."""
    return quote(str(value), safe="/._-~")


def yaml_scalar(value) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML) for the front matter."""
    return json.dumps(_UNSHOWABLE.sub("\ufffd", str(value)), ensure_ascii=False)


def fence_marker(text) -> str:
    """Backtick fence one longer than the longest backtick run in ``text`` (at least 3)."""
    runs = [len(r) for r in re.findall(r"`+", str(text))]
    return "`" * max(3, max(runs, default=0) + 1)
