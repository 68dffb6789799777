"""Evaluating a run or an export: `evaluate_run` and `evaluate_export` behind `ganzoo eval`, the
report (TensorBoard, eval.json, a table), and the training callback behind a recipe's `[eval]`.

    report = evaluate_run("runs/mnist", ["parzen"])   # also writes TensorBoard + eval.json
    report["parzen_ll"], report["protocol"]["parzen"], report["checkpoint"]["epoch"]
    evaluate_export("exported/goodfellow2014_mnist")  # the served model; writes nothing

The metrics themselves are in `ganzoo.eval.metrics`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf

from ganzoo import runs
from ganzoo.data import recipe_examples
from ganzoo.eval.floors import SUFFIX as FLOOR
from ganzoo.eval.metrics import (EvalError, Result, check_metrics, evaluate, needed_splits,
                                 prepare_extractor)

__all__ = ["EVAL_FILE", "EvalCallback", "EvalError", "Result", "evaluate_export", "evaluate_run",
           "format_table", "make_report", "save_report", "write_scalars"]

EVAL_FILE = "eval.json"


# -- A whole run: `ganzoo eval` ----------------------------------------------------------------


def evaluate_run(run_dir, metrics=None, samples=0, seed=0, extractor=None,
                 inception_weights=None, verbose=False, write=True):
    """Evaluate the newest checkpoint of `run_dir`; returns the report `ganzoo eval --json` prints.

    The report maps each value key to its number and adds `protocol` (metric -> sample counts,
    reference, extractor) and `checkpoint` (epoch, step, weights file). With `write`, each value
    goes to TensorBoard as `eval/<key>` at the checkpoint's step and the report to RUN_DIR/eval.json.
    Problems the user can fix (no run, no checkpoint, unknown metric, missing data, missing
    classifier or weights) raise a GanzooError before the GAN is loaded.
    """
    from ganzoo.build import build_gan

    run_dir = Path(run_dir)
    check_samples(samples)
    run = runs.open_run(run_dir)
    info = run.checkpoint()
    recipe = run.recipe
    names, model = prepare(recipe, metrics, extractor, inception_weights)
    gan = build_gan(recipe, with_data=False)
    runs.restore(gan, info)
    results = evaluate(gan, recipe, names, samples, seed, model, verbose)
    checkpoint = {"epoch": info.epoch, "step": info.step,
                  "weights": str(info.weights.relative_to(run_dir))}
    report = make_report(results, checkpoint)
    if write:
        write_scalars(run_dir / "logs", results, info.step)
        save_report(run_dir, report)
    return report


def evaluate_export(path, metrics=None, samples=0, seed=0, extractor=None,
                    inception_weights=None, verbose=False):
    """Evaluate an exported generator (exported/NAME, its newest version, or NAME/VERSION)
    through its `serving_default` signature, as TF Serving runs it; nothing is written.

    The report is `evaluate_run`'s, with `checkpoint` naming the export and the checkpoint it was
    made from, and `at_export` holding the values ganzoo.json recorded for that checkpoint (when
    it recorded them), so a shipped model's numbers can be checked without its run.
    """
    from ganzoo.export import ServedGenerator, open_version
    from ganzoo.models import LatentPrior

    check_samples(samples)
    version_dir, metadata, recipe = open_version(path)
    names, model = prepare(recipe, metrics, extractor, inception_weights)
    prior = metadata["prior"]
    generator = ServedGenerator(version_dir, recipe)
    served = SimpleNamespace(prior=LatentPrior(prior["kind"], metadata["latent_dim"],
                                               prior["scale"]),
                             generator=generator, inference_inputs=generator.inference_inputs)
    classify = generator.loaded.signatures.get("classify")  # a semi-supervised family's D
    if classify is not None:
        served.classify = lambda x: classify(x=tf.constant(x, tf.float32))["probabilities"]
    encode = generator.loaded.signatures.get("encode")  # a BiGAN's encoder
    if encode is not None:
        served.encode_views = lambda x: served_views(encode, x)
        served.encode = lambda x: served_views(encode, x)["z"]
    results = evaluate(served, recipe, names, samples, seed, model, verbose)
    source = metadata.get("checkpoint", {})
    report = make_report(results, {"epoch": source.get("epoch"), "step": source.get("step"),
                                   "export": str(version_dir)})
    recorded = metadata.get("metrics") if metadata.get("metrics_of_this_checkpoint") else None
    if recorded:
        report["at_export"] = {key: value for key, value in recorded.items()
                               if key not in ("protocol", "checkpoint")}
    return report


def check_samples(samples):
    if samples < 0:
        raise EvalError(f"--samples must be >= 0 (0: each metric's protocol), not {samples}")


def prepare(recipe, metrics, extractor, inception_weights):
    """(metric names, extractor) for `recipe`, with every user error raised now: unknown or
    inapplicable metrics, a missing extractor, missing data (before any generator is loaded)."""
    names = check_metrics(recipe, metrics)
    model = prepare_extractor(recipe, names, extractor, inception_weights)
    for split in needed_splits(names):
        recipe_examples(recipe, split)
    return names, model


def make_report(results, checkpoint):
    """{value key: number, ..., "protocol": {metric: protocol}, "checkpoint": checkpoint}."""
    report = {}
    for result in results.values():
        report.update({key: json_number(value) for key, value in result.values.items()})
    report["protocol"] = {name: result.protocol for name, result in results.items()}
    report["checkpoint"] = checkpoint
    return report


def json_number(value):
    """int or float for JSON; a non-finite float becomes null (JSON has no NaN)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def save_report(run_dir, report):
    """Write RUN_DIR/eval.json and return what it holds: `report`, plus the results of other
    metrics on the same checkpoint that an earlier evaluation saved there."""
    path = Path(run_dir) / EVAL_FILE
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {}
    if previous.get("checkpoint", {}).get("step") == report["checkpoint"]["step"]:
        values = {key: value for key, value in {**previous, **report}.items()
                  if key not in ("protocol", "checkpoint")}
        protocol = {**previous.get("protocol", {}), **report["protocol"]}
        report = {**values, "protocol": protocol, "checkpoint": report["checkpoint"]}
    runs.write_atomically(path, json.dumps(report, indent=2) + "\n")
    return report


