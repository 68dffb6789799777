"""The paper's networks: shapes, output ranges, the paper's initialisation, maxout, save/load."""

import keras
import numpy as np
import pytest

from ganzoo.build import marginal_logits
from ganzoo.config import DiscriminatorConfig, GeneratorConfig, ModelConfig
from ganzoo.models import Maxout, MaxoutConv2D
from ganzoo.registry import ARCHITECTURES

SHAPES = {"mlp": (28, 28, 1), "goodfellow2014_cifar10_conv": (32, 32, 3), "dcgan": (28, 28, 1),
          "mirza2014": (28, 28, 1), "salimans2016": (28, 28, 1), "donahue2016": (28, 28, 1)}
CONDITIONAL_ONLY = {"mirza2014": 3}  # architectures whose nets always take a label: its classes


def tiny_config(architecture):
    last = 8000 if architecture == "goodfellow2014_cifar10_conv" else 16
    return ModelConfig(
        architecture=architecture, latent_dim=4,
        generator=GeneratorConfig(units=[8, last], activations=["relu", "sigmoid"], init_range=0.05,
                                  output="sigmoid", filters=4),
        discriminator=DiscriminatorConfig(units=[6], pieces=3, init_range=0.005, input_keep=0.8,
                                          hidden_keep=0.5, max_column_norm=1.9365, filters=4),
    )


@pytest.mark.parametrize("architecture", ARCHITECTURES.names())
def test_shapes_ranges_and_save_load(architecture, tmp_path):
    config, shape = tiny_config(architecture), SHAPES[architecture]
    module = ARCHITECTURES.get(architecture)
    classes = CONDITIONAL_ONLY.get(architecture, 0)
    options = {"classes": classes} if classes else {}
    generator = module.build_generator(config, shape, **options)
    discriminator = module.build_discriminator(config, shape, **options)
    z = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")

    def labelled(name, x):  # a conditional-only net's inputs: x or z, and three labels
        return {name: x, "label": np.arange(3, dtype=np.int64) % classes} if classes else x

    samples = generator.predict(labelled("z", z), verbose=0)
    assert samples.shape == (3,) + shape
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert discriminator.predict(labelled("x", samples), verbose=0).shape == (3, 1)
    for model in (generator, discriminator):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        again = keras.models.load_model(path)
        inputs = labelled("z", z) if model is generator else labelled("x", samples)
        np.testing.assert_allclose(again.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-6)


def test_paper_initialisation_ranges():
    config = tiny_config("mlp")
    generator = ARCHITECTURES.get("mlp").build_generator(config, (28, 28, 1))
    discriminator = ARCHITECTURES.get("mlp").build_discriminator(config, (28, 28, 1))
    g_kernel = generator.get_layer("hidden_0").kernel.numpy()
    d_kernel = discriminator.get_layer("maxout_0").linear.kernel.numpy()
    assert 0.04 < np.abs(g_kernel).max() <= 0.05
    assert 0.004 < np.abs(d_kernel).max() <= 0.005


def test_output_bias_from_pixel_marginals():
    x = np.zeros((4, 2, 2, 1), np.float32)
    x[:, 0, 0] = 0.5   # mean 0.5 -> logit 0
    x[:2, 0, 1] = 1.0  # mean 0.5 -> logit 0
    x[:, 1, 1] = 0.75  # mean 0.75 -> logit log 3
    logits = marginal_logits(x)
    np.testing.assert_allclose(logits[[0, 1, 3]], [0.0, 0.0, np.log(3.0)], atol=1e-6)
    assert logits[2] < -15  # never-on pixel: clipped, finite
    config = tiny_config("mlp")
    generator = ARCHITECTURES.get("mlp").build_generator(config, (2, 2, 1), output_bias=logits)
    np.testing.assert_allclose(generator.get_layer("output").bias.numpy(), logits)


def test_cifar_conv_generator_has_a_bias_per_output_pixel():
    config = tiny_config("goodfellow2014_cifar10_conv")
    generator = ARCHITECTURES.get("goodfellow2014_cifar10_conv").build_generator(config, (32, 32, 3))
    bias = generator.get_layer("untied_bias").bias
    assert tuple(bias.shape) == (32, 32, 3)
    assert generator.get_layer("deconv").bias is None  # no second, per-channel bias
    z = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    before = generator.predict(z, verbose=0)
    shifted = np.zeros((32, 32, 3), np.float32)
    shifted[5, 7, 1] = 3.0
    bias.assign(shifted)
    after = generator.predict(z, verbose=0)
    changed = np.argwhere(np.abs(after - before) > 1e-6)
    # Only pixel (5, 7), channel 1 moves, in both samples.
    assert changed[:, 1:].tolist() == [[5, 7, 1], [5, 7, 1]]


