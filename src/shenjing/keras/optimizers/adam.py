"""``Adam`` and ``AdamW``: momentum over a running root mean square, Keras's epsilon."""

from ...optim import functional as F
from .optimizer import Optimizer, check_range


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) in Keras 3's form.

    ::

        m = beta_1 * m + (1 - beta_1) * g                  first moment
        v = beta_2 * v + (1 - beta_2) * g^2                second moment
        amsgrad:  v_hat = max(v_hat, v), used for v
        lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)    both bias corrections, t = 1, 2, ...
        p = p - lr_t * m / (sqrt(v) + epsilon)

    Keras adds epsilon to sqrt(v) *before* the bias correction ("epsilon hat" of the
    paper); PyTorch adds it to sqrt(v / (1 - beta_2^t)) after.  The two are the same rule
    with epsilon_torch = epsilon / sqrt(1 - beta_2^t), which is how this calls
    ``optim.functional.adam``.  Weight decay (AdamW) is the base class's decoupled step.

    >>> opt = keras.optimizers.Adam(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)   # clipping, weight_decay, ...
        owner = type(self).__name__
        self.beta_1 = check_range(owner, "beta_1", beta_1, 0.0, 1.0, closed_high=False)
        self.beta_2 = check_range(owner, "beta_2", beta_2, 0.0, 1.0, closed_high=False)
        self.epsilon = check_range(owner, "epsilon", epsilon, 0.0, float("inf"))
        self.amsgrad = bool(amsgrad)

    def build_slots(self, param):
        slots = {"momentum": self._zeros(param), "velocity": self._zeros(param)}
        if self.amsgrad:
            slots["velocity_hat"] = self._zeros(param)
        return slots

    def update_step(self, grad, param, slots, lr, work):
        t = self.iterations + 1
        eps = self.epsilon / (1.0 - self.beta_2 ** t) ** 0.5     # Keras's epsilon in torch's place
        F.adam(param, grad, slots["momentum"], slots["velocity"], slots.get("velocity_hat"),
               step=t, lr=lr, beta1=self.beta_1, beta2=self.beta_2, eps=eps, work=work)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), Keras 3's defaults.

    ::

        p = p - lr * weight_decay * p                      before Adam's step (default 0.004)

    >>> opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.004)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float, got weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
