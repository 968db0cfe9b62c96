"""Concurrent and interrupted runs, with real processes and real signals."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import make_arrays, write_npz

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mid_npz(tmp_path_factory):
    return write_npz(tmp_path_factory.mktemp("mid") / "mid.npz", make_arrays(1200, 200))  # 14,000


def export_cmd(npz, export, workers="2"):
    return [sys.executable, "-m", "reportgen", "export", "--dataset", str(npz), "--export-dir",
            str(export), "--no-sample", "--workers", workers, "-q"]


def wait_for_pngs(folder, n=300, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if folder.exists() and sum(1 for _ in folder.rglob("*.png")) > n:
            return
        time.sleep(0.05)
    raise AssertionError("the export did not start")


def test_second_run_exits_in_one_line_naming_the_first(mid_npz, tmp_path):
    export = tmp_path / "export"
    first = subprocess.Popen(export_cmd(mid_npz, export, "1"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        wait_for_pngs(export)
        second = subprocess.run(export_cmd(mid_npz, export), capture_output=True, text=True,
                                timeout=120)
    finally:
        out, errs = first.communicate(timeout=300)
    assert first.returncode == 0, errs
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by another reportgen run" in lines[0]
    assert f"pid {first.pid}" in lines[0]
    assert sum(1 for _ in export.rglob("*.png")) == 14_000
    assert not list(export.rglob("*.tmp"))


def test_sigterm_during_export_exits_143_cleanly(mid_npz, tmp_path):
    export = tmp_path / "export"
    proc = subprocess.Popen(export_cmd(mid_npz, export), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_for_pngs(export)
    proc.send_signal(signal.SIGTERM)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 143, errs
    assert "Traceback" not in errs and errs.strip().splitlines()[-1] == "terminated"
    time.sleep(0.5)
    assert not list(export.rglob("*.tmp"))
    # the next run completes the export
    done = subprocess.run(export_cmd(mid_npz, export), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert sum(1 for _ in export.rglob("*.png")) == 14_000


def test_sigkill_of_the_parent_leaves_no_orphan_workers(mid_npz, tmp_path):
    export = tmp_path / "export"
    log = tmp_path / "stderr.txt"
    with open(log, "w") as fh:
        proc = subprocess.Popen(export_cmd(mid_npz, export), stdout=subprocess.DEVNULL,
                                stderr=fh, start_new_session=True)
        wait_for_pngs(export)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert children, "expected worker processes"
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        alive = children
        while alive and time.monotonic() < deadline:
            alive = [c for c in children if os.path.exists(f"/proc/{c}")
                     and open(f"/proc/{c}/stat").read().split()[2] != "Z"]
            time.sleep(0.1)
    assert alive == [], "workers outlived their parent"
    assert "Traceback" not in log.read_text() and "BrokenPipe" not in log.read_text()
    again = subprocess.run(export_cmd(mid_npz, export), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert not list(export.rglob("*.tmp"))
