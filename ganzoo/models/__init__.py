"""Generator and discriminator architectures, by the name a recipe gives in `[model].architecture`.

A new architecture is one file with `build_generator(model, data_shape, output_bias, seed)` and
`build_discriminator(model, data_shape, seed)`, and one entry here.
"""

from ganzoo.models import conv, mlp
from ganzoo.models.layers import Maxout, MaxoutConv2D, UntiedBias
from ganzoo.models.prior import LatentPrior

ARCHITECTURES = {
    "mlp": mlp,
    "goodfellow2014_cifar10_conv": conv,
}

__all__ = ["ARCHITECTURES", "LatentPrior", "Maxout", "MaxoutConv2D", "UntiedBias"]
