"""MNIST-C-style corruptions (analysis.corruptions): each keeps the batch's shape and
dtype, is reproducible from its seed, and does what its name says."""

import numpy as np
import pytest

from reportgen.analysis.changes import robustness_changes
from reportgen.analysis.corruptions import (
    CORRUPTIONS,
    corrupt,
    motion_kernel,
    plasma_fractal,
    severities,
    zigzag_points,
)
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


MNIST_C = ["shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear", "scale",
           "rotate", "brightness", "translate", "stripe", "fog", "spatter", "dotted_line",
           "zigzag", "canny_edges"]


def test_the_corruption_set_is_mnist_c_s():
    assert list(CORRUPTIONS) == MNIST_C  # all 15, in the reference's order
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


@pytest.mark.parametrize("shape", [(3, 8, 8), (3, 20, 13), (2, 64, 48)])
@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_every_corruption_works_at_other_sizes(name, shape):
    x = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    out = corrupt(x, name)
    assert out.shape == shape and out.dtype == np.uint8


def test_random_corruptions_differ_with_the_seed():
    x = digits()
    for name in ("shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear",
                 "rotate", "translate", "fog", "spatter", "dotted_line", "zigzag"):
        assert not np.array_equal(corrupt(x, name, 0), corrupt(x, name, 1)), name


def centre(img):
    rows, cols = np.indices(img.shape)
    total = img.sum()
    return np.array([(rows * img).sum() / total, (cols * img).sum() / total])


def blank(n=4, h=28, w=28, value=0):
    return np.full((n, h, w), value, np.uint8)


def slope_of_rows(img) -> float:
    """The slope d(col)/d(row) of the ink's centre per row, fitted over the inked rows."""
    rows = [r for r in range(img.shape[0]) if img[r].sum() > 0]
    cols = [np.average(np.arange(img.shape[1]), weights=img[r].astype(float)) for r in rows]
    return float(np.polyfit(rows, cols, 1)[0])


def test_shot_noise_counts_three_photons_at_full_ink():
    x = blank(200)
    x[:, 10:18, 10:18] = 255
    out = corrupt(x, "shot_noise")
    assert (out[x == 0] == 0).all()  # Poisson(0) = 0: blank paper stays blank
    assert set(np.unique(out)) <= {0, 85, 170, 255}  # k / 3 photons, clipped at 1
    ink = out[x == 255]
    # P(N >= 3) for N ~ Poisson(3) is 0.577; P(N = 0) is 0.0498
    assert abs((ink == 255).mean() - 0.577) < 0.02
    assert abs((ink == 0).mean() - 0.0498) < 0.01


def test_impulse_noise_hits_17_percent_half_white_half_black():
    out = corrupt(blank(50, value=128), "impulse_noise")
    hit = out != 128
    assert abs(hit.mean() - 0.17) < 0.005
    assert set(np.unique(out[hit])) == {0, 255}
    assert abs((out[hit] == 255).mean() - 0.5) < 0.02


def test_glass_blur_blurs_along_the_rows_only_and_keeps_the_ink():
    vertical, horizontal = blank(20), blank(20)
    vertical[:, 4:24, 14] = 255
    horizontal[:, 14, 4:24] = 255
    v, h = corrupt(vertical, "glass_blur").astype(float), corrupt(horizontal, "glass_blur")
    assert (corrupt(blank(2), "glass_blur") == 0).all()
    # swaps move ink by whole pixels; the blur (sigma 0.7) keeps it within a few %
    assert abs(v.sum() / vertical.sum() - 1) < 0.05
    # a vertical line is not blurred sideways: only swaps move its ink, and a pass moves
    # ink right by 1 px at most (the scan runs right to left)
    assert v[:, :, 17:].sum() == 0 and v[:, :, 14].sum() / v.sum() > 0.35
    # a horizontal line is blurred across rows: within 3 rows of it either way
    assert (h[:, 12:17].astype(float).sum(axis=2) > 0).all()


def test_motion_kernel_is_imagemagicks():
    weights, offsets = motion_kernel(0.0)
    assert len(weights) == 21 and abs(weights.sum() - 1) < 1e-12
    assert (np.diff(weights) < 0).all()  # a half Gaussian, heaviest at the pixel itself
    assert np.isclose(weights[3] / weights[0], np.exp(-9 / 18))  # sigma 3
    assert offsets.tolist() == [[0, i] for i in range(21)]  # angle 0: along the row
    _, diagonal = motion_kernel(45.0)
    assert diagonal[10].tolist() == [7, 7]  # ceil(10 sin 45 - 0.5), ceil(10 cos 45 - 0.5)


