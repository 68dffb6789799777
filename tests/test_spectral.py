"""SpectralNormalization against numpy: the power iteration, the output, the gradient, saving,
and 2 mirrored replicas against one device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.models.layers import Maxout, MaxoutConv2D
from ganzoo.models.spectral import SpectralNormalization

TESTS = Path(__file__).resolve().parent

# (the wrapped layer, an input shape, its kernel variable, the kernel's output axis)
LAYERS = {
    "dense": (lambda: keras.layers.Dense(3), (4, 5), lambda layer: layer.kernel, -1),
    "conv2d": (lambda: keras.layers.Conv2D(3, 2), (2, 5, 5, 2), lambda layer: layer.kernel, -1),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(3, 2), (2, 4, 4, 2),
                         lambda layer: layer.kernel, -2),
    "maxout": (lambda: Maxout(3, 2), (4, 5), lambda layer: layer.linear.kernel, -1),
    "maxout_conv2d": (lambda: MaxoutConv2D(3, 2, kernel_size=2, padding=1, pool_size=2,
                                           pool_strides=2), (2, 5, 5, 2),
                      lambda layer: layer.conv.kernel, -1),
}


def l2(vector):
    return vector / np.linalg.norm(vector)


def matrix_of(kernel, axis):
    """The kernel as [-1, out], out being its `axis`."""
    return np.moveaxis(kernel, axis, -1).reshape(-1, kernel.shape[axis])


def power_step(matrix, u):
    """One training step in numpy: (new u, sigma, v)."""
    v = l2(u @ matrix.T)
    new_u = l2(v @ matrix)
    return new_u, (v @ matrix @ new_u.T).item(), v


def wrapped(name, seed=0, **options):
    """A built SpectralNormalization around LAYERS[name], its weights drawn from `seed`, and an
    input batch."""
    make, shape, kernel_of, axis = LAYERS[name]
    layer = SpectralNormalization(make(), **options)
    layer.build(shape)
    rng = np.random.default_rng(seed)
    for weight in layer.layer.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    return layer, rng.normal(size=shape).astype("float32")


@pytest.mark.parametrize("name", ["dense", "conv2d", "conv2d_transpose"])
def test_sigma_converges_to_the_top_singular_value(name):
    layer, inputs = wrapped(name)
    _, _, kernel_of, axis = LAYERS[name]
    kernel = np.array(kernel_of(layer.layer))
    sigma_true = np.linalg.svd(matrix_of(kernel, axis), compute_uv=False)[0]
    for _ in range(50):
        outputs = np.array(layer(inputs, training=True))
    # The stored u's estimate: sigma = v W u^T with v = l2(u W^T) is ||u W^T||.
    estimate = np.linalg.norm(np.array(layer.u) @ matrix_of(kernel, axis).T)
    np.testing.assert_allclose(estimate, sigma_true, rtol=1e-5)
    bias = np.array(layer.layer.bias)
    if name == "dense":
        expected = inputs @ (kernel / sigma_true) + bias
    else:  # the layer alone computes with the stored, unnormalised kernel
        expected = (np.array(layer.layer(inputs)) - bias) / sigma_true + bias
    np.testing.assert_allclose(outputs, expected, atol=1e-4)


def test_one_training_call_is_one_power_iteration_step():
    layer = SpectralNormalization(keras.layers.Dense(2, bias_initializer="zeros"))
    layer.build((None, 3))
    layer.layer.kernel.assign([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    layer.u.assign([[1.0, 0.0]])
    outputs = layer(np.ones((1, 3), "float32"), training=True)
    # v = l2(u W^T) = l2([1, 0, 1]) = [1, 0, 1] / sqrt(2)
    # u = l2(v W) = l2([2, 1] / sqrt(2)) = [2, 1] / sqrt(5)
    # sigma = v W u^T = [2, 1] / sqrt(2) . [2, 1] / sqrt(5) = 5 / sqrt(10) = sqrt(5 / 2)
    # output = [1, 1, 1] W / sigma = [2, 3] * sqrt(2 / 5) = [1.26491, 1.89737]
    # (the true sigma is sqrt((7 + sqrt(13)) / 2) = 2.30278: one step is an estimate)
    np.testing.assert_allclose(np.array(layer.u), [[2 / 5**0.5, 1 / 5**0.5]], rtol=1e-6)
    np.testing.assert_allclose(np.array(outputs), [[1.26491106, 1.89736660]], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_the_wrapped_layer_computes_with_the_normalised_kernel(name):
    layer, inputs = wrapped(name)
    _, _, kernel_of, axis = LAYERS[name]
    kernel, u = np.array(kernel_of(layer.layer)), np.array(layer.u)
    new_u, sigma, _ = power_step(matrix_of(kernel, axis), u)
    outputs = layer(inputs, training=True)
    # The same layer holding W / sigma as its kernel, outside any wrapper.
    twin = layer.layer.__class__.from_config(layer.layer.get_config())
    twin.build(inputs.shape)
    twin.set_weights(layer.layer.get_weights())
    kernel_of(twin).assign(kernel / sigma)
    assert layer.u.shape == (1, kernel.shape[axis])
    np.testing.assert_allclose(np.array(layer.u), new_u, rtol=1e-5)
    np.testing.assert_allclose(np.array(outputs), np.array(twin(inputs)), atol=1e-5)
    assert layer.compute_output_shape(inputs.shape) == tuple(outputs.shape)


def test_power_iterations_steps_per_call():
    twice, inputs = wrapped("dense", power_iterations=2)
    once, _ = wrapped("dense")
    once(inputs, training=True)
    np.testing.assert_allclose(np.array(twice(inputs, training=True)),
                               np.array(once(inputs, training=True)), rtol=1e-6)
    np.testing.assert_allclose(np.array(twice.u), np.array(once.u), rtol=1e-6)


def test_training_keeps_the_kernel_and_inference_keeps_u():
    layer, inputs = wrapped("dense")
    kernel, bias = np.array(layer.layer.kernel), np.array(layer.layer.bias)
    layer(inputs, training=True)
    np.testing.assert_array_equal(np.array(layer.layer.kernel), kernel)
    u = np.array(layer.u)
    outputs = layer(inputs, training=False)
    np.testing.assert_array_equal(np.array(layer.u), u)
    # Inference: one v step from the stored u, so sigma = v W u^T = ||u W^T||.
    sigma = np.linalg.norm(u @ kernel.T)
    np.testing.assert_allclose(np.array(outputs), inputs @ kernel / sigma + bias, atol=1e-5)

    # Keras' own layer writes W / sigma into the kernel on each training call.
    keras_layer = keras.layers.SpectralNormalization(keras.layers.Dense(3))
    keras_layer.build(inputs.shape)
    keras_layer.layer.kernel.assign(kernel)
    keras_layer(inputs, training=True)
    assert not np.allclose(np.array(keras_layer.layer.kernel), kernel)


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "tf_function"])
def test_gradient_flows_through_sigma(graph):
    layer, inputs = wrapped("dense")
    kernel, u = np.array(layer.layer.kernel), np.array(layer.u)

    def gradient():
        with tf.GradientTape() as tape:
            loss = keras.ops.sum(layer(inputs, training=True))
        return tape.gradient(loss, layer.layer.kernel)

    tape_gradient = np.array(tf.function(gradient)() if graph else gradient())
    # W_SN = W / sigma, sigma = v W u^T with u, v constants, so d sigma / dW = v^T u and
    # dL/dW = G / sigma - <G, W> / sigma^2 v^T u, G = dL/dW_SN = column sums of the inputs.
    new_u, sigma, v = power_step(kernel, u)
    outer = np.repeat(inputs.sum(axis=0)[:, None], kernel.shape[1], axis=1)
    expected = outer / sigma - (outer * kernel).sum() / sigma**2 * (v.T @ new_u)
    np.testing.assert_allclose(tape_gradient, expected, rtol=1e-4, atol=1e-5)
    # Without sigma's dependence on W the gradient would be G / sigma: far from it.
    assert np.abs(tape_gradient - outer / sigma).max() > 0.1


def small_model(seed):
    return keras.Sequential([
        keras.Input((5,)),
        SpectralNormalization(keras.layers.Dense(
            3, kernel_initializer=keras.initializers.GlorotUniform(seed=seed)),
            seed=seed, name="sn"),
    ])


def test_save_and_load_restore_u_and_the_config(tmp_path):
    inputs = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    model = small_model(seed=1)
    for _ in range(3):
        model(inputs, training=True)
    model.save_weights(tmp_path / "model.weights.h5")
    resumed = small_model(seed=2)
    assert not np.allclose(np.array(resumed.layers[0].u), np.array(model.layers[0].u))
    resumed.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_array_equal(np.array(resumed.layers[0].u), np.array(model.layers[0].u))
    # The next power-iteration step is the one the first run would have taken.
    np.testing.assert_array_equal(np.array(resumed(inputs, training=True)),
                                  np.array(model(inputs, training=True)))
    np.testing.assert_array_equal(np.array(resumed.layers[0].u), np.array(model.layers[0].u))

    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert isinstance(loaded.layers[0], SpectralNormalization)
    np.testing.assert_array_equal(np.array(loaded.layers[0].u), np.array(model.layers[0].u))

    layer = SpectralNormalization(keras.layers.Conv2D(4, 3), power_iterations=2, seed=7)
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(copy, SpectralNormalization) and isinstance(copy.layer, keras.layers.Conv2D)
    assert copy.get_config() == layer.get_config()
    assert (copy.power_iterations, copy.seed, copy.layer.filters) == (2, 7, 4)


@pytest.mark.parametrize("layer", [keras.layers.Flatten(name="flat"),
                                   keras.layers.Dropout(0.5, name="drop")], ids=lambda l: l.name)
def test_a_layer_without_a_kernel_is_refused(layer):
    with pytest.raises(ValueError, match=f"'{layer.name}'.*Dense, Conv2D") as error:
        SpectralNormalization(layer)
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="power_iterations"):
        SpectralNormalization(keras.layers.Dense(2), power_iterations=0)


def test_two_mirrored_replicas_train_as_one_device():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, str(TESTS / "spectral_worker.py")], env=env,
                          capture_output=True, text=True, timeout=300, cwd=TESTS.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(runs["mirrored"]) == set(runs["one_device"]) >= {"sn/u", "sn/out/kernel"}
    for path, values in runs["one_device"].items():
        np.testing.assert_allclose(runs["mirrored"][path], values, atol=1e-6, err_msg=path)
        assert not np.allclose(runs["initial"][path], values), f"{path} did not train"


def test_xla_gives_the_same_outputs_and_u():
    layer, inputs = wrapped("dense")
    u = np.array(layer.u)
    compiled = tf.function(lambda x, training: layer(x, training=training), jit_compile=True)
    for training in (True, False):
        layer.u.assign(u)
        expected = np.array(layer(inputs, training=training))
        expected_u = np.array(layer.u)
        layer.u.assign(u)
        np.testing.assert_allclose(np.array(compiled(inputs, training)), expected, atol=1e-5)
        np.testing.assert_allclose(np.array(layer.u), expected_u, atol=1e-6)


def test_a_zero_kernel_gives_the_bias_and_keeps_u():
    layer, inputs = wrapped("dense")
    layer.layer.kernel.assign(np.zeros(layer.layer.kernel.shape, "float32"))
    u = np.array(layer.u)
    outputs = np.array(layer(inputs, training=True))
    bias = np.array(layer.layer.bias)
    np.testing.assert_array_equal(outputs, np.broadcast_to(bias, outputs.shape))
    np.testing.assert_array_equal(np.array(layer.u), u)


def test_sigma_stays_float32_under_mixed_precision():
    full, inputs = wrapped("dense")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = SpectralNormalization(keras.layers.Dense(3))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    mixed.build(inputs.shape)
    mixed.set_weights(full.get_weights())
    outputs = mixed(inputs, training=True)
    expected = np.array(full(inputs, training=True))
    assert outputs.dtype == "bfloat16" and mixed.u.dtype == "float32"
    # u comes from the float32 kernel, not from a bfloat16 copy of it.
    np.testing.assert_array_equal(np.array(mixed.u), np.array(full.u))
    np.testing.assert_allclose(np.array(keras.ops.cast(outputs, "float32")), expected,
                               rtol=2e-2, atol=2e-2)


def test_an_activity_regularizer_still_adds_its_loss():
    model = keras.Sequential([keras.Input((5,)), SpectralNormalization(
        keras.layers.Dense(3, activity_regularizer="l2"))])
    model(np.ones((2, 5), "float32"), training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0
