"""Spectral normalisation (Miyato et al. 2018, https://arxiv.org/abs/1802.05957) for GAN
discriminators: a wrapped layer computes with W / sigma(W) while its stored kernel stays W."""

from __future__ import annotations

import keras
from keras import ops

from ganzoo.models.layers import Maxout, MaxoutConv2D

# Each layer that may be wrapped: how to reach its kernel, and which kernel axis is the output
# (a transposed convolution's kernel is [kh, kw, out, in]).
KERNELS = {
    keras.layers.Dense: (lambda layer: layer.kernel, -1),
    keras.layers.Conv2D: (lambda layer: layer.kernel, -1),
    keras.layers.Conv2DTranspose: (lambda layer: layer.kernel, -2),
    Maxout: (lambda layer: layer.linear.kernel, -1),
    MaxoutConv2D: (lambda layer: layer.conv.kernel, -1),
}
EPSILON = 1e-12


@keras.saving.register_keras_serializable(package="ganzoo")
class SpectralNormalization(keras.layers.Wrapper):
    """Wraps `layer` so that its call uses W_SN = W / sigma(W), sigma by power iteration.

    Keras' own `keras.layers.SpectralNormalization` (3.15) is not this: on every training call
    it assigns W / sigma back into the wrapped kernel (`self.kernel.assign(new_kernel)` in its
    `call`), so the optimizer steps on the normalised kernel, the gradient never sees sigma's
    dependence on W, and a transposed convolution is normalised over its input axis.

    Here W_SN exists only as a tensor: `keras.StatelessScope` maps the kernel variable to it
    for the wrapped layer's call, so gradients reach W through W_SN (sigma included) and
    nothing is written into the kernel. The scope also swallows assignments, which is why u is
    assigned after it; the allowed layers update no state of their own in their call. (A scope
    answers only for its own variables, so this is not for use inside Keras' `stateless_call`:
    the wrapped layer's bias would be read from the variable, not from the outer mapping.)

    Training calls run `power_iterations` steps from the stored u (v = l2(u W^T), u = l2(v W),
    with u and v held constant for the gradient, as the paper's code and PyTorch do), use
    sigma = v W u^T and store the new u: a discriminator called on real and on fake data does
    one iteration per call. Inference calls take one v step from the stored u and store
    nothing, so evaluating never moves the estimate.

    u is a [1, out] non-trainable weight (saved with the layer's weights, so a resumed run
    continues the same sequence), drawn from a normal distribution with `seed` and normalised.
    Under MirroredStrategy every replica holds the same kernel and u and so computes the same
    new u. u's "only_first_replica" aggregation makes an assignment in replica context copy
    replica 0's value to all; with "none" TF assigns only the replica's own copy, which also
    matched one device here, but would let copies drift if replicas ever differed in rounding.
    The wrapper's own dtype is always float32 (a `dtype` argument is overridden): a mixed
    policy would have it read the kernel already cast to bfloat16. So u, the power iteration and
    sigma stay float32 while the wrapped layer keeps its policy and casts W_SN itself.
    """

    def __init__(self, layer, power_iterations=1, seed=0, **kwargs):
        kind = next((kind for kind in KERNELS if isinstance(layer, kind)), None)
        if kind is None:
            allowed = ", ".join(kind.__name__ for kind in KERNELS)
            raise ValueError(f"SpectralNormalization cannot wrap layer '{layer.name}' "
                             f"({type(layer).__name__}): it has no kernel; wrap one of: {allowed}")
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be at least 1, got {power_iterations}")
        kwargs["dtype"] = "float32"
        super().__init__(layer, **kwargs)
        self.power_iterations = power_iterations
        self.seed = seed
        self._kernel_of, self._output_axis = KERNELS[kind]

    def build(self, input_shape):
        super().build(input_shape)
        outputs = self._kernel_of(self.layer).shape[self._output_axis]

        def unit_normal(shape, dtype=None):
            draw = keras.random.normal(shape, seed=self.seed, dtype="float32")
            return l2_normalize(draw)

        self.u = self.add_weight(shape=(1, outputs), initializer=unit_normal, dtype="float32",
                                 trainable=False, aggregation="only_first_replica", name="u")

    def call(self, inputs, training=False):
        kernel = self._kernel_of(self.layer)
        u, sigma = self.power_iteration(self.kernel_matrix(kernel), bool(training))
        normalised = kernel.value / ops.cast(sigma, kernel.dtype)
        with keras.StatelessScope([(kernel, normalised)], collect_losses=True,
                                  initialize_variables=False) as scope:
            outputs = self.layer(inputs)
        for loss in scope.losses:  # an activity regularizer's, collected inside the scope
            self.add_loss(loss)
        if training:
            self.u.assign(u)
        return outputs

    def kernel_matrix(self, kernel):
        """The kernel as a float32 [-1, out] matrix, whose top singular value is sigma."""
        matrix = ops.cast(ops.convert_to_tensor(kernel), "float32")
        if self._output_axis != -1:
            matrix = ops.moveaxis(matrix, self._output_axis, -1)
        return ops.reshape(matrix, (-1, matrix.shape[-1]))

    def power_iteration(self, matrix, training):
        """(u, sigma): training steps u `power_iterations` times; inference keeps the stored u."""
        u = self.u.value
        v = l2_normalize(ops.matmul(u, ops.transpose(matrix)))
        if training:
            for step in range(self.power_iterations):
                if step:
                    v = l2_normalize(ops.matmul(u, ops.transpose(matrix)))
                new_u = l2_normalize(ops.matmul(v, matrix))
                # A zero kernel gives u = 0, from which no later kernel could recover.
                u = ops.where(ops.any(ops.not_equal(new_u, 0)), new_u, u)
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, matrix), ops.transpose(u))[0, 0]
        return u, ops.maximum(sigma, EPSILON)  # a zero kernel stays zero, not NaN

    def compute_output_shape(self, input_shape):
        # A tuple: Conv2DTranspose answers with a list.
        return tuple(self.layer.compute_output_shape(input_shape))

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations,
                "seed": self.seed}


def l2_normalize(vector):
    """`vector` over its norm, floored as PyTorch's F.normalize does so that 0 stays 0."""
    return vector / ops.maximum(ops.sqrt(ops.sum(ops.square(vector))), EPSILON)
