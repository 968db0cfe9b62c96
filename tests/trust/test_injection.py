"""Any text a user gives (title, description, log lines) appears literally on the page and
the page compiles: random text full of MDX/ESM/JSX/YAML/markdown syntax is rendered, then
compiled and evaluated by the real MDX 3 compiler (with GFM, as Docusaurus) and React."""

import html
import json
import re
import subprocess

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reportgen.report.view.render import render_page, write_page
from tests.helpers import tiny_page

pytestmark = pytest.mark.slow  # runs node

SYNTAX = ['import x from "y"', "export const a = 1", "export default 1", "---", "***", "___",
          "===", "{", "}", "{x}", "{/* c */}", "<div>", "</div>", "<br/>", "<!--", "-->", "<",
          ">", "*", "**", "_", "`", "```", "~~~", "#", "# ", "|", "| a |", ":word", "::: tip",
          ":::", "[a](b)", "![x](y)", "[^1]", "&amp;", "&#123;", "&", "\\", "\\{", "www.x.com",
          "http://a.b/c", "a@b.co", "$x$", "~~s~~", "> ", "- ", "* ", "+ ", "1. ", "2) ",
          "\n", "\n\n", "\t", "    ", " ", "title: x", "...", "'", '"', "${x}", "\u2028",
          "\u00a0", "\ufeff", "é", "数字", "🙂", "\x00", "\x1b[31m", "\r", "\x85"]
fragment = st.sampled_from(SYNTAX) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
user_text = st.lists(fragment, min_size=1, max_size=8).map("".join).filter(
    lambda t: t.strip() and re.sub(r"[\x00-\x1f\x7f-\x9f]", "", t).strip())

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """What a reader should see: control characters as U+FFFD, white space folded."""
    return " ".join(CONTROL.sub("\ufffd", text).split())  # controls first: split() eats \x1c-\x1f


def render_all(mdx_compiler, paths):
    proc = subprocess.run(["node", str(mdx_compiler), "--render", *map(str, paths)],
                          capture_output=True, text=True, timeout=300)
    return [json.loads(line) for line in proc.stdout.split("\n") if line]  # not splitlines: U+2028


def inner(html_text: str, tag: str, after: str = "") -> str:
    start = html_text.index(after) + len(after) if after else 0
    m = re.compile(rf"<{tag}>(.*?)</{tag}>", re.S).search(html_text, start)
    assert m, f"no <{tag}> in the page"
    assert "<" not in m[1], f"markup inside <{tag}>: {m[1][:200]!r}"
    return html.unescape(m[1])


@settings(max_examples=6, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a batch cannot shrink fast
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(user_text, user_text, user_text), min_size=12, max_size=12))
def test_user_text_is_literal_and_compiles(tmp_path_factory, npz_path, mdx_compiler, cases):
    base = tmp_path_factory.mktemp("inject")
    paths = []
    for k, (title, description, log_line) in enumerate(cases):
        opts, ctx = tiny_page(base / str(k), npz_path, title=title, description=description,
                              log_extra=[log_line], draw=False)
        paths.append(write_page(opts.site_dir, render_page(ctx)))
    results = render_all(mdx_compiler, paths)
    assert len(results) == len(cases)
    for (title, description, log_line), res in zip(cases, results, strict=True):
        assert res["ok"], (title, description, log_line, res.get("error"))
        page = res["html"]
        assert inner(page, "h1") == shown(title)
        assert inner(page, "p", after="</h1>") == shown(description)
        fm = res["frontMatter"]
        assert fm["id"] == "glassy" and fm["slug"] == "/image-classification/glassy"
        assert fm["title"] == CONTROL.sub("\ufffd", title)
        assert fm["description"] == CONTROL.sub("\ufffd", description)
        code = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert CONTROL.sub("\ufffd", log_line).replace("\r", "\ufffd") in code


@pytest.mark.parametrize("title,description", [
    ("Mr. Glassy", 'import x from "y"'),
    ("Mr. Glassy", "export const a = 1"),
    ("MNIST 1/2", "---"),
])
def test_reported_injections(tmp_path, npz_path, mdx_compiler, title, description):
    """The four cases the review found: each rendered and evaluated, shown literally."""
    opts, ctx = tiny_page(tmp_path, npz_path, title=title, description=description)
    res = render_all(mdx_compiler, [write_page(opts.site_dir, render_page(ctx))])[0]
    assert res["ok"], res.get("error")
    assert inner(res["html"], "h1") == title
    assert inner(res["html"], "p", after="</h1>") == description
    assert "<hr" not in res["html"].split("<h2>")[0]
