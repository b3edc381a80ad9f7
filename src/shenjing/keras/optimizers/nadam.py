"""``Nadam``: Adam with Nesterov momentum, Keras's momentum schedule."""

from ...optim import functional as F
from .optimizer import Optimizer, check_range


class Nadam(Optimizer):
    """Nadam (Dozat, 2016) in Keras 3's form.

    ::

        u_t = beta_1 * (1 - 0.5 * 0.96^t)                  momentum schedule, t = 1, 2, ...
        P_t = P_{t-1} * u_t                                (P_0 = 1, one product per step)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g^2
        m_hat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)
        p = p - lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)

    This is ``optim.functional.nadam`` with ``momentum_decay=1`` (PyTorch's default,
    0.004, makes the schedule 250 times slower); the product P is the optimizer's, advanced
    once per step as Keras does.

    >>> opt = keras.optimizers.Nadam(learning_rate=1e-3)
    """

    shared_state = ("u_product",)   # saved with the slots (get_state), to resume exactly

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="nadam", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)   # clipping, weight_decay, ...
        self.beta_1 = check_range("Nadam", "beta_1", beta_1, 0.0, 1.0, closed_high=False)
        self.beta_2 = check_range("Nadam", "beta_2", beta_2, 0.0, 1.0, closed_high=False)
        self.epsilon = check_range("Nadam", "epsilon", epsilon, 0.0, float("inf"))
        self.u_product = 1.0      # P_{t-1}

    def build_slots(self, param):
        return {"momentum": self._zeros(param), "velocity": self._zeros(param)}

    def _update_all(self, grads, variables, lr):
        t = self.iterations + 1
        previous = self.u_product
        super()._update_all(grads, variables, lr)
        self.u_product = previous * F.nadam_momentum(self.beta_1, t, 1.0)

    def update_step(self, grad, param, slots, lr, work):
        F.nadam(param, grad, slots["momentum"], slots["velocity"], step=self.iterations + 1,
                mu_product=self.u_product, lr=lr, beta1=self.beta_1, beta2=self.beta_2,
                eps=self.epsilon, momentum_decay=1.0, work=work)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
