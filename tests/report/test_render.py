import json
import re
import subprocess

import jinja2
import pytest

from reportgen.engine.files import sha256_file
from reportgen.errors import SiteError
from reportgen.report.page_audit import missing_references, page_references
from reportgen.report.site import install_components
from reportgen.report.view.render import (
    environment,
    fence_marker,
    jsx_literal,
    mdx_escape,
    render_page,
    write_page,
)
from tests.helpers import HOSTILE, tiny_page


def test_mdx_escape_makes_syntax_literal():
    assert mdx_escape("a {b} <c>") == "a &#123;b&#125; &#60;c&#62;"
    assert mdx_escape("- item") == "&#45; item"
    assert mdx_escape("1. first") == "1&#46; first"
    assert mdx_escape("0.png") == "0.png" and mdx_escape("-5 degrees") == "&#45;5 degrees"
    assert mdx_escape("---") == "&#45;--" and mdx_escape("import x") == "&#105;mport x"
    assert mdx_escape("two\nlines") == "two lines"
    assert mdx_escape("plain text, fine.") == "plain text, fine."


def test_jsx_literal_is_json_without_braces_or_angles():
    assert jsx_literal(112) == "112"
    assert jsx_literal(["a.png", "b.png"]) == '["a.png", "b.png"]'
    text = jsx_literal("x {y} <z>")
    assert "{" not in text and "<" not in text and json.loads(text) == "x {y} <z>"
    # an object keeps its own braces only; its strings are escaped like any other
    obj = jsx_literal({"url": "/a/{b}.png", "n": [1, None, True]})
    assert obj.count("{") == 1 and obj.count("}") == 1 and "<" not in obj
    assert json.loads(obj) == {"url": "/a/{b}.png", "n": [1, None, True]}
    with pytest.raises(TypeError):
        jsx_literal({1: "a"})
    with pytest.raises(TypeError):
        jsx_literal(object())


def test_fence_is_longer_than_any_backtick_run():
    assert fence_marker("no ticks") == "```"
    assert fence_marker("has ```` four") == "`````"


def test_strict_undefined():
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ nope }}").render()


def test_page_sections_and_references(tmp_path, npz_path):
    opts, ctx = tiny_page(tmp_path, npz_path)
    mdx = render_page(ctx)
    headings = ["## MNIST digits dataset", "## Visualize Training Dataset",
                "## Visualize Test Dataset", "## Visualize Wrong Predictions",
                "## Confusion Matrix", "### Most confused pairs", "### Training split",
                "## Calibration", "## Suspected label errors", "## Robustness", "## Model",
                "### Model history", "## Changes since the previous model",
                "### Robustness changes", "## Logs"]
    assert [mdx.index(h) for h in headings] == sorted(mdx.index(h) for h in headings)
    # no heading per digit: one grid per split and one for the wrong predictions
    assert mdx.count("\n### ") == 6 and mdx.count("\n#### ") == 0
    assert '| {"0"} | {"3"} |' in mdx and '| {"Total"} |' in mdx  # class counts, a table
    assert mdx.count("<ImagesTable") == 20 and mdx.count("<CustomImagesTable") == 10
    assert mdx.count("<ConfusionMatrix") == 2 and mdx.count("<Thumbs") == 4
    assert "custom_edit_url: null\n" in mdx.split("---")[1]
    refs = page_references(mdx)
    sheets = [r for r in refs if re.search(r"/sheet-[0-9a-f]{12}\.png$", r)]
    # the sample (2 sheets, 40 files), the wrong prediction (its sheet and file), 4
    # confusion-matrix files and the reliability diagram in 2 themes, and the suspected
    # label error, the fixed and the new mistake (a sheet and a file each), and the
    # robustness chart in 2 themes and its 16 thumbnails (one sheet)
    assert len(sheets) == 20 + 10 + 3 + 1 and len(set(sheets)) == 7
    assert len(refs) - len(sheets) == 40 + 1 + 10 + 3 + 2 + 16
    assert sum(r.endswith("-dark.png") for r in refs) == 6
    assert "The model suffers most from **" in mdx and "| {\"Previous model\"} |" in mdx
    assert re.search(r"\*\*Mean accuracy over the 15 corruptions: \d+\.\d%\*\*", mdx)
    assert "google-research/mnist-c" in mdx and "Apache-2.0" in mdx
    assert missing_references(mdx, opts.site_dir) == []
    path = write_page(opts.site_dir, mdx)
    assert path == opts.site_dir / "docs" / "image-classification" / "glassy.mdx"
    mtime = path.stat().st_mtime_ns
    write_page(opts.site_dir, mdx)  # unchanged: not rewritten
    assert path.stat().st_mtime_ns == mtime


