"""Training-time augmentation (models.augment): it varies half of each batch, the same way
for the same seed and batch, keeps the images uint8 with ink up to 255 and each label with
its image, and is not part of the saved model."""

import numpy as np
import pytest

from reportgen.data.card import BUILTIN_INFO
from reportgen.models import augment as A
from reportgen.models.augment import (
    AUGMENTED_SHARE,
    augmented_batches,
    augmented_copy,
    build_augmenter,
)
from reportgen.models.kinds import KINDS, quiet_tensorflow
from tests.conftest import make_arrays


@pytest.fixture(scope="module")
def images():
    quiet_tensorflow()
    return make_arrays(8, 2)[0][:64]  # x_train of a tiny dataset, uint8 (64, 28, 28)


def test_half_of_each_batch_is_varied_and_reproducible(images):
    augment = build_augmenter(seed=3)
    out = augment(images, 0).numpy()
    assert out.shape == images.shape and out.dtype == np.uint8
    k = round(len(images) * AUGMENTED_SHARE)
    assert np.array_equal(out[k:], images[k:])  # the rest is shown as MNIST has it
    changed = [not np.array_equal(a, b) for a, b in zip(out[:k], images[:k], strict=True)]
    assert sum(changed) >= k - 1
    assert (out[:k].reshape(k, -1).max(axis=1) == 255).all()  # ink peaks at 255
    assert np.array_equal(out, augment(images, 0).numpy())
    assert not np.array_equal(out, augment(images, 1).numpy())
    assert not np.array_equal(out, build_augmenter(seed=4)(images, 0).numpy())


def test_batches_cover_the_data_once_per_epoch(images):
    y = np.arange(len(images)) % 10
    labels = np.concatenate([b[1].numpy() for b in augmented_batches(images, y, 16, seed=0)])
    assert sorted(labels.tolist()) == sorted(y.tolist())


def test_recipes_augment_and_the_page_shows_how():
    for kind in KINDS.values():
        assert kind.recipe.augment and kind.recipe.version >= 3
        code = kind.code(kind.epochs, info=BUILTIN_INFO)
        assert "def build_augmenter" in code and "augmented" in kind.recipe.text()
        # the builder as it ran for the dataset: its values written in, no ``info``
        builder = code.split("def build_augmenter")[0]
        assert "info" not in builder and 'shape=(28, 28), dtype="uint8", name="digits"' in builder
        assert 'Dense(10, activation="softmax", name="digit_probabilities")' in builder
        if kind.recipe.augment_once:
            assert "def augmented_copy" in code and "augmented_copy(x_fit, y_fit)" in code
            assert "model.fit(x_aug, y_aug" in code
        else:
            assert "def augmented_batches" in code and "augmented_batches(x_fit, y_fit" in code


def test_a_copy_keeps_each_label_with_its_image(images, monkeypatch):
    monkeypatch.setattr(A, "COPY_GROUP", 16)  # 4 groups of 16 images
    y = np.arange(len(images)) % 10
    x2, y2 = augmented_copy(images, y, seed=0)
    assert x2.shape == images.shape and x2.dtype == np.uint8
    assert sorted(y2.tolist()) == sorted(y.tolist()) and not np.array_equal(y2, y)
    order = np.random.default_rng(0).permutation(len(y))
    assert np.array_equal(y2, y[order])
    k = round(16 * AUGMENTED_SHARE)
    for g in range(0, len(y), 16):  # the second half of each group is unchanged
        assert np.array_equal(x2[g + k:g + 16], images[order][g + k:g + 16])
        assert not np.array_equal(x2[g:g + k], images[order][g:g + k])
    again, _ = augmented_copy(images, y, seed=0)
    assert np.array_equal(x2, again)
    assert not np.array_equal(x2, augmented_copy(images, y, seed=1)[0])


@pytest.mark.parametrize("flips", [False, True])
def test_a_photo_dataset_gets_warps_and_flips_only_where_its_card_allows(flips):
    """A card that says ``kind: photo`` trains with the photo augmenter: warps (edges
    repeated) and, only with ``flips``, mirror images; no stroke or ink change (a uniform
    image stays the same colour), half of the batch as it is. The page shows that code."""
    import dataclasses

    quiet_tensorflow()
    rng = np.random.default_rng(0)
    x = np.zeros((64, 16, 16, 3), np.uint8)
    x[:, :, :8] = rng.integers(0, 256, (64, 1, 1, 3), dtype=np.uint8)  # left half coloured
    x[:, :, 8:] = 40
    out = A.build_photo_augmenter(seed=1, flips=flips)(x, 0).numpy()
    k = round(len(x) * AUGMENTED_SHARE)
    assert out.shape == x.shape and out.dtype == np.uint8
    assert np.array_equal(out[k:], x[k:])
    # mirrored: the coloured half is on the right
    mirrored = [abs(int(o[8, 14, 0]) - int(i[8, 1, 0])) <= 2 and abs(int(o[8, 1, 0]) - 40) <= 2
                for o, i in zip(out[:k], x[:k], strict=True)]
    assert (sum(mirrored) > 4) is flips
    flat = np.full((4, 12, 12), 77, np.uint8)
    assert (A.build_photo_augmenter(seed=2)(flat, 0).numpy() == 77).all()
    info = dataclasses.replace(BUILTIN_INFO, kind="photo", flips=flips)
    code = KINDS["mlp"].code(6, info=info)
    assert "def build_photo_augmenter" in code and "stroke_width" not in code
    assert f"photo_copy(x_fit, y_fit, flips={flips})" in code
