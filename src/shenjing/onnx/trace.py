"""Record the layer calls of one forward pass: which layer ran, on which tensors, giving which.

``record(model, inputs)`` runs the model once (inference mode) with every sub-module's
``forward`` wrapped: a call of a layer the exporter knows (``registry.BUILDERS``) is recorded
as a ``Call`` and the layers it calls inside are not; a call of a container (a Sequential,
a functional model, a Module whose ``forward`` calls other modules, a ``Lambda``:
``registry.TRANSPARENT``) is walked into, its own ops left for ``functions.py``; a call of
any other module that holds no sub-modules is recorded too, so that the exporter can name
it as having no ONNX equivalent.  The calls come out in execution order, which is an
order where every call comes after the calls that made its inputs.
"""

import contextlib
from dataclasses import dataclass

from ..autograd import no_grad
from ..autograd.tensor import Tensor
from ..keras.models.model import Model as KerasModel
from .registry import TRANSPARENT, builder_of


@dataclass
class Call:
    """One recorded layer call: ``module(*args, **kwargs) -> output`` at ``path``."""

    module: object
    path: str
    args: tuple
    kwargs: dict
    output: object

    @property
    def who(self):
        """``path (Class)``, how errors name the layer."""
        return f"{self.path} ({type(self.module).__name__})"


def _wrap(module, path, calls, depth):
    original = module.forward

    def forward(*args, **kwargs):
        if depth[0]:
            return original(*args, **kwargs)
        leaf = builder_of(module) is not None or (
            not module._modules and type(module) not in TRANSPARENT)
        if not leaf:
            return original(*args, **kwargs)
        depth[0] += 1
        try:
            output = original(*args, **kwargs)
        finally:
            depth[0] -= 1
        calls.append(Call(module, path, args, dict(kwargs), output))
        return output

    object.__setattr__(module, "forward", forward)


@contextlib.contextmanager
def recording(model):
    """Within: every sub-module's calls are appended to the yielded list."""
    calls, depth, wrapped = [], [0], []
    for path, module in model.named_modules():
        if "forward" in module.__dict__:
            continue                        # already wrapped (a module listed twice)
        _wrap(module, path or getattr(module, "name", None) or type(module).__name__,
              calls, depth)
        wrapped.append(module)
    try:
        yield calls
    finally:
        for module in wrapped:
            module.__dict__.pop("forward", None)


def _call(model, inputs):
    """``model(*inputs)``; a Keras model as ``predict`` calls it: one list of several inputs,
    ``training=False`` (augmentations off)."""
    if isinstance(model, KerasModel):
        return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)
    return model(*inputs)


def record(model, inputs):
    """``(calls, output)``: the layer calls of ``model(*inputs)`` in inference mode (a Keras
    model with several inputs takes them as one list, as Keras's), and its output.
    Gradients stay on, so that a tensor made by an op between the layers keeps that op's
    node: ``functions.py`` converts it, or the exporter's error names it.  A Keras model not
    built yet is called once before, so that its layers exist when the calls are recorded."""
    was_training = model.training
    model.eval()
    try:
        if getattr(model, "built", True) is False:
            with no_grad():
                _call(model, inputs)
        with recording(model) as calls:
            output = _call(model, inputs)
    finally:
        model.train(was_training)
    return calls, output


def tensors_in(value):
    """The Tensors in a nested list/tuple/dict, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in tensors_in(item)]
    return []
