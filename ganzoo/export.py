"""Export a run's generator for TensorFlow Serving.

    exported/models.config                              every model below (ModelServerConfig text)
    exported/NAME/3/saved_model.pb, variables/          tag "serve": serving_default, sample
    exported/NAME/3/assets.extra/tf_serving_warmup_requests   one PredictionLog per signature
    exported/NAME/3/assets.extra/ganzoo.json            recipe, steps, metrics, TF version, ...
    exported/NAME/3/assets.extra/recipe.toml            the resolved recipe

TF Serving loads the highest integer directory of `exported/NAME/` and ignores every other
entry, so a version is written into `exported/NAME/.tmp-XXXX/` and renamed into place whole:
the server never sees a half-written version, and an existing version is never overwritten.
TF Serving reads nothing in assets.extra/ but the warm-up file, so ganzoo's metadata lives
there too, inside the version it describes.

Signatures (method predict; every output is batch-major, so REST's row and columnar formats
both work):

    serving_default   z     float32 [batch, latent_dim]  -> OUTPUTS
    sample            seed  int64   [batch]              -> OUTPUTS, z drawn per seed (stateless)

OUTPUTS for images: `images` uint8 [batch, H, W, C] and `pixels` float32 [batch, H, W, C] in
the data's range; for toy data: `points` float32 [batch, dims]. The signatures follow the
generator's inputs: every input besides `z` (a conditional generator's `label` int64 [batch])
is added to both, to the warm-up requests and to `ServedGenerator`, by its name and dtype
(an inpainting generator's `observed` and `mask` float32 [batch, H, W, C]: its output is then
the composite, the observed pixels kept).

A family may serve more than its generator (`GAN.serving_signatures`: {name: (fn, input
specs)}): each becomes one more signature of the same SavedModel, with its warm-up request,
listed in ganzoo.json's `family_signatures`. The `bigan` family's:

    encode            x     float32 [batch, *data shape] (data's range) -> z float32 [batch, latent]
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ganzoo.errors import GanzooError

CONFIG_FILE = "models.config"
CONFIG_BASE = "/models"  # where the tensorflow/serving container expects exported/ mounted
METADATA_FILE = "ganzoo.json"
WARMUP_FILE = "tf_serving_warmup_requests"
WARMUP_BATCH = 2
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class ExportError(GanzooError):
    """A bad model name, export folder or server config path."""


def export_run(run_dir, to="exported", name=None, config_base=CONFIG_BASE):
    """Export the newest checkpoint of `run_dir` as `to/NAME/<next version>`; returns its path.

    `name` defaults to the recipe's name with '/' -> '_' ("toy_ring8"). `to/models.config` is
    rewritten to list every exported model under `config_base` (absolute, as the server sees
    `to`). A bad run, name or config_base raises before anything is written.
    """
    from ganzoo.build import load_gan

    run_dir, root = Path(run_dir), Path(to)
    if name is not None:
        check_name(name)
    if not config_base.startswith("/"):
        raise ExportError(f"--config-base {config_base}: must be an absolute path, as the "
                          f"server sees the export folder (e.g. {CONFIG_BASE})")
    if root.exists() and not root.is_dir():
        raise ExportError(f"--to {root}: exists and is not a directory")
    serving_protos()
    gan, run, info = load_gan(run_dir)
    recipe = run.recipe
    recipe_name = recipe.name
    name = name or default_name(recipe_name, run_dir)
    extra = extra_input_specs(gan.generator)
    family_signatures = gan.serving_signatures()  # a BiGAN's `encode`, ...
    metadata = describe(run_dir, recipe, recipe_name, info, gan.prior, name, extra)
    metadata["family_signatures"] = {signature: {spec.name: spec.dtype.name for spec in specs}
                                     for signature, (_, specs) in family_signatures.items()}
    archive = build_archive(gan.generator, gan.prior, output_kind(recipe), extra,
                            family_signatures)
    warmup = warmup_inputs(gan.prior.dim, extra, family_signatures)

    def write(path):
        archive.write_out(str(path), verbose=False)
        extra = Path(path) / "assets.extra"
        extra.mkdir()
        write_warmup(extra / WARMUP_FILE, name, warmup)
        (extra / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        (extra / "recipe.toml").write_text(recipe.to_toml())

    version_dir = publish(root / name, write)
    write_models_config(root, config_base)
    return version_dir


def serving_protos():
    """tensorflow_serving's protos (warm-up requests, models.config), or how to install them."""
    try:
        from tensorflow_serving.apis import predict_pb2, prediction_log_pb2
        from tensorflow_serving.config import model_server_config_pb2
    except ImportError:
        raise ExportError("export needs the TF Serving protos: pip install --no-deps "
                          "'tensorflow-serving-api==2.21.*' (--no-deps: its `tensorflow` "
                          "dependency would pull the GPU wheel beside tensorflow-cpu)") from None
    return predict_pb2, prediction_log_pb2, model_server_config_pb2


