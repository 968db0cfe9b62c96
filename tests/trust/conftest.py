"""Fixtures of the hostile tests: a tiny site built once (1 epoch on tiny data)."""

import shutil

import pytest

from reportgen.pipeline import site_assets
from tests.conftest import make_arrays, write_npz
from tests.helpers import opts_for


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(options, report) of a site-assets run on a tiny dataset; copy it before changing it."""
    base = tmp_path_factory.mktemp("built")
    npz = write_npz(base / "tiny.npz", make_arrays(8, 4))
    opts = opts_for(base, npz)
    return opts, site_assets(opts)


@pytest.fixture
def site_copy(built, tmp_path):
    """A private copy of the built site and export, with options pointing at it."""
    import dataclasses

    opts, rep = built
    shutil.copytree(opts.site_dir, tmp_path / "site", symlinks=True)
    shutil.copytree(opts.export_dir, tmp_path / "export", symlinks=True)
    new = dataclasses.replace(opts, site_dir=tmp_path / "site", export_dir=tmp_path / "export",
                              log_file=tmp_path / "tune.log")
    return new, rep
