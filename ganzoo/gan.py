"""The adversarial game as a Keras model: one training step, and the hooks a family overrides.

`GAN.train_step` is Algorithm 1 of Goodfellow et al. 2014 (arXiv 1406.2661): k discriminator
updates, each on its own minibatch of data and noise, then one generator update on fresh noise
(`update = "alternating"`). The paper's own code instead took both gradients from one
minibatch and applied them together (`update = "simultaneous"`), which its recipes reproduce.
Both updates go through `play`, so the losses have one definition.

A family (`ganzoo.families`) is a subclass overriding small hooks:

    draws(batch, noise, names)          every random tensor of one update, by stream name
    generator_inputs(batch, draws)      what G takes (z; a conditional G adds a label)
    generate(batch, draws)              the fake batch: a dict with "x" (and what D needs)
    infer(batch)                        the real batch as D sees it (a BiGAN adds z = E(x))
    discriminator_inputs(batch)         what D is shown of a real or fake batch
    discriminator_terms(...)            named scalars summed into D's loss (loss, penalties)
    generator_terms(...)                named scalars summed into G's loss
    observations(...)                   named scalars logged, not optimised (D(x), W estimate)
    players()                           each player's variables (a BiGAN's encoder joins G)
    initialize_from_data(examples)      data-dependent initialisation (a weight-normalised D)
    after_update(names)                 what follows each update (a Polyak average of D)
    discriminator_input_shape(...)      D's input shape for a data shape (PacGAN packs)
    network_options(recipe)             what both network builders take (a label's classes)
    discriminator_options(recipe)       what D's builder takes (default: network_options)
    inference_inputs(z)                 what G takes outside training (z, or z and labels)
    grid_inputs(z, columns)             what G takes for a picture `columns` wide (TensorBoard's)
    serving_signatures()                what the export serves besides G ({name: (fn, specs)})
    family_pictures(data, value_range)  TensorBoard pictures beside the samples (completions)

Batches are dicts ({"x": ..., "label": ...}); the dataset yields a tuple of k of them per step.

Distribution: `train_step` runs once per replica. Each replica's loss is divided by the number
of replicas because `apply_gradients` sums gradients across replicas, so an update equals the
single-device update on the global batch. Random draws come from named stateless streams
(`ganzoo.noise`), drawn for the global batch and sliced per replica, before the compiled part
of the step: XLA's random kernels draw other numbers than TensorFlow's from the same seed, so
drawing outside it keeps a run the same with XLA on or off (up to rounding).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganzoo import distribute, registry
from ganzoo.errors import GanzooError
from ganzoo.noise import LATENT, Noise, replicas, step_seed

DISCRIMINATOR, GENERATOR = "discriminator", "generator"


class GAN(keras.Model):
    """A generator and a discriminator playing the minimax game (`[model].family = "vanilla"`).

    Args:
      generator: a built Keras model z -> x (its inputs decide the export's signature inputs).
      discriminator: a built Keras model x -> [batch, 1] output (a logit, or a critic value).
      prior: a `ganzoo.models.LatentPrior`.
      loss: a name in `ganzoo.registry.LOSSES`, or a `ganzoo.losses.Loss`.
      penalties: {name in `ganzoo.registry.PENALTIES`: weight}, added to D's loss.
      k: discriminator updates per generator update; the dataset then yields k batches a step.
      update: `alternating` (Algorithm 1) or `simultaneous` (the paper's code; needs k = 1).
      seed: the noise seed; step t's draws depend on (seed, t) only, so a resumed run draws
        what an uninterrupted one would.
      steps_per_epoch: the default for `fit` (the recipe's dataset is an endless stream).
      jit_compile: XLA-compile the per-replica losses and gradients (`play`) and, on one
        device, the optimizers' updates with them (`learn`).
    """

    conditional = False  # whether G takes a class label (class metrics apply)
    family_metrics = ()  # metrics only this family's runs take (`ganzoo.eval.metrics`)
    requested_metrics = ()  # those of family_metrics `ganzoo eval` runs only when named

    def __init__(self, generator, discriminator, prior, loss="non_saturating", penalties=None,
                 k=1, update="alternating", seed=0, steps_per_epoch=None, jit_compile=False,
                 l2_regularization=0.0, **kwargs):
        super().__init__(**kwargs)
        if update == "simultaneous" and k != 1:
            raise ValueError("simultaneous updates take one minibatch per step: k must be 1")
        self.generator = generator
        self.discriminator = discriminator
        self.prior = prior
        self.loss = registry.LOSSES.get(loss) if isinstance(loss, str) else loss
        self.penalties = {name: (registry.PENALTIES.get(name), float(weight))
                          for name, weight in (penalties or {}).items()}
        self.k = k
        self.update = update
        self.seed = seed
        self.steps_per_epoch = steps_per_epoch
        self.l2_regularization = float(l2_regularization)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.log_names()}
        self.xla = bool(jit_compile)  # (Keras' own jit_compile stays False: see compile)
        if jit_compile:
            # XLA on the per-replica work only: Keras' jit_compile=True fails with mirrored
            # replicas (see the notes on distribution in README.md). On one device the
            # optimizers' updates join the gradients' XLA program (`learn`): Keras' Adam is a
            # dozen elementwise passes over every weight, which XLA fuses into one
            # (benchmarks/RESULTS.md, "Optimizer updates under XLA").
            self.play = tf.function(self.play, jit_compile=True)
            self.learn_xla = tf.function(self.learn, jit_compile=True)
        # Both networks are built functional models; under a strategy scope `fit` would
        # otherwise try to build the GAN by calling it on a batch of images.
        self.built = True

    @classmethod
    def recipe_options(cls, recipe):
        """Constructor arguments this family reads from a recipe beyond the common ones.

        `ganzoo.build.build_gan` calls it inside the strategy scope, so it may build networks
        of the family's own (a BiGAN's encoder)."""
        return {}

    @classmethod
    def network_options(cls, recipe):
        """Keyword arguments for both network builders (a conditional family's `classes`)."""
        return {}

    @classmethod
    def discriminator_options(cls, recipe):
        """Keyword arguments for the discriminator builder: `network_options` unless a family
        builds D otherwise (AC-GAN's D takes no label and gains a class head)."""
        return cls.network_options(recipe)

    @classmethod
    def discriminator_input_shape(cls, data_shape, recipe):
        """The shape of one input of D for data of `data_shape`."""
        return tuple(data_shape)

    def inference_inputs(self, z, label=None):
        """What G takes at inference for latent codes `z` (pictures, evaluation, sampling); a
        `label` is for conditional families."""
        if label is not None:
            raise GanzooError(f"--label {label}: this model's family ({type(self).__name__}) "
                              f"takes no label")
        return z

    def grid_inputs(self, z, columns):
        """What G takes for a picture of samples `columns` wide, filled row by row from the
        latent codes `z`: here one sample per code (a conditional family lays out its classes)."""
        return self.inference_inputs(z)

    def serving_signatures(self):
        """Signatures the export serves beside the generator's (`ganzoo.export`): {name: (fn,
        [named tf.TensorSpec with a batch dimension])}, fn taking one tensor per spec and
        returning a dict of batch-major outputs; none here (a BiGAN serves `encode`)."""
        return {}

    def family_pictures(self, data, value_range):
        """TensorBoard pictures a family adds for image data, from training images `data` and
        their `value_range` (None: gcn): {name: uint8 [H, W, 3]}; none here (an inpainting
        model shows completions)."""
        return {}

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Set the two optimizers and build them now, inside the current strategy scope.

        Slot variables created lazily inside the traced step fail with several replicas
        (keras-team/keras#23085).
        """
        super().compile(jit_compile=False, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        for optimizer, variables in self.players().values():
            optimizer.build(variables)

    def players(self):
        """Each player's optimizer and the variables it trains."""
        return {DISCRIMINATOR: (self.d_optimizer, self.discriminator.trainable_variables),
                GENERATOR: (self.g_optimizer, self.generator.trainable_variables)}

    def log_names(self):
        """What `fit` logs, in order: D's terms, G's terms, then the observations."""
        d_terms = ["d_loss"] + [f"{name}_penalty" for name in self.penalties]
        return d_terms + ["g_loss"] + list(self.loss.observed)

    @property
    def metrics(self):
        """The logged means; Keras resets them each epoch."""
        return list(self.trackers.values())

    @property
    def steps(self):
        """Training steps done (one generator update each)."""
        return self.g_optimizer.iterations

    def call(self, z, training=False):
        """Samples for latent codes `z`."""
        return self.generator(z, training=training)

    def fit(self, *args, steps_per_epoch=None, **kwargs):
        """`keras.Model.fit`, with steps_per_epoch defaulting to the recipe's epoch length.

        The recipe's dataset is already shuffled, deterministically by step, so Keras' own
        shuffle is off.
        """
        kwargs.setdefault("shuffle", False)
        return super().fit(*args, steps_per_epoch=steps_per_epoch or self.steps_per_epoch, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras (3.15) first averages a batch over the replicas to build the model symbolically;
        MultiWorkerMirroredStrategy cannot reduce a batch of dicts. The GAN needs no batch: its
        networks are built functional models and its optimizers are built in `compile`."""
        if self._distribute_strategy is None:
            return
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch={})

    # -- Algorithm 1 ---------------------------------------------------------------------

    def train_step(self, data):
        """k discriminator updates, each on its own minibatch, then one generator update."""
        minibatches = data if isinstance(data, tuple) else (data,)
        step, phases = self.steps, self.k + 1
        if self.update == "simultaneous":
            self.update_players((DISCRIMINATOR, GENERATOR), minibatches[0],
                                step_seed(self.seed, step, 0, phases))
        else:
            for i, batch in enumerate(minibatches):
                self.update_players((DISCRIMINATOR,), batch, step_seed(self.seed, step, i, phases))
            self.update_players((GENERATOR,), minibatches[-1],
                                step_seed(self.seed, step, len(minibatches), phases))
        return self.logs()

    def update_players(self, names, batch, seed):
        """One update of the players `names` on `batch`, with the draws of `seed`."""
        draws = self.draws(batch, Noise(seed), names)
        # Under replicas apply_gradients sums the replicas' gradients in a cross-replica
        # merge, which XLA cannot compile: there only `play` runs under XLA.
        mirrored = distribute.is_mirrored(tf.distribute.get_strategy())
        learn = self.learn_xla if self.xla and not mirrored else self.learn
        logs = learn(batch, draws, names)
        self.after_update(names)
        for name, value in logs.items():
            self.trackers[name].update_state(value)

    def learn(self, batch, draws, names):
        """Apply this replica's gradients for the players `names` (`play`); the values to log."""
        gradients, logs = self.play(batch, draws, names)
        players = self.players()
        for name in names:
            optimizer, variables = players[name]
            optimizer.apply_gradients(zip(gradients[name], variables))
        return logs

    def play(self, batch, draws, names):
        """This replica's gradients for the players `names`, and the values to log.

        Both players' terms come from one pass (one G(z), one D(G(z))), as the paper's code
        computed its simultaneous update.
        """
        players = self.players()
        with tf.GradientTape(persistent=len(names) > 1) as tape:
            terms, logs = self.terms(batch, draws, names)
            # The optimizer's scale_loss is the identity but under mixed_float16, where its
            # LossScaleOptimizer multiplies by the loss scale and apply_gradients divides the
            # gradients by it again (ganzoo.precision).
            totals = {name: players[name][0].scale_loss(self.scale_loss(
                tf.add_n([*terms[name].values(), *self.regularization(players[name][1])])))
                for name in names}
        gradients = {name: tape.gradient(totals[name], players[name][1]) for name in names}
        del tape
        return gradients, logs

    def regularization(self, variables):
        """[train].l2_regularization's term of a player's loss, l2 / 2 x the sum of its
        variables' squares (so the gradient gains l2 x w: coupled L2), as a list: empty when
        off. Not logged: it is the same function of the weights for every family."""
        if not self.l2_regularization:
            return []
        squares = tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in variables])
        return [0.5 * self.l2_regularization * squares]

    def terms(self, batch, draws, names):
        """({player: {term: scalar}}, {name: scalar to log}) of one forward pass."""
        fake = self.generate(batch, draws)
        real = self.infer(batch)
        real_outputs = self.discriminate(real) if DISCRIMINATOR in names else None
        fake_outputs = self.discriminate(fake)
        terms, logs = {}, {}
        if DISCRIMINATOR in names:
            terms[DISCRIMINATOR] = self.discriminator_terms(real, fake, real_outputs,
                                                            fake_outputs, draws)
            logs.update(terms[DISCRIMINATOR])
            logs.update(self.observations(real_outputs, fake_outputs))
        if GENERATOR in names:
            terms[GENERATOR] = self.generator_terms(real, fake, fake_outputs)
            logs.update(terms[GENERATOR])
        return terms, logs

    # -- Hooks ---------------------------------------------------------------------------

    def draws(self, batch, noise, names):
        """Every random tensor one update of `names` needs, by stream: z, and each penalty's."""
        found = {LATENT: noise.latent(self.prior, tf.shape(batch["x"])[0])}
        if DISCRIMINATOR in names and self.penalties:
            rows = tf.shape(self.discriminator_inputs(batch))[0]  # D's inputs: packs, pairs
            for name, (penalty, _) in self.penalties.items():
                found[name] = penalty.draw(noise, rows)
        return found

    def initialize_from_data(self, examples):
        """Called once the GAN is built on its recipe's data, before any checkpoint is restored,
        with the training split (`ganzoo.data.Examples` or `StreamedExamples`): nothing here; a
        family whose nets start from the data sets them (the semi-supervised family's
        weight-normalised D)."""

    def after_update(self, names):
        """Called in the step after each update of the players `names` is applied (in replica
        context): nothing here; a family that keeps state following the weights updates it
        (the semi-supervised family's moving average of D's weights)."""

    def infer(self, batch):
        """The real batch as D and the loss terms see it: here `batch` itself; a family that
        infers something from x adds it (a BiGAN's encoder adds z = E(x))."""
        return batch

    def generator_inputs(self, batch, draws):
        """What G takes for a batch like `batch`: z."""
        return draws[LATENT]

    def generate(self, batch, draws):
        """The fake counterpart of `batch`."""
        return {"x": self.generator(self.generator_inputs(batch, draws), training=True)}

    def discriminator_inputs(self, batch):
        """What D is shown of a (real or fake) batch."""
        return batch["x"]

    def discriminator_fn(self, inputs):
        """D in training mode on what it is shown (penalties call it on their own inputs)."""
        return self.discriminator(inputs, training=True)

    def discriminate(self, batch):
        return self.discriminator_fn(self.discriminator_inputs(batch))

    def discriminator_terms(self, real, fake, real_outputs, fake_outputs, draws):
        """D's loss, and each penalty times its weight."""
        terms = {"d_loss": self.loss.discriminator(real_outputs, fake_outputs)}
        for name, (penalty, weight) in self.penalties.items():
            value = penalty(self.discriminator_fn, self.discriminator_inputs(real),
                            self.discriminator_inputs(fake), draws[name])
            terms[f"{name}_penalty"] = weight * value
        return terms

    def generator_terms(self, real, fake, fake_outputs):
        """G's loss."""
        return {"g_loss": self.loss.generator(fake_outputs)}

    def observations(self, real_outputs, fake_outputs):
        """What D's outputs say, as the loss reads them (`ganzoo.losses.Loss.observe`)."""
        return self.loss.observations(real_outputs, fake_outputs)

    # -- Distribution ----------------------------------------------------------------------

    def scale_loss(self, loss):
        """This replica's share of the global-batch loss.

        `apply_gradients` sums the replicas' gradients, so the per-replica mean is divided by
        the number of replicas: the update then equals one device's on the global batch.
        """
        return loss / replicas()

    def logs(self):
        """The metrics' results: each replica's mean, which `fit` averages over replicas.

        Rank 1 across several workers: Keras' final reduction there fails on scalars
        (tensorflow/tensorflow#72388) and averages the [1] values back into scalars.
        """
        logs = {m.name: m.result() for m in self.metrics}
        if distribute.is_multi_worker(tf.distribute.get_strategy()):
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs
