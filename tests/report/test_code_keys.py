"""Every stage's key holds the source of the modules that make its output: editing a chart
title in the module that draws it reruns that chart's stage and nothing else. Run for
real on a copy of the package (the repository's own source is never edited)."""

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT, make_arrays, write_npz

SCRIPT = """
import json, sys
from pathlib import Path
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.records import ModelFigures
from reportgen.report import stages as S
from tests.helpers import fake_run

root = Path(sys.argv[1])
opts = Options(dataset=root / "tiny.npz", site_dir=root / "site", models_dir=root / "models",
               export_dir=root / "export", log_file=root / "tune.log", sample_per_class=1)
run = fake_run(opts, wrong={0: 3})
run.results["model_figures"] = ModelFigures()
run_stages(run, (S.SAMPLE, S.GALLERY, S.CALIBRATION, S.LABEL_ERRORS, S.CLASS_COUNTS,
                 *S.PAGE_STAGES))
import reportgen
print(json.dumps({"ran": sorted(run.site.ran), "package": reportgen.__file__}))
"""


def _run(pkg_parent, root):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], capture_output=True,
                         text=True, timeout=300, cwd=root,
                         env=os.environ | {"PYTHONPATH": f"{pkg_parent}{os.pathsep}{ROOT}"})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    module = copy / "reportgen" / "report" / "reliability.py"
    text = module.read_text()
    assert "Reliability diagram, test split" in text
    module.write_text(text.replace("Reliability diagram, test split", "Reliability, test set"))
    assert _run(copy, tmp_path)["ran"] == ["calibration"]
    assert chart.read_bytes() != before  # redrawn with the new title
    assert next((tmp_path / "site").rglob("glassy.mdx")).read_text() == page
