"""Mixed precision, `[train].precision`: the networks compute in a low dtype, everything else in
float32.

    float32          every layer computes in float32 (the default)
    mixed_bfloat16   layers compute in bfloat16 on float32 weights (Keras' "mixed_bfloat16")
    mixed_float16    layers compute in float16 on float32 weights, with dynamic loss scaling

Only the networks change. `build_gan` builds them inside `policy_scope`, which sets Keras' dtype
policy for the layers created there and restores the previous one after, so a model built later
in the process (the evaluation classifier, Inception) keeps its own. `float32_outputs` then
casts each network's outputs to float32: the losses, the penalties (WGAN-GP interpolates G's
float32 samples and differentiates D's float32 output), the logged means and the exported
signatures see float32 whatever the precision. The variables (and so checkpoints) are float32
in every precision, but a run's precision still decides its weights, so `--resume` keeps it.

float16 (5 exponent bits) underflows small gradients, so under `mixed_float16` each player's
optimizer is a `keras.optimizers.LossScaleOptimizer` (dynamic: it starts at 2^15, halves the
scale and skips the update on a non-finite gradient, doubles it after 2,000 finite ones).
`GAN.play` multiplies each player's loss by `optimizer.scale_loss` inside the tape (every Keras
optimizer has it; only this one scales) and `apply_gradients` unscales, as Keras' own
`train_step` does. bfloat16 has float32's exponent range and needs no scaling.
"""

from __future__ import annotations

import contextlib

import keras

from ganzoo.registry import PRECISIONS

__all__ = ["PRECISIONS", "policy_scope", "float32_outputs", "loss_scaled"]


@contextlib.contextmanager
def policy_scope(precision):
    """Layers created inside compute in `precision` (a name in PRECISIONS), on float32 weights.

    Keras keeps the policy per thread; the one in force before is restored on exit."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def float32_outputs(network, prefix="float32_output"):
    """`network` with every floating output cast to float32 (a linear float32 layer on each, as
    Keras' mixed-precision guide ends a model), or `network` itself when they already are.

    Anything that is not a functional Keras model is returned as it is (a family's
    `recipe_options` mixes networks with plain settings). `prefix` names the cast layers
    (`{prefix}_{i}`): a model built on one that already has them needs another."""
    if not isinstance(network, keras.Model) or not hasattr(network, "output"):
        return network
    flat = keras.tree.flatten(network.output)
    low = [i for i, t in enumerate(flat) if "float" in str(t.dtype) and str(t.dtype) != "float32"]
    if not low:
        return network
    cast = [keras.layers.Activation("linear", dtype="float32", name=f"{prefix}_{i}")(t)
            if i in low else t for i, t in enumerate(flat)]
    return keras.Model(network.input, keras.tree.pack_sequence_as(network.output, cast),
                       name=network.name)


def loss_scaled(optimizer, precision):
    """`optimizer` wrapped in a dynamic LossScaleOptimizer under mixed_float16, else itself."""
    if precision != "mixed_float16":
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=optimizer.name)
