"""Images a user brings: a folder of PNG/JPEG files and a TFDS dataset by name, streamed from disk.

Tiny images written into tmp_path; a tiny TFDS dataset prepared offline with
`tfds.dataset_builders.store_as_tfds_dataset`.
"""

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo import cli
from ganzoo.config import DataConfig
from ganzoo.data import DataError, load_examples, recipe_examples, stream_dataset
from ganzoo.recipe import load_recipe
from tests.test_cli import assert_user_error, ganzoo as run_cli


def write_image(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path)


def solid(value, height=6, width=6):
    return np.full((height, width, 3), value, np.uint8)


def folder_config(path, **keys):
    return DataConfig(name="folder", path=str(path), **{"image_size": 4, **keys})


def write_recipe(tmp_path, data, extra=""):
    lines = "\n".join(f"{key} = {value!r}".replace("'", '"') for key, value in data.items())
    path = tmp_path / "recipe.toml"
    path.write_text(f'[data]\nname = "folder"\n{lines}\n' + textwrap.dedent(extra))
    return path


def test_images_are_found_recursively_and_other_files_skipped(tmp_path):
    wanted = ["a.png", "b.JPG", "deep/er/c.jpeg", "deep/d.png"]
    for name in wanted:
        write_image(tmp_path / name, solid(100))
    for name in ("notes.txt", ".hidden.png", ".cache/e.png", "deep/thumbs.db"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"not an image")
    examples = load_examples(folder_config(tmp_path), "train", seed=0)
    found = sorted(str(Path(os.fsdecode(path)).relative_to(tmp_path))
                   for path in examples.source.paths)
    assert found == sorted(wanted)
    assert not examples.in_memory and examples.shape == (4, 4, 3) and not examples.labelled


def test_shorter_side_is_resized_then_the_centre_cropped(tmp_path):
    # A 20 x 60 ramp (value 4 * column) resized by 0.5 to 10 x 30, then columns 10..19 kept:
    # output column c samples input column (c + 10 + 0.5) / 0.5 - 0.5 = 2c + 20.5, value 8c + 82
    # (bilinear keeps a linear ramp away from the borders; 0.5 from rounding to uint8).
    columns = np.arange(60, dtype=np.float32)
    landscape = np.zeros((20, 60, 3), np.float32)
    landscape[..., 0] = 4 * columns
    landscape[..., 1] = 77
    write_image(tmp_path / "wide" / "ramp.png", landscape)
    # The same turned on its side: the ramp runs down the rows and the crop keeps rows 10..19.
    write_image(tmp_path / "tall" / "ramp.png", landscape.transpose(1, 0, 2))
    expected = 8 * np.arange(10) + 82
    for name, axis in (("wide", 1), ("tall", 0)):
        x = load_examples(folder_config(tmp_path / name, image_size=10), "train", 0).subset(9)
        assert x.shape == (1, 10, 10, 3)
        ramp = np.moveaxis(x[0, ..., 0] * 255, axis, 1)
        np.testing.assert_allclose(ramp, np.broadcast_to(expected, (10, 10)), atol=0.51)
        np.testing.assert_allclose(x[0, ..., 1] * 255, 77, atol=0.51)


def test_pixel_ranges_follow_preprocess_and_channels(tmp_path):
    write_image(tmp_path / "a.png", solid(255))
    write_image(tmp_path / "b.png", solid(0))
    unit = load_examples(folder_config(tmp_path), "train", 0)
    symmetric = load_examples(folder_config(tmp_path, preprocess="symmetric"), "train", 0)
    grey = load_examples(folder_config(tmp_path, channels=1), "train", 0)
    assert unit.value_range == (0.0, 1.0) and symmetric.value_range == (-1.0, 1.0)
    assert sorted(unit.subset(2)[:, 0, 0, 0]) == [0.0, 1.0]
    assert sorted(symmetric.subset(2)[:, 0, 0, 0]) == [-1.0, 1.0]
    assert grey.subset(2).shape == (2, 4, 4, 1)


