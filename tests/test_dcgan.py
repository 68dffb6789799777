"""The DCGAN networks (Radford et al. 2015, arXiv 1511.06434) and the [-1, 1] pixels they train
on: shapes for each image size, tanh range, batch norm where the paper puts it, N(0, 0.02)
weights, the errors of a recipe that asks the impossible, and pixels mapped back to [0, 1] by
eval, export and pictures. Training, replicas, resume, export and eval of a DCGAN run are the
family contract's `dcgan` case (tests/test_families.py)."""

import dataclasses
import re

import keras
import numpy as np
import pytest

from ganzoo import export, plots
from ganzoo.build import build_gan
from ganzoo.config import DataConfig, DiscriminatorConfig, GeneratorConfig, ModelConfig
from ganzoo.data import load_examples
from ganzoo.errors import RecipeError
from ganzoo.eval import metrics
from ganzoo.models import dcgan
from ganzoo.recipe import load_recipe
from tests.test_cli import assert_user_error, ganzoo

SIZES = {28: 2, 32: 3, 64: 4}  # image side -> stride-2 layers in each net


def tiny(batch_norm="batch", filters=4, **discriminator):
    return ModelConfig(
        architecture="dcgan", latent_dim=8,
        generator=GeneratorConfig(filters=filters, init_std=0.02, batch_norm=batch_norm,
                                  output="tanh"),
        discriminator=DiscriminatorConfig(filters=filters, init_std=0.02, batch_norm=batch_norm,
                                          **discriminator))


def z(count=3, dim=8):
    return np.random.default_rng(0).uniform(-1, 1, (count, dim)).astype(np.float32)


@pytest.mark.parametrize("side", sorted(SIZES))
def test_each_image_size_gives_tanh_images_and_one_logit(side):
    shape = (side, side, 1 if side == 28 else 3)
    generator = dcgan.build_generator(tiny(), shape)
    discriminator = dcgan.build_discriminator(tiny(), shape)
    samples = generator.predict(z(), verbose=0)
    assert samples.shape == (3, *shape)
    assert -1.0 <= samples.min() < 0.0 < samples.max() <= 1.0  # tanh: both signs, within 1
    assert discriminator.predict(samples, verbose=0).shape == (3, 1)
    convolutions = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convolutions) == SIZES[side]  # strided, no pooling: down to 7x7 or 4x4
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in discriminator.layers)


def kernel_layers_and_batch_norm(model):
    """[(layer name, whether batch norm comes before the next layer with a kernel)]."""
    found = []
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            found.append([layer.name, False])
        elif isinstance(layer, keras.layers.BatchNormalization):
            found[-1][1] = True
    return [tuple(entry) for entry in found]


def test_batch_norm_on_every_layer_but_the_output_and_d_input():
    generator = dcgan.build_generator(tiny(), (32, 32, 3))
    discriminator = dcgan.build_discriminator(tiny(), (32, 32, 3))
    assert kernel_layers_and_batch_norm(generator) == [
        ("project", True), ("deconv_1", True), ("deconv_2", True), ("output", False)]
    assert kernel_layers_and_batch_norm(discriminator) == [
        ("conv_0", False), ("conv_1", True), ("conv_2", True), ("logit", False)]
    # A normalised layer has no bias (batch norm's offset takes its place); the others do.
    biased = {layer.name for model in (generator, discriminator) for layer in model.layers
              if getattr(layer, "use_bias", False)}
    assert biased == {"output", "conv_0", "logit"}
    activations = {type(layer).__name__ for layer in discriminator.layers}
    assert "LeakyReLU" in activations and "ReLU" not in activations
    assert discriminator.get_layer("leaky_relu_0").negative_slope == pytest.approx(0.2)


def test_sync_batch_norm_and_none():
    synced = dcgan.build_generator(tiny("sync"), (28, 28, 1))
    assert all(layer.synchronized for layer in synced.layers
               if isinstance(layer, keras.layers.BatchNormalization))
    plain = dcgan.build_discriminator(tiny("none"), (28, 28, 1))
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)
    assert all(layer.use_bias for layer in plain.layers if hasattr(layer, "use_bias"))