def test_maxout_takes_the_max_over_pieces():
    layer = Maxout(2, 3, kernel_initializer="ones")
    layer.build((None, 1))
    layer.linear.kernel.assign(np.array([[1.0, -2.0, 3.0, 0.5, 0.25, -1.0]], np.float32))
    out = layer(np.array([[2.0], [-1.0]], np.float32)).numpy()
    # unit 0 pieces (1, -2, 3), unit 1 pieces (0.5, 0.25, -1), times x.
    np.testing.assert_allclose(out, [[6.0, 1.0], [2.0, 1.0]])
    assert Maxout.from_config(layer.get_config()).get_config() == layer.get_config()


def test_max_column_norm_is_enforced_after_an_update():
    config = tiny_config("mlp")
    discriminator = ARCHITECTURES.get("mlp").build_discriminator(config, (4,))
    kernel = discriminator.get_layer("maxout_0").linear.kernel
    optimizer = keras.optimizers.SGD(100.0)
    optimizer.apply_gradients([(-np.ones(kernel.shape, np.float32), kernel)])
    assert np.linalg.norm(kernel.numpy(), axis=0).max() <= 1.9365 + 1e-4


def test_sparse_init_gives_each_unit_count_normal_weights():
    from ganzoo.models.mlp import SparseInit

    kernel = SparseInit(5, seed=3)((40, 300)).numpy()
    assert ((kernel != 0).sum(axis=0) == 5).all()  # exactly 5 distinct inputs per unit
    assert abs(kernel[kernel != 0].std() - 1.0) < 0.05 and abs(kernel[kernel != 0].mean()) < 0.05
    np.testing.assert_array_equal(SparseInit(5, seed=3)((40, 300)), kernel)
    assert not np.array_equal(SparseInit(5, seed=4)((40, 300)), kernel)


def test_the_tfd_generator_options_sparse_output_and_column_norms():
    config = tiny_config("mlp")
    config = ModelConfig(latent_dim=4, discriminator=config.discriminator,
                         generator=GeneratorConfig(units=[8, 16], activations=["relu", "sigmoid"],
                                                   output="sigmoid", output_sparse_init=3,
                                                   max_column_norm=0.5))
    generator = ARCHITECTURES.get("mlp").build_generator(config, (2, 2, 1))
    output = generator.get_layer("output").kernel
    assert ((output.numpy() != 0).sum(axis=0) == 3).all()
    for layer in ("hidden_0", "hidden_1", "output"):
        kernel = generator.get_layer(layer).kernel
        keras.optimizers.SGD(100.0).apply_gradients([(-np.ones(kernel.shape, np.float32), kernel)])
        assert np.linalg.norm(kernel.numpy(), axis=0).max() <= 0.5 + 1e-5, layer


def test_maxout_conv_layer_shapes():
    layer = MaxoutConv2D(32, 2, 8, 4, 4, 2)
    assert layer.compute_output_shape((None, 32, 32, 3)) == (None, 15, 15, 32)
    out = layer(np.zeros((1, 32, 32, 3), np.float32))
    assert out.shape == (1, 15, 15, 32)


def test_the_discriminator_keeps_its_input_layers_and_dropout():
    # The layers a checkpoint names, and the paper's input dropout, must stay in the graph
    # (a model built from an intermediate tensor silently drops everything before it).
    config = ModelConfig(discriminator=DiscriminatorConfig(units=[8], pieces=2, input_keep=0.5))
    for classes in (0, 3):
        discriminator = ARCHITECTURES.get("mlp").build_discriminator(config, (4, 4, 1),
                                                                     classes=classes)
        names = [layer.name for layer in discriminator.layers]
        assert {"x", "input_dropout"} <= set(names), names
        assert any(isinstance(layer, keras.layers.Flatten) for layer in discriminator.layers)
        x = np.ones((64, 4, 4, 1), np.float32)
        inputs = {"x": x, "label": np.zeros(64, np.int64)} if classes else x
        first, second = (discriminator(inputs, training=True).numpy() for _ in range(2))
        assert not np.allclose(first, second)  # dropout draws new masks
