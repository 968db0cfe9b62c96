"""Adding a page section is one module and one template block: a toy section (mean ink per
class, a chart and its table) is written into a copy of the package, and the page shows it
with its chart and its text equivalent; no other file of the package changes."""

import shutil

from tests.conftest import ROOT, make_arrays, write_npz
from tests.helpers import run_in_copy

TOY_MODULE = '''"""A toy section: the mean ink of each class's test images, as a chart and a table."""

from __future__ import annotations

import numpy as np

from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ..charts.plotting import CHART_WIDTH, pyplot, write_chart
from ..section import Section
from ..view.accessible import Table
from ._common import RUN, assets_dir


def _figure(means):
    fig, ax = pyplot().subplots(figsize=(CHART_WIDTH, 2.5))
    ax.bar(range(len(means)), means)
    ax.set_title("Mean ink per class")
    return fig


def _run(r):
    means = [float(r.ds.x_test[r.ds.y_test == d].mean()) if (r.ds.y_test == d).any() else 0.0
             for d in r.ds.info.labels]
    written = write_chart(r.opts.assets_dir / "toy-ink.png", _figure, means)
    return StageOutput({"means": means, "png": r.opts.url(written[0])}, written)


TOY = Stage("toy", dict, inputs=lambda r: {"dataset": r.ds.digest}, run=_run,
            out_dir=assets_dir, uses=RUN, order=95)


def _context(results, env):
    toy = results.get("toy")
    if toy is None:
        return None
    rows = [[env.info.class_name(d), f"{m:.1f}"] for d, m in enumerate(toy["means"])]
    return {"toy": toy, "alt": {"toy": f"Bar chart of mean ink per {env.info.noun}"},
            "tables": {"toy": Table([env.info.noun.capitalize(), "Mean ink"], rows,
                                    [":--", "--:"])}}


SECTION = Section("toy", order=55, stages=(TOY,), context=_context,
                  charts=lambda res: [res["toy"]["png"]] if res.get("toy") else [])
'''

TOY_BLOCK = '''{% import "_macros.j2" as m -%}
## Mean ink

{{ m.chart(toy.png, alt.toy, chart_sizes) }}

{{ m.table(tables.toy, "Mean ink per class") }}
'''

PLAN = ('[*(S.STAGE[n] for n in ("sample", "gallery", "class_counts")), '
        '*(s for s in S.SECTION_STAGES if s.name == "toy"), *S.PAGE_STAGES]')


def _build(pkg_parent, root):
    return run_in_copy(pkg_parent, root, PLAN)


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_a_toy_section_is_one_module_and_one_template_block(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "reportgen", copy / "reportgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = _files(copy / "reportgen")
    write_npz(tmp_path / "tiny.npz", make_arrays(3, 2))
    first = _build(copy, tmp_path)
    assert "toy" not in first["stages"]
    page = next((tmp_path / "site").rglob("glassy.mdx"))
    assert "Mean ink" not in page.read_text()

    report = copy / "reportgen" / "report"
    (report / "sections" / "toy.py").write_text(TOY_MODULE)
    (report / "templates" / "sections" / "toy.mdx.j2").write_text(TOY_BLOCK)
    second = _build(copy, tmp_path)
    assert "toy" in second["stages"] and {"toy", "render"} <= set(second["ran"])
    mdx = page.read_text()
    assert "## Mean ink" in mdx
    # its chart (light and dark, the size read from the PNG) and its text equivalents
    assert '"light": useBaseUrl("/assets/datasets/mnist/toy-ink.png")' in mdx
    assert '"dark": useBaseUrl("/assets/datasets/mnist/toy-ink-dark.png")' in mdx
    assert 'alt={"Bar chart of mean ink per digit"}' in mdx
    assert '| {"Digit"} | {"Mean ink"} |' in mdx
    assert (tmp_path / "site" / "static" / "assets" / "datasets" / "mnist" / "toy-ink.png"
            ).is_file()
    # before the model section (order 60), as its order says
    assert mdx.index("## Confusion Matrix") < mdx.index("## Mean ink") < mdx.index("## Model")
    # and nothing else in the package changed
    after = _files(copy / "reportgen")
    added = set(after) - set(before)
    assert added == {"report/sections/toy.py", "report/templates/sections/toy.mdx.j2"}
    assert all(after[f] == before[f] for f in before)