def test_weights_start_normal_with_std_0_02():
    generator = dcgan.build_generator(tiny(filters=64), (28, 28, 1))
    kernel = np.asarray(generator.get_layer("deconv_1").kernel)  # 5 x 5 x 64 x 128 weights
    assert kernel.shape == (5, 5, 64, 128)
    assert abs(kernel.mean()) < 1e-3 and kernel.std() == pytest.approx(0.02, rel=0.02)


def test_save_and_load_with_sync_batch_norm(tmp_path):
    generator = dcgan.build_generator(tiny("sync"), (28, 28, 1), classes=10)
    inputs = {"z": z(4), "label": np.array([0, 3, 9, 1])}
    generator.save(tmp_path / "g.keras")
    again = keras.models.load_model(tmp_path / "g.keras")
    np.testing.assert_array_equal(again.predict(inputs, verbose=0),
                                  generator.predict(inputs, verbose=0))


def test_a_label_joins_z_and_the_image_as_feature_maps():
    generator = dcgan.build_generator(tiny(), (28, 28, 1), classes=10)
    discriminator = dcgan.build_discriminator(tiny(), (28, 28, 1), classes=10)
    samples = generator.predict({"z": z(2), "label": np.array([1, 7])}, verbose=0)
    assert samples.shape == (2, 28, 28, 1)
    assert discriminator.get_layer("with_label").output.shape == (None, 28, 28, 11)
    # The same image with another label is judged otherwise.
    logits = discriminator.predict({"x": np.repeat(samples[:1], 2, 0), "label": np.array([1, 7])},
                                   verbose=0)
    assert logits.shape == (2, 1) and logits[0, 0] != logits[1, 0]


def test_spectral_norm_wraps_the_convolutions_and_the_logit():
    discriminator = dcgan.build_discriminator(tiny(spectral_norm=["all"]), (28, 28, 1))
    wrapped = [layer.name for layer in discriminator.layers if layer.name.startswith("spectral_")]
    assert wrapped == ["spectral_conv_0", "spectral_conv_1", "spectral_logit"]
    with pytest.raises(ValueError, match="layers with a kernel: conv_0, conv_1, logit"):
        dcgan.build_discriminator(tiny(spectral_norm=["maxout_0"]), (28, 28, 1))


def test_an_image_size_dcgan_cannot_make_is_a_one_line_recipe_error():
    recipe = load_recipe("dcgan2015/mnist", overrides={"data.name": "tfd"})  # 48x48
    with pytest.raises(RecipeError) as error:
        build_gan(recipe, with_data=False)
    message = str(error.value)
    assert "\n" not in message and "dcgan2015/mnist.toml" in message
    assert ("[model].architecture = 'dcgan' makes 28x28, 32x32 or 64x64 images, not examples of "
            "shape 48x48x1 ([data].name)") in message
    with pytest.raises(ValueError, match=r"not examples of shape 2 "):
        dcgan.layout((2,))


@pytest.mark.parametrize("overrides, expected", [
    ({"model.generator.units": [64]},
     "[model.generator].units does not apply to the 'dcgan' architecture"),
    ({"model.discriminator.input_keep": 0.8},
     "[model.discriminator].input_keep does not apply to the 'dcgan' architecture"),
    ({"model.generator.output_bias": "marginal"},
     "[model.generator].output_bias does not apply to the 'dcgan' architecture"),
])
def test_mlp_keys_are_refused_on_dcgan_nets(overrides, expected):
    with pytest.raises(RecipeError, match=re.escape(expected)):
        load_recipe("dcgan2015/mnist", overrides=overrides)


def test_dcgan_keys_are_refused_on_other_nets():
    with pytest.raises(RecipeError, match=r"\[model.discriminator\].batch_norm applies only to "
                                          r"the 'dcgan' architecture \(here 'mlp'\)"):
        load_recipe("toy/ring8", overrides={"model.discriminator.batch_norm": "sync"})


