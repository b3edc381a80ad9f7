"""In-place forms of elementwise math and of squeeze/unsqueeze: ``x.exp_()``, ``x.relu_()``,
``x.unsqueeze_(0)``.

As the updates of ``inplace``, they change the tensor itself and are not recorded in the
graph (allowed outside it, and on parameters inside ``no_grad()``); each counts a new
version of the tensor.  The value is computed by the out-of-place op, so the math is not
written twice.
"""

from . import activation, arithmetic, elementwise, shape


def _update(x, result, op):
    x._check_inplace(op)
    x.array[...] = result.array
    return x


def _make(name, fn):
    def op(x, *args):
        return _update(x, fn(x.detach(), *args), name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name[:-1]}`` in place (not recorded in the graph); returns x."
    return op


abs_ = _make("abs_", elementwise.abs)
exp_ = _make("exp_", elementwise.exp)
log_ = _make("log_", elementwise.log)
sqrt_ = _make("sqrt_", elementwise.sqrt)
square_ = _make("square_", elementwise.square)
pow_ = _make("pow_", arithmetic.pow)
neg_ = _make("neg_", arithmetic.neg)
sigmoid_ = _make("sigmoid_", activation.sigmoid)
tanh_ = _make("tanh_", activation.tanh)
relu_ = _make("relu_", activation.relu)


def _reshape_(x, new, op):
    x._check_inplace(op)
    x.array = x.array.reshape(new.shape)
    return x


def squeeze_(x, dim=None):
    """``squeeze`` in place: x loses its dims of size 1 (or ``dim`` if it has size 1)."""
    return _reshape_(x, shape.squeeze(x.detach(), dim), "squeeze_")


def unsqueeze_(x, dim):
    """``unsqueeze`` in place: x gets a dim of size 1 at ``dim``."""
    return _reshape_(x, shape.unsqueeze(x.detach(), dim), "unsqueeze_")
