import gzip
import hashlib

import numpy as np
import pytest

from reportgen.data.card import BUILTIN_INFO
from reportgen.data.dataset import class_counts, load_dataset, sample_indices
from reportgen.errors import DatasetError
from tests.conftest import idx_bytes, make_arrays, write_idx, write_npz


def test_npz_loads_with_counts_and_digest(npz_path, arrays):
    ds = load_dataset(npz_path)
    assert ds.x_train.shape == (30, 28, 28) and ds.x_train.dtype == np.uint8
    assert ds.class_counts("train") == [3] * 10
    assert ds.class_counts("test") == [2] * 10
    h = hashlib.sha256()
    for a in arrays:
        h.update(a.tobytes())
    assert ds.digest == h.hexdigest()


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_loads_same_arrays(tmp_path, arrays, gz, npz_path):
    ds = load_dataset(write_idx(tmp_path / "idx", arrays, gz=gz))
    ref = load_dataset(npz_path)
    assert ds.digest == ref.digest
    np.testing.assert_array_equal(ds.x_test, arrays[2])


def expect_error(path, fragment, card=None):
    with pytest.raises(DatasetError) as info:
        load_dataset(path, card)
    msg = str(info.value)
    assert str(path) in msg and fragment in msg and "\n" not in msg
    return msg


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.npz", "no such file")


def test_not_a_zip(tmp_path):
    p = tmp_path / "bad.npz"
    p.write_text("hello")
    expect_error(p, "not an .npz file")


def test_missing_key(tmp_path):
    p = write_npz(tmp_path / "k.npz", y_test=None)
    expect_error(p, "missing key(s) y_test")


def test_wrong_shape(tmp_path):
    x_train, y_train, x_test, y_test = make_arrays()
    p = write_npz(tmp_path / "s.npz", x_train=x_train.reshape(30, 784))
    expect_error(p, "x_train has shape (30, 784), expected (n, h, w) or (n, h, w, 3)")
    p = write_npz(tmp_path / "t.npz", x_train=x_train[:, :20, :20].copy())
    expect_error(p, "x_test has shape (20, 28, 28), expected (n, 20, 20)")
    expect_error(write_npz(tmp_path / "u.npz", x_train=x_train[:, :20, :20].copy(),
                           x_test=x_test[:, :20, :20].copy()),
                 "x_train has shape (30, 20, 20), expected (n, 28, 28)", BUILTIN_INFO)


def test_wrong_dtype(tmp_path):
    x_train, *_ = make_arrays()
    p = write_npz(tmp_path / "d.npz", x_train=x_train.astype(np.float32))
    expect_error(p, "x_train has dtype float32, expected uint8")


def test_label_count_mismatch(tmp_path):
    _, y_train, _, _ = make_arrays()
    p = write_npz(tmp_path / "n.npz", y_train=y_train[:-1])
    expect_error(p, "y_train has shape (29,), expected (30,)")


def test_labels_out_of_range(tmp_path):
    _, y_train, _, _ = make_arrays()
    y = y_train.copy()
    y[0] = 11
    p = write_npz(tmp_path / "r.npz", y_train=y)
    expect_error(p, "labels outside 0-9", BUILTIN_INFO)  # the card names 10 classes
    y = y.astype(np.int64)
    y[0] = -1
    expect_error(write_npz(tmp_path / "n.npz", y_train=y), "labels outside")


def test_a_dataset_without_a_card_is_described_by_its_arrays(tmp_path):
    """No card: 28x28 images with at most the embedded dataset's classes are read as it;
    another size or more classes get a generic record (classes named by their labels)."""
    x_train, y_train, x_test, y_test = make_arrays()
    assert load_dataset(write_npz(tmp_path / "a.npz")).info == BUILTIN_INFO
    y = y_train.copy()
    y[0] = 11
    ds = load_dataset(write_npz(tmp_path / "b.npz", y_train=y))
    assert ds.info.classes == tuple(str(i) for i in range(12)) and ds.info.noun == "class"
    assert ds.class_counts("train")[11] == 1 and len(ds.class_counts("test")) == 12
    small = load_dataset(write_npz(tmp_path / "c.npz", x_train=x_train[:, :20, :16].copy(),
                                   x_test=x_test[:, :20, :16].copy()))
    assert (small.info.height, small.info.width, small.info.image_shape) == (20, 16, (20, 16))


def test_idx_wrong_magic(tmp_path, arrays):
    folder = write_idx(tmp_path / "idx", arrays)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(arrays[3], magic=0x803))
    with pytest.raises(DatasetError, match="wrong IDX magic number 0x00000803, expected 0x00000801"):
        load_dataset(folder)


def test_idx_truncated(tmp_path, arrays):
    folder = write_idx(tmp_path / "idx", arrays, gz=True)
    data = gzip.decompress((folder / "train-images-idx3-ubyte.gz").read_bytes())
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(data[:-5]))
    with pytest.raises(DatasetError, match="header says 23520 bytes of data, file holds 23515"):
        load_dataset(folder)


def test_idx_missing_file(tmp_path, arrays):
    folder = write_idx(tmp_path / "idx", arrays)
    (folder / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="missing IDX file train-labels-idx1-ubyte"):
        load_dataset(folder)


def test_sample_indices_deterministic_and_per_class():
    y = np.repeat(np.arange(10), 20)
    a, b = sample_indices(y, 5, seed=0), sample_indices(y, 5, seed=0)
    assert a == b
    for d, idx in a.items():
        assert len(idx) == 5 and idx == sorted(idx) and all(y[i] == d for i in idx)
    assert sample_indices(y, 5, seed=1) != a
    assert class_counts(np.array([0, 0, 9]), 10) == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]