def check_name(name):
    """A model name is one path component TF Serving and URLs take as is."""
    if not NAME_PATTERN.fullmatch(name):
        raise ExportError(f"--name {name!r}: use letters, digits, '_', '-' and '.' only "
                          "(not starting with '.' or '-')")


def default_name(recipe_name, run_dir):
    """'toy/ring8' -> 'toy_ring8'; a run of an unknown recipe is named after its folder."""
    base = recipe_name or Path(run_dir).resolve().name
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", base.replace("/", "_")).lstrip(".-")
    return name or "model"


def output_kind(recipe):
    """`points` for toy data; images of a fixed range, by its `[data].preprocess` name (`unit`:
    [0, 1], `symmetric`: [-1, 1]), or `minmax` (unbounded, e.g. GCN)."""
    from ganzoo.data.images import PIXEL_RANGES

    if recipe.dataset.kind == "toy":
        return "points"
    return recipe.data.preprocess if recipe.data.preprocess in PIXEL_RANGES else "minmax"


def named_outputs(samples, kind):
    """The signature outputs for generator samples: `points`, or `images` (uint8) + `pixels`.

    `unit` images are round(clip(x, 0, 1) * 255), `symmetric` ones (a tanh generator's [-1, 1])
    round(clip((x + 1) / 2, 0, 1) * 255). `minmax` images (data without a fixed range, such as
    contrast-normalised CIFAR-10) are each scaled from their own min..max to 0..255, as
    ganzoo's PNG grids show them; `pixels` keeps the raw values either way.
    """
    import tensorflow as tf

    from ganzoo.data.images import PIXEL_RANGES

    if kind == "points":
        return {"points": samples}
    if kind in PIXEL_RANGES:
        low, high = PIXEL_RANGES[kind]
        unit = tf.clip_by_value((samples - low) / (high - low), 0.0, 1.0)
    else:
        axes = list(range(1, len(samples.shape)))
        low = tf.reduce_min(samples, axis=axes, keepdims=True)
        high = tf.reduce_max(samples, axis=axes, keepdims=True)
        unit = (samples - low) / tf.where(high > low, high - low, tf.ones_like(high))
    return {"images": tf.cast(tf.round(unit * 255.0), tf.uint8), "pixels": samples}


def extra_input_specs(generator):
    """A named tf.TensorSpec [None, ...] for each generator input other than `z`."""
    import tensorflow as tf

    specs = []
    for tensor in generator.inputs:
        name = tensor.name.split(":")[0]
        if name != "z":
            specs.append(tf.TensorSpec([None, *tensor.shape[1:]], tf.as_dtype(tensor.dtype),
                                       name=name))
    return specs


def signature_inputs(latent_dim, extra_inputs=()):
    """Each signature's input specs, by signature name (the first is the latent input)."""
    import tensorflow as tf

    return {
        "serving_default": [tf.TensorSpec([None, latent_dim], tf.float32, name="z"), *extra_inputs],
        "sample": [tf.TensorSpec([None], tf.int64, name="seed"), *extra_inputs],
    }


