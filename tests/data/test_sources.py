"""Where a dataset comes from: image folders (both layouts, every image mode, bad files),
class names from each source, dataset cards, the folder cache and the export round trip
(data.sources, data.folder, data.card)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reportgen.data.card import BUILTIN_INFO, load_card
from reportgen.data.dataset import Dataset, digest, load_dataset
from reportgen.data.export import export_all
from reportgen.data.sources import DatasetSource, open_dataset
from reportgen.errors import DatasetError

COLOURS = [(220, 40, 40), (40, 40, 220), (40, 200, 40)]


def _image(rng, colour, size=(16, 20)) -> np.ndarray:
    a = rng.integers(0, 30, (*size, 3), dtype=np.uint8)
    a[4:10, 5:12] = colour
    return a


def make_folder(root: Path, *, splits=True, n=6, size=(16, 20), names=("a", "b", "c")):
    """Class folders of RGB images (PNG and JPEG mixed), under train/ and test/ or alone."""
    rng = np.random.default_rng(1)
    for split, k in ((("train", n), ("test", n // 2)) if splits else (("", n),)):
        for c, name in enumerate(names):
            d = root / split / name
            d.mkdir(parents=True, exist_ok=True)
            for i in range(k):
                im = Image.fromarray(_image(rng, COLOURS[c % 3], size))
                if i % 2:
                    im.save(d / f"x{i:02d}.jpg", quality=95)
                else:
                    im.save(d / f"x{i:02d}.png")
    return root


def src(path, **kw) -> DatasetSource:
    return DatasetSource(Path(path), **kw)


def test_train_test_folder_with_named_classes_and_bad_files(tmp_path):
    root = make_folder(tmp_path / "shapes")
    (root / "classes.txt").write_text("red circle\nblue/square\nvert clair\n", encoding="utf-8")
    (root / "train" / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    (root / "train" / "a" / ".DS_Store").write_bytes(b"\0\1")
    (root / "train" / "b" / "notes.txt").write_text("not an image")
    Image.new("RGB", (40, 30), (0, 0, 0)).save(root / "train" / "b" / "big.bmp")
    Image.new("P", (20, 16)).save(root / "train" / "c" / "pal.gif")
    Image.new("RGBA", (20, 16), (0, 0, 0, 0)).save(root / "test" / "c" / "clear.webp")

    ds = open_dataset(src(root))
    assert ds.info.classes == ("red circle", "blue/square", "vert clair")
    assert ds.x_train.shape == (6 * 3 + 2, 16, 20, 3) and ds.x_test.shape == (3 * 3 + 1, 16, 20, 3)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.uint8
    assert ds.class_counts("train") == [6, 7, 7] and ds.class_counts("test") == [3, 3, 4]
    assert ds.notes.resized == 1 and ds.notes.size == (16, 20)
    assert [w.split(":")[0] for w in ds.notes.warnings()] == ["train/a/broken.png"]
    assert "1 image of another size was resized to 16x20 px" in ds.info.source_note
    assert "1 unreadable file was left out" in ds.info.source_note
    # transparent pixels are white; the page's words are the data's, not MNIST's
    assert (ds.x_test[ds.y_test == 2][0] == 255).all()  # clear.webp sorts first
    assert ds.info.name == "shapes" and ds.info.slug == "shapes" and ds.info.noun == "class"


def test_class_folders_alone_are_split_stratified_and_seeded(tmp_path):
    root = make_folder(tmp_path / "flat", splits=False, n=10)
    a = open_dataset(src(root, test_fraction=0.3))
    b = open_dataset(src(root, test_fraction=0.3))
    c = open_dataset(src(root, test_fraction=0.3, seed=5))
    assert a.class_counts("test") == [3, 3, 3] and a.class_counts("train") == [7, 7, 7]
    assert a.digest == b.digest != c.digest
    assert a.notes.test_fraction == 0.3 and "30% of each class" in a.info.source_note
    assert open_dataset(src(root)).class_counts("test") == [2, 2, 2]  # default 0.2


def test_grey_images_stay_grey_and_numbered_folders_sort_by_number(tmp_path):
    root = tmp_path / "grey"
    for split in ("train", "test"):
        for label in (0, 1, 2, 10):
            d = root / split / str(label)
            d.mkdir(parents=True)
            for i in range(2):
                Image.fromarray(np.full((8, 8), label * 20 + i, np.uint8)).save(d / f"{i}.png")
    ds = open_dataset(src(root))
    assert ds.x_train.shape == (8, 8, 8)
    assert ds.info.classes == ("0", "1", "2", "10")
    assert int(ds.x_train[ds.y_train == 3][0, 0, 0]) == 200


@pytest.mark.parametrize("given", ["x,y,z", "file"])
def test_classes_option_names_the_classes(tmp_path, given):
    root = make_folder(tmp_path / "d")
    (root / "classes.txt").write_text("not\nthese\nnames\n")
    if given == "file":
        (tmp_path / "names.txt").write_text("x\n\n y \nz\n")
        given = str(tmp_path / "names.txt")
    assert open_dataset(src(root, classes=given)).info.classes == ("x", "y", "z")


def test_folder_names_are_the_classes_without_a_names_file(tmp_path):
    root = make_folder(tmp_path / "d", names=("zebra", "ant", "émeu"))
    assert open_dataset(src(root)).info.classes == ("ant", "zebra", "émeu")


def test_an_empty_class_folder_is_left_out_with_a_warning(tmp_path):
    root = make_folder(tmp_path / "d")
    (root / "train" / "empty").mkdir()
    ds = open_dataset(src(root))
    assert ds.info.classes == ("a", "b", "c")
    assert ds.notes.warnings() == ["train/empty: class folder holds no images, left out"]


@pytest.mark.parametrize("case, message", [
    ("test-only", "class 'd' has test images but no training images"),
    ("one-class", "a classifier needs 2 or more"),
    ("tiny", "the smallest supported side is 8 px"),
    ("names", "2 class names for 3 class folders"),
    ("no-test", "has a train/ folder but no test/ folder"),
    ("fraction", "--test-fraction applies only to a folder of class folders alone"),
])
def test_bad_folders_are_one_line_errors(tmp_path, case, message):
    root = make_folder(tmp_path / "d", names=("a",) if case == "one-class" else ("a", "b", "c"),
                       size=(6, 6) if case == "tiny" else (16, 20))
    kw = {}
    if case == "test-only":
        (root / "test" / "d").mkdir()
        Image.new("RGB", (20, 16)).save(root / "test" / "d" / "1.png")
    elif case == "names":
        kw["classes"] = "x,y"
    elif case == "no-test":
        os.rename(root / "test", tmp_path / "elsewhere")
    elif case == "fraction":
        kw["test_fraction"] = 0.5
    with pytest.raises(DatasetError, match=message) as exc:
        open_dataset(src(root, **kw))
    assert "\n" not in str(exc.value)


def test_npz_labels_outside_the_class_names(tmp_path):
    x = np.zeros((4, 12, 12), np.uint8)
    y = np.array([0, 1, 2, 1], np.uint8)
    np.savez(tmp_path / "d.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    with pytest.raises(DatasetError, match="labels go up to 2, outside the 2 class names"):
        open_dataset(src(tmp_path / "d.npz", classes="a,b"))
    (tmp_path / "classes.txt").write_text("a\nb\nc\n")
    assert open_dataset(src(tmp_path / "d.npz")).info.classes == ("a", "b", "c")
    with pytest.raises(DatasetError, match="applies to a folder of images"):
        open_dataset(src(tmp_path / "d.npz", image_size="8x8"))


def test_idx_folder_gets_names_from_classes_txt(tmp_path):
    import gzip
    import struct

    root = tmp_path / "fashion"
    root.mkdir()
    x = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    y = np.array([0, 1, 2], np.uint8)
    for stem, arr, magic in (("train-images-idx3-ubyte", x, 0x803),
                             ("train-labels-idx1-ubyte", y, 0x801),
                             ("t10k-images-idx3-ubyte", x, 0x803),
                             ("t10k-labels-idx1-ubyte", y, 0x801)):
        head = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in arr.shape)
        with gzip.open(root / f"{stem}.gz", "wb") as fh:
            fh.write(head + arr.tobytes())
    (root / "classes.txt").write_text("T-shirt/top\nTrouser\nPullover\n")
    ds = open_dataset(src(root))
    assert ds.info.classes == ("T-shirt/top", "Trouser", "Pullover")
    assert ds.info is not BUILTIN_INFO and ds.info.name == "fashion"
    # without names, 28x28 with 10 or fewer labels reads as the embedded MNIST
    (root / "classes.txt").unlink()
    assert open_dataset(src(root)).info is BUILTIN_INFO


def test_the_cache_answers_a_warm_load_and_notices_a_change(tmp_path):
    root = make_folder(tmp_path / "d")
    cache = tmp_path / "cache"
    first = open_dataset(src(root, cache_dir=cache))
    again = open_dataset(src(root, cache_dir=cache))
    assert not first.notes.cached and again.notes.cached and again.digest == first.digest
    assert again.info == first.info
    img = root / "train" / "a" / "x00.png"
    Image.new("RGB", (20, 16), (9, 9, 9)).save(img)
    os.utime(img, ns=(1, 1))
    changed = open_dataset(src(root, cache_dir=cache))
    assert not changed.notes.cached and changed.digest != first.digest


def test_an_export_loads_back_into_the_same_arrays(tmp_path):
    rng = np.random.default_rng(0)
    x_tr = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    y_tr = rng.integers(0, 10, 30).astype(np.uint8)
    x_te = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    y_te = rng.integers(0, 10, 12).astype(np.uint8)
    ds = Dataset(x_tr, y_tr, x_te, y_te, tmp_path / "m.npz", digest(x_tr, y_tr, x_te, y_te))
    export_all(ds, tmp_path / "export", workers=2)
    back = open_dataset(src(tmp_path / "export", workers=2))
    assert back.digest == ds.digest and back.info is ds.info is BUILTIN_INFO


def test_a_markdown_card_gives_the_words(tmp_path):
    root = make_folder(tmp_path / "d")
    card = tmp_path / "card.md"
    card.write_text("---\nname: Shapes & Co\nlicense: CC0\nhomepage: https://example.org/s\n"
                    "description: Coloured blobs.\nnoun: shape\ncitation: Me, 2026.\n---\n"
                    "Blobs in **three** colours, {train_total} for training.\n", encoding="utf-8")
    info = open_dataset(src(root, card=card)).info
    assert (info.name, info.slug, info.licence, info.noun) == ("Shapes & Co", "shapes-co",
                                                                "CC0", "shape")
    assert info.description.startswith("Blobs in **three** colours")
    assert info.page_description == "Coloured blobs."
    assert info.references == ("[Shapes & Co's homepage](https://example.org/s)",)
    for bad, message in (("---\nname: [x\n---\n", "bad YAML front matter"),
                         ("---\nname: X\nflavour: 1\n---\n", "unknown key"),
                         ("no front matter", "starts with YAML front matter"),
                         ("---\nheight: 99\n---\n", "the card says height 99")):
        card.write_text(bad)
        with pytest.raises(DatasetError, match=message):
            open_dataset(src(root, card=card))


def test_the_embedded_card_is_markdown(tmp_path):
    info = load_card(Path(BUILTIN_INFO.data).parent / "mnist.md")
    assert info == BUILTIN_INFO and info.kind == "ink" and "{train_total}" in info.description
    assert load_dataset(BUILTIN_INFO.data).info is BUILTIN_INFO
