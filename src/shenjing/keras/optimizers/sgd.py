"""``SGD``: gradient descent, with Keras's form of (Nesterov) momentum."""

from ... import backend
from ...optim import functional as F
from .optimizer import Optimizer, check_range


class SGD(Optimizer):
    """Stochastic gradient descent (Keras 3's formulas).

    ::

        momentum = 0:   p = p - lr * g
        momentum > 0:   v = momentum * v - lr * g,   p = p + v
        nesterov:       v = momentum * v - lr * g,   p = p + momentum * v - lr * g

    Keras's velocity v holds the learning rate inside it, unlike PyTorch's buffer
    (b = momentum * b + g, p = p - lr * b): the two agree while lr is constant (v = -lr b)
    and differ once it changes (a schedule), so the momentum forms are written here (and
    compiled as one pass, ``kernels.optim.keras_sgd``); plain descent is
    ``optim.functional.sgd``.

    >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)   # clipping, weight_decay, ...
        self.momentum = check_range("SGD", "momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def build_slots(self, param):
        return {"momentum": self._zeros(param)} if self.momentum != 0 else {}

    def update_step(self, grad, param, slots, lr, work):
        if self.momentum == 0:
            F.sgd(param, grad, lr=lr, work=work)                 # p -= lr * g
            return
        fast = F.kernel_arrays(param, grad, work, slots["momentum"])
        if fast is not None:
            module, arrays = fast
            F.run_kernel(module.keras_sgd, arrays, self.nesterov, self.momentum, lr)
            return
        xp, v, (s1, s2) = backend.array_module(param), slots["momentum"], work
        xp.multiply(grad, lr, out=s1)                            # s1 = lr * g
        v *= self.momentum                                       # v = momentum * v - lr * g
        v -= s1
        if self.nesterov:
            param -= s1                                          # p += momentum * v - lr * g
            xp.multiply(v, self.momentum, out=s2)
            param += s2
        else:
            param += v                                           # p += v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