def build_archive(generator, prior, kind, extra_inputs=(), family_signatures=None):
    """A Keras ExportArchive with the `serving_default` and `sample` endpoints.

    `extra_inputs`: named tf.TensorSpecs with a batch dimension (a conditional generator's
    `label` int64 [None]) added to both signatures; the generator then gets a dict
    {"z": z, "label": label, ...} keyed by its inputs' names. `family_signatures`: what
    `GAN.serving_signatures` returns, {name: (fn, [named tf.TensorSpec])}, each added as an
    endpoint of its own after those two (a BiGAN's `encode`).
    """
    import keras

    archive = keras.export.ExportArchive()
    # No archive.track(generator): it would store every weight twice (the Keras variables
    # besides the tf.Variables the endpoints capture); the captured ones are all serving needs.
    latents = {"serving_default": lambda z: z, "sample": prior.sample_per_seed}
    for signature, specs in signature_inputs(prior.dim, extra_inputs).items():
        archive.add_endpoint(signature, endpoint(generator, latents[signature], specs, kind),
                             input_signature=specs)
    for signature, (fn, specs) in (family_signatures or {}).items():
        archive.add_endpoint(signature, fn, input_signature=specs)
    return archive


def endpoint(generator, to_latent, specs, kind):
    """fn(first_input, *extra_inputs) -> named outputs of the generator in inference mode."""
    extra_names = [spec.name for spec in specs[1:]]

    def serve(first, *extras):
        z = to_latent(first)
        inputs = {"z": z, **dict(zip(extra_names, extras))} if extras else z
        return named_outputs(generator(inputs, training=False), kind)

    return serve


def warmup_inputs(latent_dim, extra_inputs=(), family_signatures=None):
    """A small batch of zeros for every input of every signature (seed 0 is a valid seed),
    the family's own signatures (`GAN.serving_signatures`) included."""
    specs_by_signature = {**signature_inputs(latent_dim, extra_inputs),
                          **{signature: specs for signature, (_, specs)
                             in (family_signatures or {}).items()}}
    return {
        signature: {spec.name: np.zeros([WARMUP_BATCH] + spec.shape.as_list()[1:],
                                        spec.dtype.as_numpy_dtype) for spec in specs}
        for signature, specs in specs_by_signature.items()
    }


def write_warmup(path, model_name, inputs_by_signature):
    """assets.extra/tf_serving_warmup_requests: a TFRecord of PredictionLog, one per signature."""
    import tensorflow as tf

    predict_pb2, prediction_log_pb2, _ = serving_protos()
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature, inputs in inputs_by_signature.items():
            request = predict_pb2.PredictRequest()
            request.model_spec.name = model_name
            request.model_spec.signature_name = signature
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())


