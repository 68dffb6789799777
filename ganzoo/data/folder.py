"""A folder of images a user brings: `[data] name = "folder"`, `path = "..."`.

    [data]
    name = "folder"
    path = "~/pictures/faces"   # PNG and JPEG files, found recursively
    image_size = 64             # shorter side resized to 64, then centre-cropped to 64 x 64
    channels = 3                # 3 (RGB, the default) or 1 (grey)
    labels = "subfolders"       # optional: class = sub-folder of path, sorted names -> 0..K-1

Only the file list (and labels) is held in memory; `ganzoo.data.decode` reads, decodes, resizes
and crops each image as the training stream needs it, so images of mixed sizes are fine. Files
whose names do not end in .png, .jpg or .jpeg are skipped, as are hidden files and folders;
every image's first bytes are checked when the folder is scanned, so a file that is not a PNG
or JPEG is named before training starts.

The folder's own order, which `[data].train` and `[data].validation` cut into ranges as they cut
MNIST's training split, is the images sorted by a hash of their relative path: pseudo-random
(a range holds every class) and the same on every machine. A folder has no test split of its
own: `test` is the validation range when one is set, else the training images (FID against the
training images is how CelebA and LSUN FIDs are usually reported).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
import hashlib
import os
from pathlib import Path

import numpy as np

from ganzoo.data.examples import DataError, StreamedExamples, check_split
from ganzoo.data.images import PIXEL_RANGES
from ganzoo.data.images import split_ranges

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# The first bytes of the formats tf.io.decode_image reads that a folder may hold.
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@dataclass(frozen=True, eq=False)
class FolderFiles:
    """The images of one split: their paths and labels (int64, or None), in the folder's order."""

    paths: np.ndarray  # bytes (os.fsencode): 1 byte a character
    labels: np.ndarray | None
    _tables: dict = dataclasses.field(default_factory=dict, repr=False)

    def __len__(self):
        return len(self.paths)

    @property
    def labelled(self):
        return self.labels is not None

    def read(self, index):
        """(encoded bytes, label or None) of image `index` (a scalar int64 tensor)."""
        import tensorflow as tf

        tables = self.tables()
        label = tables["labels"].lookup(index) if "labels" in tables else None
        return tf.io.read_file(tables["paths"].lookup(index)), label

    def tables(self):
        """index -> path (and label) lookup tables, made once. As constants, the paths would be
        copied into each traced graph and each tf.data rewrite of it (measured: ~2 KB an image)."""
        import tensorflow as tf

        if not self._tables:
            with tf.init_scope(), tf.device("/cpu:0"):
                keys = tf.range(len(self.paths), dtype=tf.int64)
                columns = {"paths": (self.paths, b""), "labels": (self.labels, -1)}
                for name, (values, default) in columns.items():
                    if values is not None:
                        self._tables[name] = tf.lookup.StaticHashTable(
                            tf.lookup.KeyValueTensorInitializer(keys, values), default)
        return self._tables

    def part(self, chosen):
        return FolderFiles(self.paths[chosen], None if self.labels is None else self.labels[chosen])


def folder_spec(config, template):
    """The DatasetSpec of a folder recipe: its shape from [data].image_size and channels, its
    classes from the sub-folders when labels = 'subfolders' (their names only: no full scan)."""
    classes = len(class_names(existing_root(config))) if config.labels == "subfolders" else 0
    return dataclasses.replace(template, shape=folder_shape(config), classes=classes)


def folder_shape(config):
    return (config.image_size, config.image_size, config.channels or 3)


def load_folder(config, split) -> StreamedExamples:
    """The `split` of the folder `config.path`: its file list, streamed (see the module doc)."""
    check_split("folder", split)
    files = scan(str(existing_root(config)), config.labels)
    train, validation = split_ranges(config, f"folder {config.path}", len(files), split)
    chosen = validation if split == "validation" or (split == "test" and validation) else train
    return StreamedExamples(files.part(chosen), "folder", folder_shape(config),
                            config.preprocess, PIXEL_RANGES[config.preprocess])


def existing_root(config):
    root = Path(config.path).expanduser()
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise DataError(f"folder {root} {what}: set [data].path to the folder of PNG and JPEG "
                        "images")
    return root


def class_names(root):
    """The sorted names of the visible sub-folders of `root`: the classes 0..K-1."""
    return sorted(entry.name for entry in os.scandir(root)
                  if entry.is_dir() and not entry.name.startswith("."))


@functools.lru_cache(maxsize=4)
def scan(root, labels):
    """Every image under `root` (str) as FolderFiles in the folder's order, headers checked."""
    root = Path(root)
    paths, skipped, seen = [], [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a linked folder met twice (or a link to a folder above it)
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            (paths if name.lower().endswith(IMAGE_SUFFIXES) else skipped).append(
                os.path.join(folder, name))
    if not paths:
        found = f" (only {len(skipped)} other files, e.g. {skipped[0]})" if skipped else ""
        raise DataError(f"folder {root} holds no PNG or JPEG images{found}; set [data].path to "
                        "a folder of .png, .jpg or .jpeg files (sub-folders are searched)")
    # The folder's order: by a hash of each relative path (ties by path), kept as NumPy arrays
    # so that 200,000 paths cost ~10 MB, not Python objects ten times that.
    prefix = len(os.path.join(str(root), ""))
    keys = np.array([_order_key(path[prefix:]) for path in paths], np.uint64)
    encoded = np.array([os.fsencode(path) for path in paths])
    del paths
    encoded = encoded[np.lexsort((encoded, keys))]
    for path in encoded:
        check_header(path)
    if labels != "subfolders":
        return FolderFiles(encoded, None)
    return FolderFiles(encoded, _subfolder_labels(root, [os.fsdecode(path)[prefix:]
                                                         for path in encoded]))


def _order_key(relative):
    text = relative.replace(os.sep, "/")
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _subfolder_labels(root, relative):
    names = class_names(root)
    tops = [path.split(os.sep, 1) for path in relative]
    loose = [parts[0] for parts in tops if len(parts) == 1]
    if loose:
        raise DataError(f"folder {root}: [data].labels = 'subfolders' but {len(loose)} images lie "
                        f"directly in it (e.g. {loose[0]}); put each image in its class's "
                        "sub-folder, or set labels = 'none'")
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index[parts[0]] for parts in tops], np.int64)
    empty = [name for i, name in enumerate(names) if not np.any(labels == i)]
    if empty:
        raise DataError(f"folder {root}: [data].labels = 'subfolders' but the class folder "
                        f"{empty[0]!r} holds no PNG or JPEG images; remove it or add images")
    labels.setflags(write=False)
    return labels


def check_header(path):
    """A DataError naming `path` (str or bytes) unless it starts like a PNG or JPEG file."""
    path = os.fsdecode(path)
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError as error:
        raise DataError(f"folder image {path}: cannot read it: {error.strerror}") from None
    if not head.startswith(SIGNATURES):
        raise DataError(f"folder image {path} is not a readable PNG or JPEG image "
                        f"(it starts {head[:8]!r}); remove it or convert it")
