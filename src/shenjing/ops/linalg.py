"""Matrix products: matmul (batched, broadcasting) and the fused linear layer y = x W^T + b
(``dense``: y = x K + b, the same with Keras's kernel K = W^T).

For Y = A B:  dL/dA = dL/dY B^T  and  dL/dB = A^T dL/dY, summed over broadcast batch dims.
"""

from .. import backend, parallel
from ..autograd.function import Function
from ._helpers import expect, promote_types, sum_to


class MatMul(Function):
    """Y = A @ B with NumPy's rules: 1-d operands are promoted and the added dim removed."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, gy):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        xp = backend.array_module(gy)
        if a.ndim == 1 and b.ndim == 1:  # the dot product y = sum a b: gy is 0-d
            return (gy * b if need_a else None), (gy * a if need_b else None)
        # promote 1-d operands to matrices, as the forward did
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = gy
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if need_a:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            ga = sum_to(ga, a2.shape).reshape(a.shape)
        if need_b:
            if b2.ndim == 2 and a2.ndim > 2:
                # (..., n, k) @ (k, m): fold the batch into rows so that one GEMM does it
                gb = a2.reshape(-1, a2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
            else:
                gb = sum_to(xp.swapaxes(a2, -1, -2) @ g2, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x W^T + b for x (..., in), W (out, in), b (out,): one GEMM forward, two backward.

    dL/dx = dL/dy W,  dL/dW = dL/dy^T x (batch dims folded into rows),  dL/db = sum dL/dy.

    With ``kernel=True`` the weight is Keras's kernel K = W^T, (in, out): y = x K + b,
    dL/dx = dL/dy K^T, dL/dK = x^T dL/dy, each gradient made in its weight's own layout.
    """

    def __init__(self, kernel=False):
        self.kernel = kernel

    def forward(self, x, weight, bias=None):
        self.x, self.weight = x, weight
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = parallel.matmul(x2, weight if self.kernel else weight.T)
        if bias is not None:
            y += bias
        return y.reshape(x.shape[:-1] + (y.shape[-1],)) if x.ndim != 2 else y

    def backward(self, gy):
        x, w = self.x, self.weight
        needs = self.needs_input_grad
        g2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
        gx = gw = None
        if needs[0]:
            gx = parallel.matmul(g2, w.T if self.kernel else w).reshape(x.shape)
        if needs[1]:
            x2 = x.reshape(-1, x.shape[-1])
            gw = parallel.matmul(x2.T, g2) if self.kernel else parallel.matmul(g2.T, x2)
        gb = g2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


def matmul(a, b):
    """Matrix product with batching and broadcasting: (..., n, k) @ (..., k, m) -> (..., n, m)."""
    expect(a.ndim >= 1 and b.ndim >= 1, "matmul", f"needs at least 1-d inputs, got shapes "
                                                  f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    expect(ka == kb, "matmul", f"inner dimensions differ: {a.shape} @ {b.shape} ({ka} != {kb})")
    if a.dtype != b.dtype:
        from ._helpers import operands
        a, b = operands(a, b)
    return MatMul()(a, b)


def linear(x, weight, bias=None):
    """The fused affine map y = x W^T + b: x (..., in), W (out, in), b (out,) -> (..., out)."""
    return _affine("linear", x, weight, bias, kernel=False)


def dense(x, kernel, bias=None):
    """The same map with Keras's kernel layout, y = x K + b: x (..., in), K (in, out),
    b (out,) -> (..., out); the kernel's gradient comes in (in, out), without a transpose."""
    return _affine("dense", x, kernel, bias, kernel=True)


def _affine(op, x, weight, bias, kernel):
    layout = "(in_features, out_features)" if kernel else "(out_features, in_features)"
    expect(weight.ndim == 2, op, f"weight must be {layout}, got {weight.shape}")
    n_in, n_out = weight.shape if kernel else weight.shape[::-1]
    expect(x.ndim >= 1 and x.shape[-1] == n_in, op,
           f"input has {x.shape[-1] if x.ndim else 0} features (shape {x.shape}) but the weight "
           f"{weight.shape} expects {n_in}")
    inputs = [x, weight]
    if bias is not None:
        expect(bias.shape == (n_out,), op, f"bias must have shape ({n_out},), got {bias.shape}")
        inputs.append(bias)
    if any(t.dtype != x.dtype for t in inputs):  # one dtype, as matmul promotes
        dtype = x.dtype
        for t in inputs[1:]:
            dtype = promote_types(dtype, t.dtype)
        inputs = [t if t.dtype == dtype else t.type(dtype) for t in inputs]
    return Linear(kernel)(*inputs)
