"""Real-vs-real floors of the feature metrics, so a number can be read: what FID, KID,
precision / recall and density / coverage give when the real training images stand where the
generator's samples stood, against the same real test images, with the same count and the same
feature extractor. FID 3.1 alone says little; beside a floor of 0.9 it says how far from real
data the generator is, and a GAN cannot be expected below it at that sample count (FID and KID
are biased upward at small counts; precision and recall of real data are not 1).

A floor depends only on the data (the recipe's [data] keys), the extractor (its weights file,
by path, size and modification time) and the count, never on the generator, so it is computed
once and cached as GANZOO_HOME/floors/<dataset>-<metric>-<count>-<hash>.json, the hash taken
over all of those (and FLOOR_VERSION). An extractor without a weights file (random InceptionV3
weights, for tests) is not cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from ganzoo.data import recipe_examples
from ganzoo.eval.classifier import ganzoo_home

FLOOR_VERSION = 1  # bump when a metric's formula or protocol changes: old floors are then unused
SUFFIX = "_floor"  # `fid` -> `fid_floor` in the report, eval.json and TensorBoard (eval/fid_floor)


def real_floor(evaluation, metric, count, values_of, keys):
    """({key + SUFFIX: value} for `keys`, a protocol note) of `values_of(train features, test
    features)` on the first `count` training and test images of the evaluation's recipe, from
    the cache when it holds them. ({}, note) when the test images are the training images (a
    folder without a validation range): the floor would be 0 by construction."""
    recipe = evaluation.recipe
    identity = floor_identity(recipe, evaluation.extractor, metric, count)
    path = cache_path(identity)
    entry = read_cache(path, identity)
    if entry is None:
        train = recipe_examples(recipe, "train").subset(count)
        test = recipe_examples(recipe, "test").subset(count)
        entry = {"train_images": len(train), "test_images": len(test), "values": {}}
        if not same_images(train, test):
            values = values_of(evaluation.extract("train", train)[0],
                               evaluation.extract("test", test)[0])
            entry["values"] = {key + SUFFIX: float(values[key]) for key in keys}
        write_cache(path, identity, entry)
    if not entry["values"]:
        return {}, "no real-vs-real floor: the test images are the training images"
    note = (f"floor: {entry['train_images']} training images ([data].train = "
            f"{list(recipe.data.train)}) vs {entry['test_images']} test images")
    return dict(entry["values"]), note


def same_images(train, test, check=16):
    """Whether the two splits begin with the same images (then they are one set)."""
    check = min(check, len(train), len(test))
    return len(train) == len(test) and np.array_equal(train[:check], test[:check])


def floor_identity(recipe, extractor, metric, count):
    """Everything that decides a floor, as JSON-able data; None `extractor` file: uncacheable."""
    return {"version": FLOOR_VERSION, "metric": metric, "count": int(count),
            "data": dataclasses.asdict(recipe.data), "extractor": extractor_identity(extractor)}


def extractor_identity(extractor):
    """The extractor's name and weights file (path, size, modification time), or None when it
    has no file (random weights): then a floor is computed each time, never cached."""
    path = getattr(extractor, "path", None) or getattr(extractor, "weights", None)
    if path is None or not Path(path).is_file():
        return None
    stat = Path(path).stat()
    return {"name": extractor.name, "file": str(Path(path).resolve()), "bytes": stat.st_size,
            "modified_ns": stat.st_mtime_ns}


def cache_path(identity):
    """GANZOO_HOME/floors/<dataset>-<metric>-<count>-<hash>.json; None when uncacheable."""
    if identity["extractor"] is None:
        return None
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    dataset = re.sub(r"[^A-Za-z0-9_.-]", "_", identity["data"]["name"])
    return (ganzoo_home() / "floors"
            / f"{dataset}-{identity['metric']}-{identity['count']}-{digest}.json")


def read_cache(path, identity):
    """The cached entry for `identity`, or None (no file, unreadable, or another identity)."""
    if path is None:
        return None
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(cached, dict) or cached.get("identity") != identity:
        return None
    return cached.get("entry")


def write_cache(path, identity, entry):
    """Write the entry atomically (two evaluations may compute the same floor at once)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".partial-{os.getpid()}-{path.name}")
    partial.write_text(json.dumps({"identity": identity, "entry": entry}, indent=2) + "\n")
    os.replace(partial, path)
