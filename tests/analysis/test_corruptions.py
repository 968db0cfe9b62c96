"""MNIST-C-style corruptions (analysis.corruptions): each keeps the batch's shape and
dtype, is reproducible from its seed, and does what its name says."""

import numpy as np
import pytest

from reportgen.analysis.changes import robustness_changes
from reportgen.analysis.corruptions import CORRUPTIONS, corrupt, severities
from reportgen.records import CorruptionAccuracy, Robustness


def digits(n=12, seed=0) -> np.ndarray:
    """n MNIST-like images: a thick ring or bar of full ink in the 20x20 box, some noise."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:28, 0:28]
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        r = np.hypot(rows - 14 + rng.integers(-2, 3), (cols - 14) * 1.4)
        x[i][(r > 5) & (r < 8.5)] = 255 if i % 2 else 200
        if i % 3 == 0:
            x[i][5:23, 13:16] = 255
    return x


def test_the_corruption_set_is_mnist_c_s():
    assert len(CORRUPTIONS) >= 10
    mnist_c = {"shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear", "scale",
               "rotate", "brightness", "translate", "stripe", "fog", "spatter", "dotted_line",
               "zigzag", "canny_edges"}
    assert len(set(CORRUPTIONS) & mnist_c) >= 10
    assert set(severities()) == set(CORRUPTIONS)


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_each_corruption_is_seeded_and_changes_the_images(name):
    x = digits()
    before = x.copy()
    out = corrupt(x, name, seed=0)
    assert out.shape == x.shape and out.dtype == np.uint8
    assert np.array_equal(x, before)  # the input is left alone
    assert np.array_equal(out, corrupt(x, name, seed=0))
    assert not np.array_equal(out, x)
    assert np.array_equal(corrupt(x[:5], name, 0).shape, (5, 28, 28))
    assert corrupt(x[:0], name, 0).shape == (0, 28, 28)


def test_random_corruptions_differ_with_the_seed():
    x = digits()
    for name in ("shot_noise", "impulse_noise", "rotate", "translate", "fog", "zigzag"):
        assert not np.array_equal(corrupt(x, name, 0), corrupt(x, name, 1)), name


def centre(img):
    rows, cols = np.indices(img.shape)
    total = img.sum()
    return np.array([(rows * img).sum() / total, (cols * img).sum() / total])


def test_what_each_does():
    x = digits()
    paper = x == 0
    assert (corrupt(x, "brightness")[paper] == round(0.4 * 255)).all()
    hit = corrupt(x, "impulse_noise") != x
    assert 0.03 < hit.mean() < 0.12
    moved = [np.linalg.norm(centre(a.astype(float)) - centre(b.astype(float)))
             for a, b in zip(corrupt(x, "translate"), x, strict=True)]
    assert all(3.5 < m < 6.5 for m in moved)
    small = corrupt(x, "scale")
    assert ((small > 0).sum(axis=(1, 2)) < (x > 0).sum(axis=(1, 2))).all()
    assert set(np.unique(corrupt(x, "edges"))) <= {0, 255}
    assert corrupt(x, "fog")[paper].mean() > 20  # the haze lies on the paper
    for name in ("rotate", "shear"):  # the ink moves, roughly the same amount of it
        out = corrupt(x, name).astype(float)
        assert abs(out.sum() / x.sum() - 1) < 0.2, name


def rob(clean, accs, seed=0):
    return Robustness("ab" * 32, seed, clean,
                      [CorruptionAccuracy(n, n.replace("_", " "), "", a) for n, a in accs])


def test_robustness_changes_pair_the_same_corruptions():
    before = rob(0.97, [("fog", 0.3), ("rotate", 0.8)])
    after = rob(0.99, [("fog", 0.6), ("rotate", 0.9)])
    ch = robustness_changes(before, after)
    assert [(c.name, c.before, c.after) for c in ch] == [
        ("clean", 0.97, 0.99), ("fog", 0.3, 0.6), ("rotate", 0.8, 0.9)]
    assert robustness_changes(None, after) == []
    assert robustness_changes(before, rob(0.99, [("fog", 0.6)])) == []
    assert robustness_changes(before, rob(0.99, [("fog", 0.6), ("rotate", 0.9)], seed=1)) == []
    assert after.weakest.name == "fog"
    assert after.accuracies() == {"fog": 0.6, "rotate": 0.9, "clean": 0.99}


def test_rgb_images_are_corrupted_channel_by_channel_with_the_same_draws():
    """An RGB image whose channels are one grey image comes out of every corruption with
    three equal channels, each the grey image's corruption (a warp or a stroke lands at
    the same place in every channel), at a size other than 28x28."""
    from reportgen.analysis.corruptions import CORRUPTIONS, corrupt

    rng = np.random.default_rng(3)
    grey = np.zeros((4, 20, 16), np.uint8)
    grey[:, 5:15, 4:12] = rng.integers(100, 256, (4, 10, 8), dtype=np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=3)
    for name in CORRUPTIONS:
        out = corrupt(rgb, name)
        assert out.shape == rgb.shape and out.dtype == np.uint8, name
        for ch in range(3):
            np.testing.assert_array_equal(out[..., ch], corrupt(grey, name), err_msg=name)
