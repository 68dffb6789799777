"""PacGAN's packing: D is shown m consecutive samples side by side, sample 0 first."""

import numpy as np

import ganzoo
from ganzoo.families.pacgan import PacGAN
from tests.helpers import CONTRACT_BASE


def packer(pack):
    recipe = ganzoo.load_recipe("toy/ring8", overrides={**CONTRACT_BASE, "model.family": "pacgan",
                                                        "model.pack": pack, "train.batch_size": 12})
    gan = ganzoo.build_gan(recipe)
    assert isinstance(gan, PacGAN) and gan.pack == pack
    return gan


def test_vectors_are_packed_along_their_features():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)  # six 2-d points: [0, 1], [2, 3], ...
    packed = packer(3).discriminator_inputs({"x": x}).numpy()
    # Two packs of three points: [x0 x1 x2] and [x3 x4 x5], each 6 features.
    np.testing.assert_array_equal(packed, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])


def test_images_are_packed_along_their_channels():
    gan = packer(2)
    x = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype(np.float32)
    packed = gan.discriminator_inputs({"x": x}).numpy()
    assert packed.shape == (2, 3, 3, 4)
    for p in range(2):  # pack p holds images 2p and 2p + 1, each with its 2 channels in order
        np.testing.assert_array_equal(packed[p, ..., :2], x[2 * p])
        np.testing.assert_array_equal(packed[p, ..., 2:], x[2 * p + 1])


def test_d_is_built_for_the_packed_input():
    gan = packer(4)
    assert gan.discriminator.input_shape[-1] == 2 * 4