def write_scalars(log_dir, results, step):
    """Each value as the TensorBoard scalar `eval/<key>` at `step`."""
    writer = tf.summary.create_file_writer(str(log_dir))
    with writer.as_default(step=int(step)):
        for result in results.values():
            for key, value in result.values.items():
                tf.summary.scalar(f"eval/{key}", float(value))
    writer.close()


# -- Printing ----------------------------------------------------------------------------------


def headline(name, values):
    """One metric's values in a few words, each real-vs-real floor (`fid_floor`, ...) beside its
    value: '2.777 (real vs real 0.9123)'."""
    floor = {key[:-len(FLOOR)]: value for key, value in values.items() if key.endswith(FLOOR)}
    v = {key: value for key, value in values.items() if not key.endswith(FLOOR)}

    def beside(key):
        return f" (real vs real {floor[key]:.4g})" if floor.get(key) is not None else ""

    if name == "parzen":
        return f"{v['parzen_ll']:.2f} ± {v['parzen_se']:.2f} (sigma {v['parzen_sigma']:.4g})"
    if name == "modes":
        return (f"{v['modes']} modes, {v['high_quality']:.1%} high quality, "
                f"reverse KL {v['reverse_kl']:.3f}")
    if name == "class_balance":
        return (f"KL {v['class_kl']:.4f}{beside('class_kl')}, confidence "
                f"{v['class_confidence']:.3f}{beside('class_confidence')}")
    if name == "stacked_modes":
        return f"{v['stacked_modes']} of 1000 modes, KL {v['stacked_kl']:.3f}"
    if name in ("kid", "is"):
        return f"{v[name]:.4g} ± {v[name + '_std']:.2g}" + beside(name)
    if len(v) == 1:
        key, value = next(iter(v.items()))
        return f"{value:.4g}" + beside(key)
    return ", ".join(f"{key} {value:.3f}" + beside(key) for key, value in v.items())


def protocol_note(protocol):
    """'10000 samples vs 10000 test images; <extractor>; <details>'."""
    reference = protocol.get("reference")
    parts = [f"{protocol['samples']} samples" + (f" vs {reference}" if reference else "")]
    parts += [protocol[key] for key in ("extractor", "details", "floor") if protocol.get(key)]
    return "; ".join(parts)


