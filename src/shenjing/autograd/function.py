"""``Function``: one differentiable primitive, its forward and backward side by side.

An op subclasses ``Function`` and writes two methods on raw arrays::

    class Exp(Function):
        def forward(self, x):
            self.y = y = xp.exp(x)      # keep only what backward needs
            return y

        def backward(self, gy):         # dL/dx = dL/dy * exp(x)
            return gy * self.y

    def exp(x):
        return Exp()(x)

Calling the instance with tensors runs ``forward`` on their arrays and, when grad mode is
on and an input requires grad, makes the instance the node of the graph that produced
the output.  ``backward`` gets one gradient per output and returns one per input (a
tuple when there are several inputs; ``None`` for an input that needs none).  It must
not modify the incoming gradient in place: the same array may feed several inputs.

``self.needs_input_grad`` (a tuple of bools) tells forward and backward which input
gradients are wanted, so that work for the others can be skipped; it is ``None`` when no
graph is recorded, so forward can skip saving anything.
"""

from .. import backend
from . import grad_mode


class ShapeError(ValueError):
    """An op got inputs whose shapes do not fit together; the message names the op."""


class Function:
    """Base class of every differentiable op; see the module docstring."""

    #: set False in ops whose backward does not read their inputs (add, neg, reshape...):
    #: an in-place change of such an input after the forward is then harmless.
    reads_inputs = True

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grads):
        raise NotImplementedError

    @property
    def name(self):
        return type(self).__name__

    def __call__(self, *inputs):
        if grad_mode._Mode.grad_enabled:
            needs = tuple([t.requires_grad for t in inputs])
            record = True in needs
        else:
            record = False
        self.needs_input_grad = needs if record else None
        try:
            outputs = self.forward(*[t.array for t in inputs])
        except ShapeError:
            raise
        except ValueError as e:
            shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
            reason = "cannot be broadcast together" if "broadcast" in str(e) else f"do not fit ({e})"
            raise ShapeError(f"{self.name}: inputs of shapes {shapes} {reason}") from None
        where = None
        if grad_mode._Mode.detect_anomaly:
            where = _anomaly_where(self.name)
            _check_finite(self.name, "forward", outputs, where)
        make = _tensor_class.from_node
        if record:
            self.inputs = inputs
            if where:
                self.created_at = where   # named again if its backward makes the NaN
            self.versions = tuple([t._version for t in inputs]) if self.reads_inputs else None
            if type(outputs) is tuple:
                self.n_outputs = len(outputs)
                self.output_meta = [(y.shape, y.dtype) for y in outputs]
                # integer outputs (indices) carry no gradient and start no graph
                result = tuple(make(y, self if y.dtype.kind == "f" else None, i)
                               for i, y in enumerate(outputs))
            else:
                self.n_outputs = 1
                result = make(outputs, self, 0)
        elif type(outputs) is tuple:
            result = tuple(make(y, None, 0) for y in outputs)
        else:
            result = make(outputs, None, 0)
        _tensor_class._share_versions(result, inputs)   # a view counts changes with its base
        return result

    def release(self):
        """Drop everything kept for backward; the node can no longer be walked through."""
        n_outputs = self.n_outputs
        self.__dict__.clear()
        self.inputs = None
        self.n_outputs = n_outputs

    def __repr__(self):
        return f"<{self.name} backward>"


def _anomaly_where(name):
    describe = grad_mode._Mode.anomaly_where
    return describe(name) if describe is not None else ""


def _check_finite(name, phase, arrays, where=""):
    for a in arrays if type(arrays) is tuple else (arrays,):
        if a is not None and a.dtype.kind == "f" and not backend.array_module(a).isfinite(a).all():
            raise FloatingPointError(f"detect_anomaly: {name} ({phase}) produced NaN or "
                                     f"inf{where or ''}")


_tensor_class = None  # set by tensor.py, which imports this module
