"""``Parameter``: a tensor that a ``Module`` registers as one of its weights."""

from ..autograd.tensor import Tensor
from ..io.tree import register_tensor_kind


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by the ``Module`` it is assigned to.

    ``Parameter(data)`` shares ``data``'s array; operations on it give plain tensors.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = []
        super().__init__(data.array if isinstance(data, Tensor) else data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        raise TypeError("shenjing parameters are not pickled; save model.state_dict() "
                        "with shenjing.save")


class Buffer(Tensor):
    """A tensor that a ``Module`` keeps in its state dict but does not train (running means)."""

    __slots__ = ()


register_tensor_kind("parameter", Parameter)  # shenjing.save / load keep Parameters as such