def format_table(report, names):
    """The text table `ganzoo eval` prints: metric, value, protocol."""
    checkpoint = report["checkpoint"]
    rows = [(name, headline(name, {key: report[key]
                                   for key in with_floors(report, value_keys(report, name))}),
             protocol_note(report["protocol"][name])) for name in names]
    widths = [max(len(row[i]) for row in rows + [("metric", "value", "")]) for i in (0, 1)]
    head = f"checkpoint: epoch {checkpoint['epoch']}, step {checkpoint['step']}"
    if "export" in checkpoint:
        head = f"export {checkpoint['export']}, made from {head}"
    else:
        head += f" ({checkpoint['weights']})"
    lines = [head, f"{'metric':<{widths[0]}}  {'value':<{widths[1]}}  protocol"]
    lines += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
    recorded = report.get("at_export", {})  # an export's numbers as ganzoo.json recorded them
    for name in names:
        keys = value_keys(report, name)
        if keys and all(key in recorded for key in keys):
            values = {key: recorded[key] for key in with_floors(recorded, keys)}
            lines.append(f"{'':<{widths[0]}}  at export: {headline(name, values)}")
    return "\n".join(lines)


VALUE_KEYS = {"parzen": ("parzen_ll", "parzen_se", "parzen_sigma"),
              "modes": ("modes", "high_quality", "reverse_kl"), "jsd": ("jsd",), "fid": ("fid",),
              "kid": ("kid", "kid_std"), "is": ("is", "is_std"),
              "prdc": ("precision", "recall", "density", "coverage"),
              "class_accuracy": ("class_accuracy",),  # per class in the JSON
              "intra_fid": ("intra_fid",),  # per class in the JSON
              "class_balance": ("class_kl", "class_confidence"),  # shares in the JSON
              "test_errors": ("test_errors",),
              "inpainting_accuracy": ("inpainting_accuracy", "inpainting_observed_accuracy"),
              "inpainting_fid": ("inpainting_fid",),
              "stacked_modes": ("stacked_modes", "stacked_kl"),
              "inference": ("nn_accuracy", "feature_nn_accuracy", "reconstruction_error",
                            "random_pair_error")}


def with_floors(report, keys):
    """`keys` and, where `report` has them, their real-vs-real floors (`fid` -> `fid_floor`)."""
    return [*keys, *(key + FLOOR for key in keys if key + FLOOR in report)]


def value_keys(report, name):
    return [key for key in VALUE_KEYS[name] if key in report]


# -- During training: a recipe's [eval] section -------------------------------------------------


class EvalCallback(keras.callbacks.Callback):
    """Runs the recipe's `[eval].metrics` every `[eval].every` epochs on the GAN being trained.

    Each value goes to TensorBoard (`eval/<key>`, in RUN_DIR/logs) at the step reached, the
    report to RUN_DIR/eval.json (the checkpoint just saved is the one evaluated), and one line
    is printed. Metric names, data and extractor are checked when the callback is made, so a
    mistake fails before training starts.
    """

    def __init__(self, recipe, run_dir):
        super().__init__()
        config = recipe.config.eval
        self.recipe, self.run_dir = recipe, Path(run_dir)
        self.chief_dir = self.run_dir
        self.every, self.samples = config.every, config.samples
        self.names, self.extractor = prepare(recipe, config.metrics, config.extractor, None)

    def on_train_begin(self, logs=None):
        from ganzoo import distribute

        # Every worker evaluates (sampling calls `predict`, a collective op); the chief writes.
        self.run_dir = distribute.output_dir(self.chief_dir, self.model.distribute_strategy)

    def on_train_end(self, logs=None):
        from ganzoo import distribute

        distribute.discard_output_dir(self.run_dir, self.chief_dir)

    def on_epoch_end(self, epoch, logs=None):
        if getattr(self.model, "diverged", None) or (epoch + 1) % self.every:
            return
        step = int(self.model.steps.numpy())
        results = evaluate(self.model, self.recipe, self.names, self.samples,
                           extractor=self.extractor)
        write_scalars(self.run_dir / "logs", results, step)
        weights = runs.checkpoint_dir(self.run_dir) / f"epoch-{epoch + 1:04d}.weights.h5"
        checkpoint = {"epoch": epoch + 1, "step": step,
                      "weights": str(weights.relative_to(self.run_dir))}
        save_report(self.run_dir, make_report(results, checkpoint))
        summary = "; ".join(f"{name} {headline(name, result.values)}"
                            for name, result in results.items())
        print(f"eval at epoch {epoch + 1}: {summary}", flush=True)


def served_views(encode, x, chunk=1000):
    """An export's `encode` signature on `x` in chunks: {output name: NumPy array}."""
    parts = [encode(x=tf.constant(x[i:i + chunk], tf.float32)) for i in range(0, len(x), chunk)]
    return {name: np.concatenate([part[name].numpy() for part in parts]) for name in parts[0]}
