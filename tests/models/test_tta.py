"""Test-time augmentation for the label-error ranking (models.tta): exact 1-px shifts with
edges repeated, at any size and with colour, and the average over the image and its four
shifts, each view cached in the store under its own name (no TensorFlow)."""

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reportgen.data.dataset import load_dataset
from reportgen.models import store
from reportgen.models.tta import SHIFTS, shift_averaged, shifted, view_name
from tests.helpers import fake_probs


def test_a_pixel_moves_one_step_each_way():
    x = np.zeros((1, 5, 6), np.uint8)
    x[0, 2, 3] = 255
    moved = {name: np.argwhere(shifted(x, dy, dx)[0] == 255).tolist()
             for name, (dy, dx) in SHIFTS.items()}
    assert moved == {"right": [[2, 4]], "left": [[2, 2]], "down": [[3, 3]], "up": [[1, 3]]}


def test_edges_are_repeated_not_wrapped():
    x = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    right = shifted(x, 0, 1)
    assert np.array_equal(right[:, :, 0], x[:, :, 0])  # the left column, repeated
    assert np.array_equal(right[:, :, 1:], x[:, :, :-1])
    up = shifted(x, -1, 0)
    assert np.array_equal(up[:, -1], x[:, -1]) and np.array_equal(up[:, :-1], x[:, 1:])


def test_colour_images_keep_shape_dtype_and_channels():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (3, 7, 9, 3), dtype=np.uint8)
    out = shifted(x, 1, 0)
    assert out.shape == x.shape and out.dtype == np.uint8
    assert np.array_equal(out[:, 1:], x[:, :-1]) and np.array_equal(out[:, 0], x[:, 0])


def test_an_image_one_pixel_high_or_wide_is_its_own_shift_across_that_side():
    x = np.arange(8, dtype=np.uint8).reshape(2, 1, 4)
    assert np.array_equal(shifted(x, 1, 0), x) and np.array_equal(shifted(x, -1, 0), x)
    assert np.array_equal(shifted(x, 0, 1)[:, :, 1:], x[:, :, :-1])
    column = x.reshape(2, 4, 1)
    assert np.array_equal(shifted(column, 0, -1), column)


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(2, 9), st.integers(2, 9))),
       st.sampled_from(sorted(SHIFTS)))
def test_shift_and_back_restores_all_but_the_edge(x, name):
    dy, dx = SHIFTS[name]
    back = shifted(shifted(x, dy, dx), -dy, -dx)
    h, w = x.shape[1:]
    rows = slice(0, h - 1) if dy > 0 else slice(1, h) if dy < 0 else slice(0, h)
    cols = slice(0, w - 1) if dx > 0 else slice(1, w) if dx < 0 else slice(0, w)
    assert np.array_equal(back[:, rows, cols], x[:, rows, cols])


def test_the_average_is_over_the_image_and_its_four_shifts():
    asked = []
    x = np.zeros((4, 3, 3), np.uint8)
    x[:, 1, 1] = 9
    base = np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]

    def probabilities(view, images):
        asked.append(view)
        if not view:
            assert images is None
            return base
        moved = images(x)
        assert moved.shape == x.shape and not np.array_equal(moved, x)
        return np.full((4, 2), 0.5, np.float32)

    avg = shift_averaged(probabilities)
    assert asked == [""] + [view_name(s) for s in SHIFTS]
    assert np.allclose(avg, (base + 4 * 0.5) / 5) and np.allclose(avg.sum(1), 1)
    assert avg.dtype == np.float32


class _Loaded:
    def __init__(self, probs):
        self.probs, self.inputs = probs, []

    def predict(self, x, scaling):
        self.inputs.append(x.copy())
        return self.probs[: len(x)]


def test_each_view_has_its_own_cache_and_is_fed_its_images(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    model = tmp_path / "given.keras"
    model.write_bytes(b"x")
    models = tmp_path / "models"
    loaded = _Loaded(fake_probs(ds.y_test, {}))
    store.load_probabilities(model, ds, models_dir=models, loaded=loaded)
    view = view_name("right")
    store.load_probabilities(model, ds, models_dir=models, loaded=loaded, view=view,
                             images=lambda x: shifted(x, 0, 1))
    sha = store.model_sha256(model)
    assert store.foreign_cache_path(models, sha, "raw").is_file()
    cache = store.foreign_cache_path(models, sha, "raw", "test", view)
    assert cache.name == f"{sha}-raw.shifted-right.probs.npz" and cache.is_file()
    assert store.probs_path(Path("m/6/a.keras"), "test", view) == Path(
        "m/6/a.shifted-right.probs.npz")  # beside a stored model
    assert len(loaded.inputs) == 2
    assert np.array_equal(loaded.inputs[0], ds.x_test)
    assert np.array_equal(loaded.inputs[1], shifted(ds.x_test, 0, 1))
    store.load_probabilities(model, ds, models_dir=models, loaded=loaded, view=view,
                             images=lambda x: shifted(x, 0, 1))
    assert len(loaded.inputs) == 2  # the view's cache is read back