def test_labels_are_the_sorted_subfolders(tmp_path):
    colours = {"b_dogs": 50, "a_cats": 150, "c_owls": 250}
    for name, value in colours.items():
        for i in range(3):
            write_image(tmp_path / name / ("nested" if i else "") / f"{i}.png", solid(value))
    recipe = load_recipe(write_recipe(tmp_path, {"path": str(tmp_path), "image_size": 4,
                                                 "labels": "subfolders"}))
    assert recipe.dataset.classes == 3 and recipe.data_shape == (4, 4, 3)
    examples = recipe_examples(recipe)
    batch = next(iter(stream_dataset(examples, 9, 1, seed=0, cache_bytes=0)))[0]
    value_of_class = {0: 150, 1: 50, 2: 250}  # a_cats, b_dogs, c_owls
    pixels = np.round(batch["x"].numpy()[:, 0, 0, 0] * 255)
    assert sorted(batch["label"].numpy()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [value_of_class[label] for label in batch["label"].numpy()] == list(pixels)


def steps(dataset, count):
    return [np.concatenate([part["x"].numpy().reshape(len(part["x"]), -1) for part in element])
            for element in dataset.take(count)]


def test_batches_are_a_function_of_the_step(tmp_path):
    for i in range(13):  # 13 examples, steps of 2 x 3: steps span epochs
        write_image(tmp_path / f"{i:02d}.png", solid(i * 19))
    examples = load_examples(folder_config(tmp_path), "train", 0)
    streamed = steps(stream_dataset(examples, 3, 2, seed=5, cache_bytes=0), 8)
    again = steps(stream_dataset(examples, 3, 2, seed=5, cache_bytes=0), 8)
    resumed = steps(stream_dataset(examples, 3, 2, seed=5, start_step=5, cache_bytes=0), 3)
    cached = steps(stream_dataset(examples, 3, 2, seed=5), 8)  # small: decoded once, gathered
    for a, b, c in zip(streamed, again, cached):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    for a, b in zip(streamed[5:], resumed):
        np.testing.assert_array_equal(a, b)
    # Every epoch (13 examples) is a permutation: the first 13 rows hold each image once.
    first = np.concatenate(streamed)[:13, 0]
    assert sorted(np.round(first * 255).astype(int)) == [i * 19 for i in range(13)]
    other = steps(stream_dataset(examples, 3, 2, seed=6, cache_bytes=0), 2)
    assert not np.array_equal(np.concatenate(other), np.concatenate(streamed[:2]))


def bad_folder(tmp_path, case):
    """(the [data] keys, the text the one-line error must hold) of one bad folder."""
    images = tmp_path / "images"
    if case == "missing":
        return {"path": str(images), "image_size": 8}, [f"folder {images} does not exist"]
    images.mkdir()
    if case == "empty":
        (images / "notes.txt").write_text("no pictures")
        return {"path": str(images), "image_size": 8}, ["holds no PNG or JPEG images",
                                                        "notes.txt"]
    write_image(images / "cats" / "a.png", solid(1))
    if case == "not_an_image":
        (images / "cats" / "broken.jpg").write_text("<html>")
        return {"path": str(images), "image_size": 8}, [
            f"folder image {images / 'cats' / 'broken.jpg'} is not a readable PNG or JPEG"]
    if case == "loose_image_with_subfolders":
        write_image(images / "stray.png", solid(2))
        return {"path": str(images), "image_size": 8, "labels": "subfolders"}, [
            "labels = 'subfolders' but 1 images lie directly in it (e.g. stray.png)"]
    if case == "zero_size":
        return {"path": str(images), "image_size": 0}, [
            "[data].image_size = 0 is impossible for 'folder'", "give a positive size"]
    if case == "negative_size":
        return {"path": str(images), "image_size": -3}, ["[data].image_size = -3 is impossible"]
    raise ValueError(case)


@pytest.mark.parametrize("case", ["missing", "empty", "loose_image_with_subfolders",
                                  "zero_size", "negative_size"])
def test_bad_folders_get_one_line_and_write_nothing(tmp_path, capsys, case):
    # `ganzoo.cli.main` in this process (the same code as the command, without a TensorFlow
    # start-up per case); test_a_folder_trains_from_the_command_line runs the real command.
    data, expected = bad_folder(tmp_path, case)
    run_dir = tmp_path / "run"
    assert cli.main(["train", str(write_recipe(tmp_path, data)), "--run-dir", str(run_dir)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), lines
    for text in expected:
        assert text in lines[0], lines[0]
    assert not run_dir.exists()


TINY_MLP = """
[model.generator]
units = [8]
activations = ["relu"]
[model.discriminator]
units = [8]
pieces = 2
[train]
batch_size = 8
steps_per_epoch = 3
epochs = 1
log_every = 1
"""


def test_a_folder_trains_from_the_command_line(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(20):  # mixed sizes and formats
        write_image(tmp_path / "pictures" / f"{i}.{'png' if i % 2 else 'jpg'}",
                    rng.integers(0, 256, (9 + i % 4, 8 + i % 3, 3)))
    recipe = write_recipe(tmp_path, {"path": str(tmp_path / "pictures"), "image_size": 8,
                                     "preprocess": "symmetric"}, TINY_MLP)
    result = run_cli("train", recipe, "--run-dir", tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "run" / "checkpoints").iterdir())
    assert f'path = "{tmp_path / "pictures"}"' in (tmp_path / "run" / "recipe.toml").read_text()
    (tmp_path / "pictures" / "9.png").write_bytes(b"GIF89a")  # a bad file, named, exit 2
    bad = run_cli("train", recipe, "--run-dir", tmp_path / "run2", cwd=tmp_path)
    assert_user_error(bad, f"folder image {tmp_path / 'pictures' / '9.png'} is not a readable")
    assert not (tmp_path / "run2").exists()



def test_a_damaged_image_behind_a_good_header_is_named_or_caught(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(1)
    for i in range(12):
        write_image(tmp_path / "pictures" / f"{i}.png", rng.integers(0, 256, (8, 8, 3)))
    broken = tmp_path / "pictures" / "5.png"
    broken.write_bytes(broken.read_bytes()[:40])  # the PNG signature and a cut-off header
    recipe = write_recipe(tmp_path, {"path": str(tmp_path / "pictures"), "image_size": 8},
                          TINY_MLP)
    # A small folder is decoded before training: the broken file is named, nothing written.
    assert cli.main(["train", str(recipe), "--run-dir", str(tmp_path / "run")]) == 2
    error = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(error) == 1 and f"image {broken} cannot be decoded" in error[0], error
    assert not (tmp_path / "run").exists()
    # A streamed one meets it during training: a DataError, not TensorFlow's traceback.
    monkeypatch.setattr("ganzoo.data.pipeline.CACHE_BYTES", 0)
    with pytest.raises(DataError, match="cannot be decoded during training, at about step"):
        ganzoo.train(load_recipe(recipe), tmp_path / "streamed", verbose=0)

# -- A TFDS dataset by name -----------------------------------------------------------------------

tfds = pytest.importorskip("tensorflow_datasets")


def store_tfds(data_dir, name="tiny_faces", label=True, image=True):
    """A prepared TFDS dataset with 12 train and 4 test images of mixed sizes."""
    rng = np.random.default_rng(0)
    features = {"attribute": tfds.features.Tensor(shape=(), dtype=np.bool_)}
    if image:
        features["image"] = tfds.features.Image(shape=(None, None, 3))
    if label:
        features["label"] = tfds.features.ClassLabel(num_classes=3)

    def examples(count):
        rows = []
        for i in range(count):
            row = {"attribute": bool(i % 2)}
            if image:
                row["image"] = rng.integers(0, 256, (10 + i % 3, 12, 3), dtype=np.uint8)
            if label:
                row["label"] = i % 3
            rows.append((str(i), row))
        return rows

    tfds.dataset_builders.store_as_tfds_dataset(
        name=name, version="1.0.0", features=tfds.features.FeaturesDict(features),
        split_datasets={"train": examples(12), "test": examples(4)}, data_dir=str(data_dir),
        disable_shuffling=True)


def named(**keys):
    return DataConfig(name="tfds:tiny_faces", **keys)


def test_a_prepared_tfds_dataset_by_name(tmp_path, monkeypatch):
    store_tfds(tmp_path)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    config = named(image_size=6, train=[0, 9], validation=[9, 0])
    (tmp_path / "r.toml").write_text('[data]\nname = "tfds:tiny_faces"\nimage_size = 6\n')
    recipe = ganzoo.load_recipe(tmp_path / "r.toml")
    assert recipe.dataset.classes == 3 and recipe.data_shape == (6, 6, 3)
    sizes = {split: len(load_examples(config, split, 0)) for split in ("train", "validation",
                                                                      "test")}
    assert sizes == {"train": 9, "validation": 3, "test": 4}
    train = load_examples(config, "train", 0)
    streamed = next(iter(stream_dataset(train, 9, 1, seed=0, cache_bytes=0)))[0]
    cached = next(iter(stream_dataset(train, 9, 1, seed=0)))[0]
    assert sorted(streamed["label"].numpy()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]  # i % 3 of 0..8
    assert streamed["x"].shape == (9, 6, 6, 3) and 0 <= streamed["x"].numpy().min()
    for key in ("x", "label"):
        np.testing.assert_array_equal(streamed[key].numpy(), cached[key].numpy())
    with pytest.raises(DataError, match="not of one square size; set .data..image_size"):
        load_examples(named(), "train", 0)


def test_tfds_by_name_without_a_prepared_copy_or_an_image(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError) as error:
        load_examples(named(image_size=6), "train", 0)
    message = str(error.value)
    assert "tfds:tiny_faces: no prepared TFDS copy in " + str(tmp_path) in message
    assert "tfds build tiny_faces" in message and "\n" not in message
    store_tfds(tmp_path, image=False)
    with pytest.raises(DataError, match="tfds:tiny_faces: has no image feature .its features: "
                                        "attribute, label"):
        load_examples(named(image_size=6), "train", 0)
