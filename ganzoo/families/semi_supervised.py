"""Semi-supervised learning with a GAN (Salimans et al. 2016, "Improved Techniques for Training
GANs", arXiv 1606.03498, section 5): D is a K-class classifier and G is trained by feature
matching.

D's K + 1-th class, "fake", is written with K logits l_1..l_K only (the fake logit fixed at
0): with Z(x) = sum_k exp l_k(x), D(x) = P(real | x) = Z(x) / (Z(x) + 1), so
log D(x) = lse(l) - softplus(lse(l)) and log(1 - D(x)) = -softplus(lse(l)). D minimises

    L_supervised   = -E_{x, y ~ labelled} log p(y | x, y < K + 1) = CE(softmax(l(x)), y)
    L_unsupervised = -1/2 E_{x ~ data} log D(x) - 1/2 E_z log(1 - D(G(z)))

(the paper's L_unsupervised with the 1/2 of its code, openai/improved-gan
train_mnist_feature_matching.py), and G minimises feature matching on D's last hidden layer f:

    L_G = mean_j (E_{x ~ data} f_j(x) - E_z f_j(G(z)))^2

(the code's mean over the features; the paper's eq. 4 writes the squared norm, the sum).

Each step's batch holds the unlabelled minibatch {"x", "label"} (its labels are not read) and
a minibatch of the [data].labelled subset {"labelled_x", "labelled_label"}, both drawn by the
step-indexed shuffle (`ganzoo.data.pipeline`), so resume and replicas stay exact. The batch
means of feature matching are all-reduced across replicas, so N replicas match one device
(a per-replica mean, squared, would not).

D (`classifier_classes` in the builders, `salimans2016`) returns {"class_logits",
"features"}. `[loss].name` is not read; `[loss].penalties` are refused. The export adds a
`classify` signature (x -> class probabilities); `ganzoo eval --metrics test_errors` counts
D's errors on the test split.

The classifier those read is, with `[model.discriminator].ema_momentum` m > 0, a moving average
of D's weights (Polyak averaging: openai/improved-gan's MNIST code reads its test error on
such an average, m = 0.9999, while training goes on with D's own weights): after every D
update, average = m * average + (1 - m) * weights, from zeros as in the code, and read
divided by 1 - m^t after t updates (Adam's bias correction), so that an early evaluation sees
a weighted mean of the weights D has had rather than one pulled towards zero (after the code's
180,000 steps the correction is 1 - e^-18: the same classifier). D's weights fluctuate under
the adversarial game; the average is a steadier classifier. The averages are variables of the
GAN, saved in every checkpoint, so resume stays exact.
"""

from __future__ import annotations

import inspect

import keras
import tensorflow as tf

from ganzoo import registry
from ganzoo.errors import RecipeError
from ganzoo.families.conditional import labelled_classes
from ganzoo.families.rules import check_labelled
from ganzoo.gan import DISCRIMINATOR, GAN
from ganzoo.models.salimans2016 import initialize_discriminator

INIT_EXAMPLES = 500  # training images D's data-dependent initialisation reads (the code's)
D_TERMS = ("d_supervised_loss", "d_unsupervised_loss")
G_TERMS = ("g_feature_matching",)
OBSERVED = ("d_labelled_error", "d_real_probability", "d_fake_probability")