def describe(run_dir, recipe, recipe_name, info, prior, name, extra_inputs=()):
    """The metadata stored as assets.extra/ganzoo.json."""
    import keras
    import tensorflow as tf

    from ganzoo.version import __version__

    eval_file = Path(run_dir) / "eval.json"
    metrics = json.loads(eval_file.read_text()) if eval_file.is_file() else None
    evaluated = metrics.get("checkpoint") if isinstance(metrics, dict) else None
    kind = output_kind(recipe)
    outputs = ({"points": "float32"} if kind == "points"
               else {"images": "uint8", "pixels": "float32"})
    return {
        "model_name": name,
        "recipe_name": recipe_name,
        "recipe": recipe.to_toml(),
        "checkpoint": {"epoch": info.epoch, "step": info.step},
        "metrics": metrics,
        # False: eval.json is of an older checkpoint than the one exported (None: unknown).
        "metrics_of_this_checkpoint": (evaluated.get("step") == info.step
                                       if isinstance(evaluated, dict) else None),
        "latent_dim": prior.dim,
        "family": recipe.model.family,
        "inputs": {"z": "float32", "seed": "int64",
                   **{spec.name: spec.dtype.name for spec in extra_inputs}},
        "prior": {"kind": prior.kind, "scale": prior.scale},
        "output_shape": list(recipe.data_shape),
        "outputs": outputs,
        "images": {"unit": "round(clip(pixels, 0, 1) * 255)",
                   "symmetric": "round(clip((pixels + 1) / 2, 0, 1) * 255)",
                   "minmax": "each image's min..max scaled to 0..255"}.get(kind),
        "tensorflow_version": tf.__version__,
        "serve_with": f"TensorFlow Serving {tf.__version__} or newer",
        "keras_version": keras.__version__,
        "ganzoo_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def publish(model_dir, write, attempts=100):
    """Call write(temporary_dir), then rename it to model_dir/<next integer version>.

    On any failure (Ctrl-C included) the temporary directory is removed, and so is model_dir
    if this call created it: no partial version is ever visible.
    """
    created = not model_dir.exists()
    model_dir.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=model_dir))
    try:
        write(temporary)
        for _ in range(attempts):
            target = model_dir / str(next_version(model_dir))
            try:
                os.rename(temporary, target)
                return target
            except OSError as error:
                # Another export took this number meanwhile: take the next one.
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        raise ExportError(f"{model_dir}: could not claim a new version after {attempts} tries")
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if created and not any(model_dir.iterdir()):
            model_dir.rmdir()
        raise


def is_export(path):
    """Whether `path` is an exported model (exported/NAME) or one version of it (NAME/3)."""
    path = Path(path)
    return (path / "saved_model.pb").is_file() or bool(versions(path))


def open_version(path):
    """(version dir, ganzoo.json metadata, recipe) of exported/NAME (its newest version) or
    exported/NAME/VERSION; an ExportError if it is not a ganzoo export."""
    from ganzoo.recipe import load_recipe

    path = Path(path)
    version_dir = path if (path / "saved_model.pb").is_file() else path / str(
        (versions(path) or [0])[-1])
    extra = version_dir / "assets.extra"
    if not (version_dir / "saved_model.pb").is_file() or not (extra / METADATA_FILE).is_file():
        raise ExportError(f"{path}: not a ganzoo export (no saved_model.pb with "
                          f"assets.extra/{METADATA_FILE}); make one with `ganzoo export RUN_DIR`")
    try:
        metadata = json.loads((extra / METADATA_FILE).read_text())
    except ValueError as error:
        raise ExportError(f"{extra / METADATA_FILE}: not valid JSON ({error})") from None
    return version_dir, metadata, load_recipe(extra / "recipe.toml")


class ServedGenerator:
    """An export's `serving_default` signature, run the way TF Serving runs it, behind the
    `predict` of a Keras generator: samples in the data's range (`pixels` or `points`)."""

    def __init__(self, version_dir, recipe):
        import tensorflow as tf

        self.loaded = tf.saved_model.load(str(version_dir))  # keeps the variables alive
        self.signature = self.loaded.signatures["serving_default"]
        self.output = "points" if output_kind(recipe) == "points" else "pixels"
        self.input_names = set(self.signature.structured_input_signature[1])
        self.classes = recipe.dataset.classes

    def inference_inputs(self, z):
        """z, with labels cycling through the classes when the signature takes a `label`
        (as `GAN.inference_inputs` of a conditional family), and zeros for any other input
        (an inpainting generator's `observed` and `mask`: nothing observed)."""
        from ganzoo.families.conditional import cycling_labels

        if self.input_names == {"z"}:
            return z
        specs = self.signature.structured_input_signature[1]
        inputs = {name: np.zeros([len(z), *specs[name].shape[1:]],
                                 specs[name].dtype.as_numpy_dtype)
                  for name in self.input_names - {"z", "label"}}
        if "label" in self.input_names:
            inputs["label"] = cycling_labels(len(z), self.classes)
        return {"z": z, **inputs}

    def predict(self, inputs, batch_size=1000, verbose=0):
        """Samples for z [n, latent_dim], or for a dict of every input ({"z": ..., "label": ...})."""
        import tensorflow as tf

        inputs = inputs if isinstance(inputs, dict) else {"z": inputs}
        inputs = {key: np.asarray(value) for key, value in inputs.items()}
        inputs["z"] = inputs["z"].astype(np.float32)
        count = len(inputs["z"])
        parts = [self.signature(**{key: tf.constant(value[i:i + batch_size])
                                   for key, value in inputs.items()})[self.output].numpy()
                 for i in range(0, count, batch_size)]
        return np.concatenate(parts)