def test_missing_image_refuses_to_write(tmp_path, npz_path):
    opts, ctx = tiny_page(tmp_path, npz_path)
    mdx = render_page(ctx)
    victim = next((opts.assets_dir / "wrong-predictions").rglob("*.png"))
    victim.unlink()
    with pytest.raises(SiteError, match=victim.name):
        write_page(opts.site_dir, mdx)
    assert not (opts.site_dir / "docs").exists()


def test_components_copied_only_when_absent(tmp_path):
    (tmp_path / "src" / "components").mkdir(parents=True)
    mine = tmp_path / "src" / "components" / "ImagesTable.jsx"
    mine.write_text("// the site's own")
    owned, copied = install_components(tmp_path)
    others = ["CustomImagesTable.jsx", "Reportgen.jsx", "reportgen.css"]
    assert [p.name for p in copied] == others
    assert list(owned) == others
    assert mine.read_text() == "// the site's own"
    ours = tmp_path / "src" / "components" / "CustomImagesTable.jsx"
    assert "useBaseUrl" in ours.read_text()
    # reportgen's own, unedited copy of an older version is updated ...
    ours.write_text("// reportgen's older component")
    owned = {"CustomImagesTable.jsx": sha256_file(ours)}
    owned, copied = install_components(tmp_path, owned)
    assert copied == [ours] and "confidence" in ours.read_text()
    # ... but once the site edits it, it is the site's and never written again
    ours.write_text("// edited by the site")
    owned, copied = install_components(tmp_path, owned)
    assert copied == [] and owned == {} and ours.read_text() == "// edited by the site"
    assert mine.read_text() == "// the site's own"


def compile_mdx(compiler, path):
    proc = subprocess.run(["node", str(compiler), str(path)], capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, json.loads(proc.stdout.splitlines()[-1])


def test_page_compiles_with_mdx3(tmp_path, npz_path, mdx_compiler):
    opts, ctx = tiny_page(tmp_path, npz_path)
    path = write_page(opts.site_dir, render_page(ctx))
    rc, res = compile_mdx(mdx_compiler, path)
    assert rc == 0 and res["ok"], res.get("error")
    assert "ImagesTable" in res["js"] and "CustomImagesTable" in res["js"]


def test_hostile_text_compiles_and_stays_literal(tmp_path, npz_path, mdx_compiler):
    import html

    opts, ctx = tiny_page(tmp_path, npz_path, title="Glassy {v2} <beta>",
                          description=HOSTILE, log_extra=[HOSTILE, "} unbalanced {{"])
    path = write_page(opts.site_dir, render_page(ctx))
    rc, res = compile_mdx(mdx_compiler, path)
    assert rc == 0 and res["ok"], res.get("error")
    proc = subprocess.run(["node", str(mdx_compiler), "--render", str(path)], capture_output=True,
                          text=True, timeout=120)
    page = json.loads(proc.stdout.split("\n")[0])
    assert page["ok"], page.get("error")
    text = html.unescape(page["html"])
    assert "<h1>Glassy {v2} <beta></h1>" in text
    assert f"<p>{HOSTILE}</p>" in text
    assert "} unbalanced {{" in text


def test_broken_mdx_is_detected_by_the_compiler(tmp_path, mdx_compiler):
    bad = tmp_path / "bad.mdx"
    bad.write_text("# Title\n\nText with an unclosed {brace\n")
    rc, res = compile_mdx(mdx_compiler, bad)
    assert rc == 1 and not res["ok"]


def test_hostile_model_summary_and_history_stay_literal(tmp_path, npz_path, mdx_compiler):
    """Layer names, the model's name and a model file name reach GFM tables: shown as they
    are (a pipe as ¦, since it would end the cell), never parsed."""
    import html

    from reportgen.report.view.model_section import SummaryTable

    opts, ctx = tiny_page(tmp_path, npz_path, draw=False)
    hostile = "a|b {x} <tag> `t` *s* [l](u) &amp;"
    ctx.model.summary_table = SummaryTable(["Layer (type)", "Param #"],
                                           [[f"{hostile} (Dense)", "1,290"]],
                                           [f'Model: "{hostile}"'])
    ctx.history[0].name = hostile + ".keras"
    path = write_page(opts.site_dir, render_page(ctx))
    proc = subprocess.run(["node", str(mdx_compiler), "--render", str(path)],
                          capture_output=True, text=True, timeout=120)
    page = json.loads(proc.stdout.split("\n")[0])
    assert page["ok"], page.get("error")
    text = html.unescape(page["html"])
    shown = hostile.replace("|", "\u00a6")
    assert f"<td style=\"text-align:left\">{shown} (Dense)</td>" in text
    assert f"<td style=\"text-align:left\">{shown}.keras</td>" in text
    assert f'<li>\nModel: "{hostile}"\n</li>' in text  # a list item may hold a pipe
