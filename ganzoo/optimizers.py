"""The paper's SGD: learning rate decaying per step, momentum rising per epoch.

The paper's code (pylearn2) trained with ExponentialDecay(decay_factor, min_lr), i.e.
lr_t = max(lr0 / decay^t, min_lr) per minibatch, and a MomentumAdjustor raising momentum
linearly from its initial value at epoch `start` to `final` at epoch `saturate`.
"""

from __future__ import annotations

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ganzoo")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr0 / decay^step, floored at `floor` (pylearn2's ExponentialDecay)."""

    def __init__(self, initial, decay, floor=0.0):
        self.initial = float(initial)
        self.decay = float(decay)
        self.floor = float(floor)

    def __call__(self, step):
        # exp(-t log d) with log d taken in float64: 1.000004 itself is off by 2% in float32.
        log_decay = math.log(self.decay)
        rate = self.initial * ops.exp(-ops.cast(step, "float32") * log_decay)
        return ops.maximum(rate, self.floor)

    def get_config(self):
        return {"initial": self.initial, "decay": self.decay, "floor": self.floor}


@keras.saving.register_keras_serializable(package="ganzoo")
class EpochDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr0 for the first `start` epochs, then decaying each epoch to `final` x lr0 in epoch
    `epochs` (the last): exponentially, lr0 x final^(i/n) in the i-th of the n = epochs - start
    decaying epochs (jeffdonahue/bigan's train_gan.py `set_lr`), or linearly, lr0 x (1 +
    (i - 1)/n x (final - 1)) (its --linear_decay). `updates_per_epoch`: this optimizer's
    updates in one epoch (D's are k times G's)."""

    def __init__(self, initial, updates_per_epoch, start, epochs, final, shape="exponential"):
        self.initial = float(initial)
        self.updates_per_epoch = int(updates_per_epoch)
        self.start = int(start)
        self.epochs = int(epochs)
        self.final = float(final)
        self.shape = shape

    def __call__(self, step):
        epoch = ops.cast(ops.floor_divide(step, self.updates_per_epoch), "float32")  # from 0
        span = float(max(self.epochs - self.start, 1))
        if self.shape == "linear":
            done = ops.clip((epoch - self.start) / span, 0.0, 1.0)
            return self.initial * (1.0 + done * (self.final - 1.0))
        done = ops.clip((epoch - self.start + 1.0) / span, 0.0, 1.0)
        return self.initial * ops.exp(done * math.log(self.final))

    def get_config(self):
        return {"initial": self.initial, "updates_per_epoch": self.updates_per_epoch,
                "start": self.start, "epochs": self.epochs, "final": self.final,
                "shape": self.shape}


@keras.saving.register_keras_serializable(package="ganzoo")
class RampedMomentumSGD(keras.optimizers.SGD):
    """SGD whose momentum rises linearly with the epoch (pylearn2's MomentumAdjustor).

    Keras' SGD bakes its momentum into the traced step as a constant; here it is computed from
    `iterations` inside the step, so it changes without retracing and resumes exactly.
    """

    def __init__(self, learning_rate, momentum, final_momentum, start_epoch, saturate_epoch,
                 steps_per_epoch, **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=momentum, **kwargs)
        self.final_momentum = final_momentum
        self.start_epoch = start_epoch
        self.saturate_epoch = saturate_epoch
        self.steps_per_epoch = steps_per_epoch

    def current_momentum(self):
        """Momentum for the current step: epoch 1 is the first epoch."""
        epoch = ops.cast(self.iterations // self.steps_per_epoch + 1, "float32")
        span = max(self.saturate_epoch - self.start_epoch, 1)
        alpha = ops.clip((epoch - self.start_epoch) / span, 0.0, 1.0)
        return self.momentum * (1.0 - alpha) + self.final_momentum * alpha

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        velocity = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.current_momentum(), variable.dtype)
        self.assign(velocity, velocity * momentum - gradient * learning_rate)
        self.assign_add(variable, velocity)

    def get_config(self):
        return {
            **super().get_config(),
            "final_momentum": self.final_momentum,
            "start_epoch": self.start_epoch,
            "saturate_epoch": self.saturate_epoch,
            "steps_per_epoch": self.steps_per_epoch,
        }


def make_optimizer(train, settings, steps_per_epoch, name):
    """One player's optimizer: [train]'s kind and schedule with that player's `settings`
    ([train.generator] or [train.discriminator]: learning rate and Adam's betas).
    `steps_per_epoch`: this player's updates in an epoch."""
    learning_rate = settings.learning_rate
    if train.lr_decay_start_epoch:
        learning_rate = EpochDecay(learning_rate, steps_per_epoch, train.lr_decay_start_epoch,
                                   train.epochs, train.final_lr_multiplier, train.lr_decay_shape)
    if train.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=settings.beta_1,
                                     beta_2=settings.beta_2, epsilon=train.epsilon, name=name)
    if train.lr_decay != 1.0 or train.min_learning_rate > 0:
        learning_rate = StepDecay(settings.learning_rate, train.lr_decay, train.min_learning_rate)
    if train.momentum == 0 and train.final_momentum == 0:
        return keras.optimizers.SGD(learning_rate, name=name)
    return RampedMomentumSGD(
        learning_rate, train.momentum, train.final_momentum, train.momentum_start_epoch,
        train.momentum_saturate_epoch, steps_per_epoch, name=name,
    )


def current_momentum(optimizer):
    """The momentum an optimizer applies now (0 where it has none), for logging."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # mixed_float16's loss scaling
    if isinstance(optimizer, RampedMomentumSGD):
        return float(optimizer.current_momentum())
    return float(getattr(optimizer, "momentum", 0.0) or 0.0)