def supervised_loss(class_logits, labels):
    """Mean cross-entropy of `labels` [batch] under softmax(`class_logits`) [batch, K]:
    -l_y + lse(l), the paper's L_supervised (the fake class drops out: p(y | x, y < K + 1))."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int64), logits=class_logits))


def unsupervised_loss(real_logits, fake_logits):
    """-1/2 E log D(x) - 1/2 E log(1 - D(G(z))) with D = Z / (Z + 1), Z = sum exp l_k:
    1/2 mean(softplus(lse_real) - lse_real) + 1/2 mean(softplus(lse_fake))."""
    real, fake = tf.reduce_logsumexp(real_logits, -1), tf.reduce_logsumexp(fake_logits, -1)
    return 0.5 * tf.reduce_mean(tf.nn.softplus(real) - real) + 0.5 * tf.reduce_mean(
        tf.nn.softplus(fake))


def real_probability(class_logits):
    """D(x) = Z / (Z + 1) = sigmoid(lse(l)), per example."""
    return tf.sigmoid(tf.reduce_logsumexp(class_logits, -1))


def feature_matching_loss(real_features, fake_features):
    """mean_j (mean_batch f_j(real) - mean_batch f_j(fake))^2, the batch means taken over the
    global batch (`global_mean`)."""
    return tf.reduce_mean(tf.square(global_mean(real_features) - global_mean(fake_features)))


def global_mean(features):
    """The mean over the global batch of `features` [batch, F]: each replica's mean, averaged
    over the replicas (equal shares of the batch) by a differentiable all-reduce."""
    mean = tf.reduce_mean(features, axis=0)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return mean
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, mean)


def error_rate(class_logits, labels):
    """The fraction of the batch whose most likely class is not its label."""
    predicted = tf.argmax(class_logits, axis=-1, output_type=tf.int64)
    return tf.reduce_mean(tf.cast(tf.not_equal(predicted, tf.cast(labels, tf.int64)),
                                  tf.float32))


class SemiSupervisedGAN(GAN):
    """An unconditional G trained by feature matching against a K-class classifier D.

    The discriminator is a built Keras model x -> {"class_logits": [batch, classes],
    "features": [batch, F]}; the generator takes z.
    """

    family_metrics = ("test_errors",)

    def __init__(self, *args, classes, ema_momentum=0.0, **kwargs):
        if classes < 2:
            raise ValueError(f"a semi-supervised GAN needs at least 2 classes, not {classes}")
        if not 0 <= ema_momentum < 1:
            raise ValueError(f"ema_momentum must be in [0, 1), not {ema_momentum}")
        self.classes = classes
        super().__init__(*args, **kwargs)
        self.ema_momentum = float(ema_momentum)
        # One copy of each of D's trainable weights (created in the strategy's scope, as the
        # whole GAN is). Every replica holds the same weights, so an assignment in replica
        # context may take the first replica's value ("only_first_replica", as spectral
        # norm's power-iteration vector).
        self.averages = [keras.Variable(tf.zeros_like(weight.value), trainable=False,
                                        name=f"average_{i}", aggregation="only_first_replica")
                         for i, weight in enumerate(self.discriminator.trainable_variables)
                         ] if self.ema_momentum else []

    @classmethod
    def recipe_options(cls, recipe):
        return {"classes": check_recipe(recipe),
                "ema_momentum": recipe.model.discriminator.ema_momentum}

    def initialize_from_data(self, examples):
        """openai/improved-gan's data-dependent initialisation of D's weight-normalised layers
        on the first INIT_EXAMPLES training images (`init_param(trainx[:500])`)."""
        x = tf.constant(examples.subset(INIT_EXAMPLES), tf.float32)
        initialize_discriminator(self.discriminator, x)

    def after_update(self, names):
        """After a D update, move the average of D's weights towards them."""
        if DISCRIMINATOR not in names or not self.averages:
            return
        m = self.ema_momentum
        for average, weight in zip(self.averages, self.discriminator.trainable_variables):
            average.assign(m * average.value + (1.0 - m) * weight.value)

    @classmethod
    def discriminator_options(cls, recipe):
        return {"classifier_classes": check_recipe(recipe)}

    def log_names(self):
        return [*D_TERMS, *G_TERMS, *OBSERVED]

    def discriminator_fn(self, inputs):
        """D's logit of "real", lse(l) (D(x) = sigmoid(lse(l))), [batch, 1]: what a caller that
        wants one real/fake output per example reads."""
        logits = self.discriminator(inputs, training=True)["class_logits"]
        return tf.reduce_logsumexp(logits, axis=-1, keepdims=True)

    def discriminate(self, batch):
        """D's class logits and features of a batch; of a real one also of its labelled part."""
        outputs = dict(self.discriminator(batch["x"], training=True))
        if "labelled_x" in batch:
            labelled = self.discriminator(batch["labelled_x"], training=True)
            outputs.update(labelled_logits=labelled["class_logits"],
                           labelled_label=batch["labelled_label"])
        return outputs

    def discriminator_terms(self, real, fake, real_outputs, fake_outputs, draws):
        return {"d_supervised_loss": supervised_loss(real_outputs["labelled_logits"],
                                                     real_outputs["labelled_label"]),
                "d_unsupervised_loss": unsupervised_loss(real_outputs["class_logits"],
                                                         fake_outputs["class_logits"])}

    def generator_terms(self, real, fake, fake_outputs):
        real_features = self.discriminator(real["x"], training=True)["features"]
        return {"g_feature_matching": feature_matching_loss(real_features,
                                                            fake_outputs["features"])}

    def observations(self, real_outputs, fake_outputs):
        return {"d_labelled_error": error_rate(real_outputs["labelled_logits"],
                                               real_outputs["labelled_label"]),
                "d_real_probability": tf.reduce_mean(real_probability(
                    real_outputs["class_logits"])),
                "d_fake_probability": tf.reduce_mean(real_probability(
                    fake_outputs["class_logits"]))}

    def classify(self, x):
        """The classifier's class probabilities of `x` (the data's range) in inference mode (no
        noise): D on the moving average of its weights where the recipe keeps one, else D."""
        if self.averages:
            outputs, _ = self.discriminator.stateless_call(
                self.averaged_weights(),
                [v.value for v in self.discriminator.non_trainable_variables], x, training=False)
        else:
            outputs = self.discriminator(x, training=False)
        return tf.nn.softmax(outputs["class_logits"])

    def averaged_weights(self):
        """The bias-corrected averages, average / (1 - m^t) after t D updates; D's own
        weights before its first update."""
        updates = tf.cast(self.d_optimizer.iterations, tf.float32)
        correction = 1.0 - tf.pow(tf.constant(self.ema_momentum, tf.float32), updates)
        weights = self.discriminator.trainable_variables
        return [tf.where(updates > 0, average.value / tf.maximum(correction, 1e-30), weight.value)
                for average, weight in zip(self.averages, weights)]

    def serving_signatures(self):
        """`classify`: x float32 [batch, *data shape] -> `probabilities` [batch, classes] and
        `class` int64 [batch] (the most likely)."""
        shape = self.discriminator.inputs[0].shape[1:]
        spec = tf.TensorSpec([None, *shape], tf.float32, name="x")

        def classify(x):
            probabilities = self.classify(x)
            return {"probabilities": probabilities,
                    "class": tf.argmax(probabilities, axis=-1, output_type=tf.int64)}

        return {"classify": (classify, [spec])}


def check_recipe(recipe):
    """The dataset's classes, or a one-line RecipeError naming the key: a dataset without
    labels, [data].labelled not a multiple of its classes (a folder's, known once its files
    are listed; the loader's rules, `ganzoo.families.rules.semi_supervised`, check it for the
    named datasets and refuse penalties), or nets whose D cannot be a classifier.
    (`ganzoo.data.labelled` checks it against the training split.)"""
    where = f"{recipe.path}: [model].family = {recipe.model.family!r}"
    classes = labelled_classes(recipe)
    check_labelled(recipe.data.labelled, classes, where)
    if not is_classifier(recipe.model.architecture):
        allowed = [name for name in registry.ARCHITECTURES.names() if is_classifier(name)]
        raise RecipeError(f"{where} needs a discriminator that is a K-class classifier, and "
                          f"[model].architecture = {recipe.model.architecture!r} is not; "
                          f"choose from: {', '.join(allowed)}")
    return classes


def is_classifier(architecture):
    """Whether an architecture's discriminator builder takes `classifier_classes`."""
    builder = registry.ARCHITECTURES.get(architecture).build_discriminator
    return "classifier_classes" in inspect.signature(builder).parameters
