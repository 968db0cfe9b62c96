"""The stage engine (manifest.py), without TensorFlow: skip, rerun on each key input,
stale owned files deleted, foreign files kept, temp files of a killed run, and the
--assets-url change (bug: the class-count chart stayed at the old URL)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.engine import files as fsutil
from reportgen.engine.manifest import MANIFEST, Manifest, StageOutput
from reportgen.engine.stage import stage_key
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.report.assets import PAGE_PATH
from reportgen.report.stages import PAGE_STAGES, STAGE
from tests.helpers import fake_run

CLASS_COUNTS, GALLERY, SAMPLE = STAGE["class_counts"], STAGE["gallery"], STAGE["sample"]


class Stage:
    """A stage writing ``names`` into ``root/out``; counts its runs."""

    def __init__(self, root: Path, names=("a.txt", "b.txt"), text="v1"):
        self.root, self.names, self.text, self.runs = root, list(names), text, 0

    def __call__(self):
        self.runs += 1
        files = []
        for n in self.names:
            fsutil.write_text(self.root / "out" / n, self.text)
            files.append(self.root / "out" / n)
        return StageOutput({"n": len(files)}, files)


def run(root, stage, key=("k",), out="out"):
    m = Manifest(root)
    res = m.run("s", stage_key("s", key, out_dir=root / out), stage, out_dir=root / out)
    m.save()
    return m, res


def test_skip_when_key_and_files_unchanged(tmp_path):
    stage = Stage(tmp_path)
    m, res = run(tmp_path, stage)
    assert res == {"n": 2} and stage.runs == 1 and m.ran.keys() == {"s"}
    m2, res2 = run(tmp_path, stage)
    assert res2 == {"n": 2} and stage.runs == 1 and m2.ran == {}


@pytest.mark.parametrize("change", ["key", "out_dir", "deleted_file", "version"])
def test_rerun_on_each_key_input(tmp_path, change, monkeypatch):
    stage = Stage(tmp_path)
    run(tmp_path, stage)
    key, out = ("k",), "out"
    if change == "key":
        key = ("k2",)
    elif change == "out_dir":
        out = "elsewhere"
    elif change == "deleted_file":
        (tmp_path / "out" / "a.txt").unlink()
    else:
        monkeypatch.setattr("reportgen.engine.stage.__version__", "9.9.9")
    run(tmp_path, stage, key, out)
    assert stage.runs == 2


def test_stale_owned_files_deleted_foreign_files_kept(tmp_path):
    run(tmp_path, Stage(tmp_path, ["a.txt", "b.txt"]))
    foreign = tmp_path / "out" / "notes.md"
    foreign.write_text("mine")
    run(tmp_path, Stage(tmp_path, ["a.txt", "c.txt"]), key=("k2",))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "c.txt", "notes.md"]
    assert foreign.read_text() == "mine"


def test_drop_deletes_owned_files_only(tmp_path):
    m, _ = run(tmp_path, Stage(tmp_path))
    (tmp_path / "out" / "keep.txt").write_text("mine")
    m.drop("s")
    m.save()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
    assert not Manifest(tmp_path).has("s")


@pytest.mark.parametrize("content", ["not json", '{"stages": []}', '{"stages": {"s": 5}}',
                                     '{"stages": {"s": {"key": "x", "files": 5}}}', "[1, 2]"])
def test_corrupt_manifest_counts_as_empty(tmp_path, content):
    (tmp_path / MANIFEST).write_text(content)
    stage = Stage(tmp_path)
    m, res = run(tmp_path, stage)
    assert res == {"n": 2} and stage.runs == 1
    assert json.loads((tmp_path / MANIFEST).read_text())["stages"]["s"]["files"] == [
        "out/a.txt", "out/b.txt"]


def test_recorded_path_outside_root_is_never_deleted(tmp_path):
    root = tmp_path / "site"
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    run(root, Stage(root))
    data = json.loads((root / MANIFEST).read_text())
    data["stages"]["s"]["files"] += ["../outside.txt", str(outside)]
    (root / MANIFEST).write_text(json.dumps(data))
    run(root, Stage(root, ["a.txt"]), key=("k2",))
    assert outside.read_text() == "precious"


def test_killed_run_temp_files_swept_but_lookalikes_kept(tmp_path):
    """A run killed inside a stage leaves its journal; the next run deletes that run's
    temp files in the stage's folder, not a user's file with a similar name."""
    root = tmp_path
    code = ("import os, sys\n"
            "from pathlib import Path\n"
            "from reportgen.engine import files as fsutil\n"
            "from reportgen.engine.manifest import Manifest, StageOutput\n"
            "root = Path(sys.argv[1])\n"
            "def fn():\n"
            "    p = fsutil.temp_name(root / 'out' / 'a.png')\n"
            "    p.parent.mkdir(parents=True, exist_ok=True)\n"
            "    p.write_bytes(b'half')\n"
            "    os._exit(9)  # killed mid-stage\n"
            "Manifest(root).run('s', 'k', fn, out_dir=root / 'out')\n")
    proc = subprocess.run([sys.executable, "-c", code, str(root)], timeout=60)
    assert proc.returncode == 9
    left = [p for p in (root / "out").iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1
    lookalike = root / "out" / ".draft.1234.tmp"
    lookalike.write_text("user's")
    m = Manifest(root)
    assert m.sweep_temp_files() == 1
    assert not left[0].exists() and lookalike.read_text() == "user's"


def test_assets_url_change_moves_the_class_count_chart(tmp_path, npz_path):
    """Bug 1: after --assets-url changed, the chart stayed at the old URL and the page
    silently dropped it. Now the chart is rewritten at the new URL, the old one is
    deleted, and the page shows it."""
    pages = {}
    for url in ("/assets/a", "/assets/b"):
        opts = Options(dataset=npz_path, site_dir=tmp_path / "site", assets_url=url,
                       export_dir=tmp_path / "export", models_dir=tmp_path / "models",
                       sample_per_class=1)
        run = fake_run(opts)
        run_stages(run, (SAMPLE, GALLERY, CLASS_COUNTS, *PAGE_STAGES))
        pages[url] = (opts.site_dir / PAGE_PATH).read_text()
        assert run.results["class_counts"].chart_png == f"{url}/class-counts.png"
    assert (tmp_path / "site/static/assets/b/class-counts.png").is_file()
    assert not (tmp_path / "site/static/assets/a/class-counts.png").exists()
    assert not list((tmp_path / "site/static/assets/a/train").rglob("*.png"))
    assert 'useBaseUrl("/assets/b/class-counts.png")' in pages["/assets/b"]


def test_title_and_description_kept_until_given_again(tmp_path, npz_path):
    """`gallery` and `render` without --title/--description keep the page's text; they
    used to reset it to the defaults."""

    def render(**text):
        opts = Options(dataset=npz_path, site_dir=tmp_path / "site", export_dir=tmp_path / "e",
                       models_dir=tmp_path / "models", sample_per_class=1, **text)
        run_stages(fake_run(opts), (SAMPLE, GALLERY, CLASS_COUNTS, *PAGE_STAGES))
        return (opts.site_dir / PAGE_PATH).read_text()

    assert '# {"Mr. Glassy the Bot"}' in render()
    assert '# {"My Bot"}' in render(title="My Bot", description="")
    mdx = render()  # as `gallery --model` or `render` without the options
    assert '# {"My Bot"}' in mdx and "<p>{\"\"}</p>" in mdx and 'description: ""' in mdx
    assert '# {"Other"}' in render(title="Other")
