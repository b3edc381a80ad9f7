"""``Adagrad``: each coordinate's step shrinks with the sum of its squared gradients."""

from ... import backend
from ...optim import functional as F
from .optimizer import Optimizer, check_range


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011) in Keras 3's form.

    ::

        G = G + g^2                          G starts at initial_accumulator_value (0.1)
        p = p - lr * g / sqrt(G + epsilon)

    Keras puts epsilon inside the square root; PyTorch (``optim.functional.adagrad``)
    adds it to sqrt(G) and decays lr, so this rule is written here (and compiled as one
    pass, ``kernels.optim.keras_adagrad``).

    >>> opt = keras.optimizers.Adagrad(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)   # clipping, weight_decay, ...
        self.initial_accumulator_value = check_range(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, 0.0, float("inf"))
        self.epsilon = check_range("Adagrad", "epsilon", epsilon, 0.0, float("inf"))

    def build_slots(self, param):
        return {"accumulator": self._zeros(param, self.initial_accumulator_value)}

    def update_step(self, grad, param, slots, lr, work):
        fast = F.kernel_arrays(param, grad, work, slots["accumulator"])
        if fast is not None:
            module, arrays = fast
            F.run_kernel(module.keras_adagrad, arrays, self.epsilon, lr)
            return
        xp, (s1, s2) = backend.array_module(param), work
        acc = slots["accumulator"]
        xp.multiply(grad, grad, out=s1)                          # G += g^2
        acc += s1
        xp.add(acc, self.epsilon, out=s1)                        # p -= lr g / sqrt(G + eps)
        xp.sqrt(s1, out=s1)
        xp.divide(grad, s1, out=s2)
        s2 *= lr
        param -= s2

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