def test_motion_blur_smears_a_dot_into_a_streak_behind_it():
    x = blank(30)
    x[:, 14, 20] = 255
    out = corrupt(x, "motion_blur")
    for img in out:
        rows, cols = np.nonzero(img)
        assert (cols <= 20).all() and cols.min() <= 14  # out to 10 px, angles -45..45
        assert np.abs(rows - 14).max() <= 8
        assert img[14, 20] >= 45  # the heaviest tap (0.19) is the pixel itself
        assert abs(int(img.astype(int).sum()) - 255) <= 11  # the weights sum to 1


@pytest.mark.parametrize(("name", "expected"), [("shear", np.sin(0.4)),
                                                ("rotate", np.tan(0.4))])
def test_shear_and_rotate_turn_a_line_by_the_references_angle(name, expected):
    x = blank(12)
    if name == "shear":
        x[:, 2:26, 13:15] = 255  # a vertical bar: shear tilts it by sin(0.4) per row
        slopes = [slope_of_rows(img) for img in corrupt(x, name)]
    else:
        x[:, 13:15, 2:26] = 255  # a horizontal bar: rotation tilts it by tan(0.4)
        slopes = [slope_of_rows(img.T) for img in corrupt(x, name)]
    assert all(abs(abs(s) - expected) < 0.03 for s in slopes), slopes
    assert {np.sign(s) for s in slopes} == {-1.0, 1.0}  # either way
    for img in corrupt(x, name):  # about the centre
        assert np.allclose(centre(img.astype(float)), 13.5, atol=0.3)


def test_scale_shrinks_to_70_percent_about_the_centre():
    x = blank(2)
    x[:, 4:24, 4:24] = 255  # 20 x 20, centred
    out = corrupt(x, "scale")
    rows, cols = np.nonzero(out[0] > 127)
    assert rows.max() - rows.min() + 1 == 14 and cols.max() - cols.min() + 1 == 14
    assert np.allclose(centre(out[0].astype(float)), 13.5, atol=0.01)


def test_brightness_adds_half_of_full_ink():
    x = blank(1)
    x[0, 0, :3] = [0, 100, 255]
    out = corrupt(x, "brightness")
    assert (out[0, 1:] == 128).all()  # 0 + 0.5 x 255 = 127.5
    assert out[0, 0, 0] == 128 and out[0, 0, 2] == 255  # and clipped at full ink
    assert out[0, 0, 1] in (227, 228)  # 100 + 127.5


def test_translate_moves_exactly_3_px_on_each_axis():
    x = digits(40)
    out = corrupt(x, "translate")
    seen = set()
    for a, b in zip(x, out, strict=True):
        moves = [(dr, dc) for dr in (-3, 3) for dc in (-3, 3)
                 if np.array_equal(b, shifted(a, dr, dc))]
        assert len(moves) == 1
        seen.add(moves[0])
    assert len(seen) == 4  # random signs on each axis


def shifted(img, dr, dc):
    out = np.zeros_like(img)
    h, w = img.shape
    out[max(dr, 0):h + min(dr, 0), max(dc, 0):w + min(dc, 0)] = \
        img[max(-dr, 0):h - max(dr, 0), max(-dc, 0):w - max(dc, 0)]
    return out


@pytest.mark.parametrize(("width", "left", "right"), [(28, 7, 21), (12, 3, 9), (30, 7, 22)])
def test_stripe_inverts_the_references_columns(width, left, right):
    x = np.random.default_rng(0).integers(0, 256, (3, 10, width), dtype=np.uint8)
    out = corrupt(x, "stripe")
    inverted = np.zeros(width, bool)
    inverted[:left] = inverted[right:] = True
    assert np.array_equal(out[:, :, inverted], 255 - x[:, :, inverted])
    assert np.array_equal(out[:, :, ~inverted], x[:, :, ~inverted])


def test_plasma_fractal_spans_0_to_1_and_is_smooth():
    maps = plasma_fractal(3, np.random.default_rng(0))
    assert maps.shape == (3, 256, 256)
    assert np.allclose(maps.min(axis=(1, 2)), 0) and np.allclose(maps.max(axis=(1, 2)), 1)
    # neighbours differ far less than the map's range: a haze, not noise
    assert np.abs(np.diff(maps, axis=2)).mean() < 0.05