def sample_version(path, n, seed, label=None, images=False):
    """`n` samples of an export's `sample` signature with seeds seed..seed+n-1, as a client of
    TF Serving would get them (`ganzoo.serving.sample`, without the server): `pixels` or
    `points` as float32, or with `images` an image model's uint8 `images`. A conditional model
    draws class `label` for every sample, or cycles through its classes."""
    import tensorflow as tf

    from ganzoo.families.conditional import cycling_labels

    version_dir, _, recipe = open_version(path)
    signature = tf.saved_model.load(str(version_dir)).signatures["sample"]
    names = set(signature.structured_input_signature[1])
    if label is not None and "label" not in names:
        raise ExportError(f"--label {label}: {path} is not a conditional model (its `sample` "
                          f"signature takes {', '.join(sorted(names))})")
    classes = recipe.dataset.classes
    if label is not None and not 0 <= label < classes:
        raise ExportError(f"--label {label}: must be in [0, {classes}), the classes this model "
                          f"was trained on")
    inputs = {"seed": tf.range(seed, seed + n, dtype=tf.int64)}
    if "label" in names:
        inputs["label"] = tf.constant(cycling_labels(n, classes) if label is None
                                      else np.full(n, label, np.int64))
    unknown = names - set(inputs)
    if unknown:  # an inpainting generator's observed image and mask: a client must give them
        raise ExportError(f"{path}: its `sample` signature also needs {', '.join(sorted(unknown))}; "
                          f"ask it through TF Serving (README \"Serving\")")
    outputs = signature(**inputs)
    if images and "images" in outputs:
        return outputs["images"].numpy()
    return outputs["points" if "points" in outputs else "pixels"].numpy()


def versions(model_dir):
    """The integer versions in a model directory, ascending."""
    if not Path(model_dir).is_dir():
        return []
    return sorted(int(p.name) for p in Path(model_dir).iterdir() if p.name.isdigit() and p.is_dir())


def next_version(model_dir):
    return (versions(model_dir) or [0])[-1] + 1


def models_config(root, config_base=CONFIG_BASE):
    """A ModelServerConfig naming every model directory under `root` that has a version."""
    _, _, model_server_config_pb2 = serving_protos()
    config = model_server_config_pb2.ModelServerConfig()
    for model_dir in sorted(Path(root).iterdir()):
        if versions(model_dir):
            entry = config.model_config_list.config.add()
            entry.name = model_dir.name
            entry.base_path = f"{config_base.rstrip('/')}/{model_dir.name}"
            entry.model_platform = "tensorflow"
    return config


def write_models_config(root, config_base=CONFIG_BASE):
    """Rewrite root/models.config (atomically) from the model directories present."""
    from google.protobuf import text_format

    text = (f"# Written by `ganzoo export`, rewritten on every export: edits are lost.\n"
            f"# base_path is where the server sees this folder (mounted at {config_base}).\n"
            + text_format.MessageToString(models_config(root, config_base)))
    path = Path(root) / CONFIG_FILE
    partial = path.with_name(f".partial-{path.name}")
    partial.write_text(text)
    os.replace(partial, path)
    return path
