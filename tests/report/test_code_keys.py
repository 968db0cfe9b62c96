"""Every stage's key holds the source of the modules that make its output: editing a chart
title in the module that draws it reruns that chart's stage and nothing else. Run for
real on a copy of the package (the repository's own source is never edited)."""

import shutil

import pytest

from tests.conftest import ROOT, make_arrays, write_npz
from tests.helpers import run_in_copy

PLAN = ('(*(S.STAGE[n] for n in ("sample", "gallery", "calibration", "label_errors", '
        '"class_counts")), *S.PAGE_STAGES)')


def _run(pkg_parent, root):
    return run_in_copy(pkg_parent, root, PLAN)


def test_editing_a_chart_title_reruns_that_chart_only(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "reportgen", copy / "reportgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    write_npz(tmp_path / "tiny.npz", make_arrays(3, 2))
    first = _run(copy, tmp_path)
    assert first["package"].startswith(str(copy))  # the copy, not the repository
    assert {"calibration", "gallery", "render", "summary"} <= set(first["ran"])
    assert _run(copy, tmp_path)["ran"] == []  # nothing changed: nothing runs
    chart = next((tmp_path / "site").rglob("*-reliability.png"))
    before = chart.read_bytes()
    page = next((tmp_path / "site").rglob("glassy.mdx")).read_text()
    module = copy / "reportgen" / "report" / "charts" / "reliability.py"
    text = module.read_text()
    assert "Reliability diagram, test split" in text
    module.write_text(text.replace("Reliability diagram, test split", "Reliability, test set"))
    assert _run(copy, tmp_path)["ran"] == ["calibration"]
    assert chart.read_bytes() != before  # redrawn with the new title
    assert next((tmp_path / "site").rglob("glassy.mdx")).read_text() == page


#: A module of each layer, and the stages of the script's plan (sample, gallery,
#: calibration, label_errors, class_counts, then category, render and summary) whose run
#: function reaches it by imports: only those rerun when it is edited.
_EVERY = ["calibration", "category", "class_counts", "gallery", "label_errors", "render",
          "sample", "summary"]
REACH = {
    "reportgen/report/charts/class_counts.py": ["class_counts"],  # charts
    "reportgen/analysis/label_errors.py": ["label_errors"],  # analysis
    "reportgen/report/sections/calibration.py": ["calibration"],  # a section's declaration
    "reportgen/report/view/mdx.py": ["category", "render", "summary"],  # view model
    "reportgen/engine/typed.py": _EVERY,  # engine
    "reportgen/data/card.py": _EVERY,  # the dataset record
    "reportgen/records.py": _EVERY,  # the records
    "reportgen/report/stages.py": ["category", "render", "summary"],  # the registry
}


@pytest.mark.slow
def test_an_edit_reruns_exactly_the_stages_that_reach_it(tmp_path):
    """Code keys are complete by construction (engine.imports): editing a module of any
    layer in a copy of the package reruns exactly the stages whose run function reaches it
    by imports, and leaves the others current."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "reportgen", copy / "reportgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    write_npz(tmp_path / "tiny.npz", make_arrays(3, 2))
    assert set(_run(copy, tmp_path)["ran"]) >= set(_EVERY) - {"category"}
    for module, stages in REACH.items():
        path = copy / module
        path.write_text(path.read_text() + "\n# edited\n")
        assert _run(copy, tmp_path)["ran"] == stages, module