def test_fog_mixes_the_haze_in_by_max_over_max_plus_3():
    full = corrupt(blank(20, value=255), "fog").astype(float)
    # (1 + 3 f) / 4 with f in 0..1
    assert full.min() >= 63 and full.max() <= 255 and full.std() > 5
    assert (corrupt(blank(2), "fog") == 0).all()  # max 0: the reference gives blank paper
    x = digits()
    out = corrupt(x, "fog").astype(float)
    assert (out[x == 0] <= 192).all()  # paper: 3 f / 4 of full ink at most
    assert out[x == 0].mean() > 40


def test_spatter_paints_mud_of_63_where_the_mask_holds():
    out = corrupt(blank(30), "spatter")
    mud = out[out > 0]
    assert 0 < (out > 0).mean() < 0.2
    assert mud.min() >= round(0.8 * 63) and mud.max() <= 63  # 63/255 x m, m in 0.8..1
    full = corrupt(blank(30, value=255), "spatter")
    hit = full[full < 255]
    assert hit.min() >= 63 and hit.max() <= 102  # 255 (1 - m) + 63 m


def test_dotted_line_runs_edge_to_edge_with_every_other_band_left_out():
    out = corrupt(blank(50), "dotted_line")
    inked = (out > 0).any(axis=(0, 1))
    bands = (np.arange(28) // 2) % 2 == 0  # [0, 2), [4, 6), ... left out
    assert not inked[bands].any()
    assert inked[~bands & (np.arange(28) < 27)].all()
    assert not inked[27]  # the line ends at column 27, which the reference leaves out
    for img in out:
        assert (img > 0).any()


def test_zigzag_runs_from_column_2_with_strokes_2_px_high():
    out = corrupt(blank(50), "zigzag")
    inked = (out > 0).any(axis=(0, 1))
    assert not inked[:2].any() and inked[2:25].all()
    pts = zigzag_points(np.array([10.0]), np.array([10.0]), 2.0, 25.0)[0]
    assert pts[0].tolist() == [2.0, 10.0]
    assert pts[1:6, 1].tolist() == [12.0, 8.0, 12.0, 8.0, 12.0]  # +-b, b = 2
    assert np.allclose(np.diff(pts[:7, 0]), [2, 4, 4, 4, 4, 4])  # a = 2: strokes 4 apart


def test_canny_edges_are_scikit_images_canny_image_by_image():
    from skimage.feature import canny

    x = digits(30)
    reference = np.stack([canny(img / 255.0) for img in x]) * 255
    assert np.array_equal(corrupt(x, "canny_edges"), reference)
    # images with ink up to the border may differ only one pixel in from the border
    photos = np.random.default_rng(2).integers(0, 256, (40, 20, 17), dtype=np.uint8)
    from scipy import ndimage

    photos = np.clip(ndimage.gaussian_filter(photos.astype(float), (0, 1.5, 1.5)) * 3 - 250,
                     0, 255).astype(np.uint8)
    reference = np.stack([canny(img / 255.0) for img in photos]) * 255
    differ = (corrupt(photos, "canny_edges") != reference).any(axis=0)
    inner = np.zeros((20, 17), bool)
    inner[2:-2, 2:-2] = True
    assert not differ[inner].any() and not differ[[0, -1]].any()


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
    assert after.accuracies() == {"clean": 0.99, "mean": 0.75, "fog": 0.6, "rotate": 0.9}


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


def test_large_batches_are_corrupted_in_parts(monkeypatch):
    """Beyond PIXEL_BUDGET pixels the images go in parts, each drawn from its own seed: the
    same output every time, and the first part as when it is alone."""
    from reportgen.analysis import corruptions

    x = digits(10)
    monkeypatch.setattr(corruptions, "PIXEL_BUDGET", 4 * 28 * 28)  # parts of 4 images
    for name in ("translate", "fog", "motion_blur", "canny_edges"):
        out = corrupt(x, name)
        assert out.shape == x.shape and np.array_equal(out, corrupt(x, name))
        assert np.array_equal(out[:4], corrupt(x[:4], name)), name


def test_brightness_of_colour_images_is_the_references_hsv_round_trip():
    from skimage.color import hsv2rgb, rgb2hsv

    x = np.random.default_rng(5).integers(0, 256, (6, 9, 11, 3), dtype=np.uint8)
    x[0, 0, 0] = 0  # black turns grey
    hsv = rgb2hsv(x / 255.0, channel_axis=-1)
    hsv[..., 2] = np.clip(hsv[..., 2] + 0.5, 0, 1)
    reference = np.clip(hsv2rgb(hsv, channel_axis=-1), 0, 1) * 255
    out = corrupt(x, "brightness")
    assert np.abs(out.astype(float) - reference).max() <= 0.5 + 1e-6
    assert out[0, 0, 0].tolist() == [128, 128, 128]
