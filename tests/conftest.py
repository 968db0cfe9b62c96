"""Shared fixtures: tiny synthetic MNIST-shaped datasets written as .npz and as IDX files."""

from __future__ import annotations

import gzip
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import runner  # noqa: F401  (the CLI runner fixture)

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED = ROOT / "data" / "datasets" / "mnist.npz"
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_DIGEST = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"


def make_arrays(per_class_train: int = 3, per_class_test: int = 2, seed: int = 0):
    """Synthetic digits: class d is a bar at a d-dependent position plus noise, so a model
    can learn it. Returns x_train, y_train, x_test, y_test (uint8)."""
    rng = np.random.default_rng(seed)

    def split(per_class):
        ys = np.repeat(np.arange(10, dtype=np.uint8), per_class)
        rng.shuffle(ys)
        xs = rng.integers(0, 40, size=(len(ys), 28, 28), dtype=np.uint8)
        for i, d in enumerate(ys):
            xs[i, 4 + 2 * d: 7 + 2 * d, 4:24] = 255
        return xs, ys

    x_train, y_train = split(per_class_train)
    x_test, y_test = split(per_class_test)
    return x_train, y_train, x_test, y_test


def write_npz(path: Path, arrays=None, **overrides) -> Path:
    x_train, y_train, x_test, y_test = arrays or make_arrays()
    data = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    data.update(overrides)
    np.savez_compressed(path, **{k: v for k, v in data.items() if v is not None})
    return path


def idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    if magic is None:
        magic = 0x803 if arr.ndim == 3 else 0x801
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_idx(folder: Path, arrays=None, gz: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    for name, arr in zip(names, arrays or make_arrays(), strict=True):
        data = idx_bytes(arr)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def arrays():
    return make_arrays()


@pytest.fixture
def npz_path(tmp_path, arrays) -> Path:
    return write_npz(tmp_path / "tiny.npz", arrays)


@pytest.fixture(scope="session")
def mdx_compiler() -> Path:
    """tests/mdx/compile.mjs with @mdx-js/mdx installed (npm ci from the committed lockfile)."""
    folder = ROOT / "tests" / "mdx"
    if shutil.which("node") is None:
        pytest.fail("node is required for the MDX compile tests")
    if not (folder / "node_modules" / "@mdx-js" / "mdx").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, check=True)
    return folder / "compile.mjs"


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own tmp_path, so a relative default (site-assets/, data/,
    logs/) can never land in the repository (tests/test_repo_untouched.py checks), and a
    reportgen started outside a checkout puts its cache folder there too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
