"""``RMSprop``: divide the gradient by a running root mean square, Keras's form."""

from ... import backend
from ...optim import functional as F
from .optimizer import Optimizer, check_range


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012) in Keras 3's form.

    ::

        v = rho * v + (1 - rho) * g^2
        centered:  a = rho * a + (1 - rho) * g,   d = v - a^2 + epsilon
        else:      d = v + epsilon
        step = lr * g / sqrt(d)
        momentum > 0:  b = momentum * b + step,   p = p - b
        else:          p = p - step

    Keras puts epsilon *inside* the square root and the learning rate inside the momentum
    buffer; PyTorch (``optim.functional.rmsprop``) adds epsilon to sqrt(d) and multiplies
    by lr after the momentum, so this rule is written here (and compiled as one pass,
    ``kernels.optim.keras_rmsprop``).

    >>> opt = keras.optimizers.RMSprop(learning_rate=1e-3, rho=0.9)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="rmsprop", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)   # clipping, weight_decay, ...
        self.rho = check_range("RMSprop", "rho", rho, 0.0, 1.0)
        self.momentum = check_range("RMSprop", "momentum", momentum, 0.0, 1.0)
        self.epsilon = check_range("RMSprop", "epsilon", epsilon, 0.0, float("inf"))
        self.centered = bool(centered)

    def build_slots(self, param):
        slots = {"velocity": self._zeros(param)}
        if self.momentum > 0:
            slots["momentum"] = self._zeros(param)
        if self.centered:
            slots["average_gradient"] = self._zeros(param)
        return slots

    def update_step(self, grad, param, slots, lr, work):
        use_momentum = self.momentum > 0
        state = [slots["velocity"]]
        state += [slots["momentum"]] if use_momentum else []
        state += [slots["average_gradient"]] if self.centered else []
        fast = F.kernel_arrays(param, grad, work, *state)
        if fast is not None:
            module, arrays = fast
            p, g, v = arrays[:3]
            b = arrays[3] if use_momentum else v                 # unused ones: never read
            a = arrays[-1] if self.centered else v
            F.run_kernel(module.keras_rmsprop, [p, g, v, b, a], self.centered, use_momentum,
                         self.rho, 1.0 - self.rho, self.epsilon, self.momentum, lr)
            return
        xp, (s1, s2), rho = backend.array_module(param), work, self.rho
        v = slots["velocity"]
        v *= rho                                                 # v = rho v + (1 - rho) g^2
        xp.multiply(grad, grad, out=s1)
        s1 *= 1.0 - rho
        v += s1
        if self.centered:
            a = slots["average_gradient"]
            a *= rho                                             # a = rho a + (1 - rho) g
            xp.multiply(grad, 1.0 - rho, out=s1)
            a += s1
            xp.multiply(a, a, out=s1)                            # d = v - a^2 + eps
            xp.subtract(v, s1, out=s1)
        else:
            s1[...] = v                                          # d = v + eps
        s1 += self.epsilon
        xp.sqrt(s1, out=s1)                                      # step = lr g / sqrt(d)
        xp.divide(grad, s1, out=s2)
        s2 *= lr
        if self.momentum > 0:
            b = slots["momentum"]
            b *= self.momentum                                   # b = momentum b + step
            b += s2
            param -= b
        else:
            param -= s2

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