def test_a_misspelt_batch_norm_mode_names_the_allowed_ones(tmp_path):
    result = ganzoo("train", "dcgan2015/mnist", "--set", "model.discriminator.batch_norm=synced",
                    "--run-dir", tmp_path / "run", cwd=tmp_path)
    assert_user_error(result, "[model.discriminator].batch_norm = 'synced' is not allowed; "
                              "choose from: none, batch, sync")
    assert list(tmp_path.iterdir()) == []


def test_cifar10_without_its_files_stops_at_once(tmp_path, real_data_dir):
    # The offline data folder has MNIST and Fashion-MNIST, not CIFAR-10.
    data = real_data_dir("mnist")
    assert not (data / "cifar10").exists()
    result = ganzoo("train", "dcgan2015/cifar10", "--run-dir", tmp_path / "run", cwd=tmp_path,
                    env={"GANZOO_DATA_DIR": str(data), "TFDS_DATA_DIR": str(tmp_path / "tfds")})
    assert_user_error(result, "cifar10: no local files under", "cifar-10-python.tar.gz")
    assert list(tmp_path.iterdir()) == []


# -- [-1, 1] pixels: the data, and how eval, export and pictures read them ----------------------


def test_symmetric_pixels_are_unit_pixels_doubled_minus_one(real_data_dir):
    config = DataConfig(name="mnist", dir=str(real_data_dir("mnist")))
    unit = load_examples(config, "test", 0)
    symmetric = load_examples(dataclasses.replace(config, preprocess="symmetric"), "test", 0)
    assert symmetric.value_range == (-1.0, 1.0) and unit.value_range == (0.0, 1.0)
    assert symmetric.x.min() == -1.0 and symmetric.x.max() == 1.0
    np.testing.assert_array_equal(symmetric.x, unit.x * 2 - 1)
    # And back, to float32 rounding (the map is affine, not bit-exact).
    np.testing.assert_allclose(metrics.fixed_to_unit(symmetric.x[:10], symmetric_recipe()),
                               unit.x[:10], rtol=0, atol=6e-8)


def symmetric_recipe(**overrides):
    return load_recipe("dcgan2015/mnist", overrides=overrides)


class Samples:
    """What `parzen_metric` asks of an Evaluation, with fixed images as the samples."""

    def __init__(self, recipe, images):
        self.recipe, self.images, self.verbose = recipe, images, False

    def count(self, default):
        return len(self.images)

    def generate(self, count):
        return self.images


def test_parzen_reads_symmetric_pixels_on_the_unit_scale(real_data_dir):
    # The same images scored by a [-1, 1] recipe and a [0, 1] one give the same number, as
    # the paper's [0, 1] protocol: not 784 log 2 lower.
    data = str(real_data_dir("mnist"))
    symmetric = symmetric_recipe(**{"data.dir": data})
    unit = symmetric_recipe(**{"data.dir": data, "data.preprocess": "unit"})
    images = load_examples(unit.data, "train", 0).x[:200]
    scored_unit = metrics.parzen_metric(Samples(unit, images))
    scored_symmetric = metrics.parzen_metric(Samples(symmetric, images * 2 - 1))
    for key in ("parzen_ll", "parzen_sigma"):
        assert scored_symmetric.values[key] == pytest.approx(scored_unit.values[key], rel=1e-5)
    assert "pixels mapped from [-1, 1] to [0, 1]" in scored_symmetric.protocol["details"]


def test_extractors_exports_and_pictures_map_minus_one_one_to_zero_one():
    recipe = symmetric_recipe()
    pixels = np.array([-1.5, -1.0, 0.0, 0.5, 1.0, 1.2], np.float32).reshape(1, 1, 6, 1)
    unit = np.array([0.0, 0.0, 0.5, 0.75, 1.0, 1.0], np.float32).reshape(1, 1, 6, 1)
    np.testing.assert_allclose(metrics.unit_range(pixels, recipe), unit)
    assert export.output_kind(recipe) == "symmetric"
    outputs = export.named_outputs(pixels, "symmetric")
    np.testing.assert_array_equal(outputs["images"].numpy().ravel(), [0, 0, 128, 191, 255, 255])
    np.testing.assert_array_equal(np.asarray(outputs["pixels"]), pixels)  # raw, in the data range
    np.testing.assert_allclose(plots.to_display(pixels, (-1.0, 1.0)), unit)
