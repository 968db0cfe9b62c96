"""Bug 4: the test suite wrote into the repository's own site-assets/ (a synthetic
class-count chart that the next real run kept as "up to date"). Run the suite's CLI tests
and check the repository's site-assets/, data/ and logs/ are byte-for-byte unchanged."""

import hashlib
import subprocess
import sys

from tests.conftest import ROOT


def tree(names=("site-assets", "data", "logs")) -> dict[str, str]:
    out = {}
    for name in names:
        for p in sorted((ROOT / name).rglob("*")) if (ROOT / name).exists() else []:
            if p.is_file() and "node_modules" not in p.parts:
                out[p.relative_to(ROOT).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_cli_tests_leave_the_repository_alone():
    before = tree()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
         "tests/test_cli.py", "tests/data/test_audit.py", "tests/models/test_predict.py",
         "tests/engine/test_manifest.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert tree() == before
