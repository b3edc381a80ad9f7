"""Matrix products: matmul (batched, broadcasting) and the fused linear layer y = x W^T + b.

For Y = A B:  dL/dA = dL/dY B^T  and  dL/dB = A^T dL/dY, summed over broadcast batch dims.
"""

from .. import backend
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
    """

    def forward(self, x, weight, bias=None):
        self.x, self.weight = x, weight
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = x2 @ weight.T
        if bias is not None:
            y += bias
        return y.reshape(x.shape[:-1] + (weight.shape[0],)) if x.ndim != 2 else y

    def backward(self, gy):
        x, w = self.x, self.weight
        needs = self.needs_input_grad
        g2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
        gx = (g2 @ w).reshape(x.shape) if needs[0] else None
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if needs[1] else None
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
    expect(weight.ndim == 2, "linear", f"weight must be (out_features, in_features), got {weight.shape}")
    expect(x.ndim >= 1 and x.shape[-1] == weight.shape[1], "linear",
           f"input has {x.shape[-1] if x.ndim else 0} features (shape {x.shape}) but the weight "
           f"{weight.shape} expects {weight.shape[1]}")
    inputs = [x, weight]
    if bias is not None:
        expect(bias.shape == (weight.shape[0],), "linear",
               f"bias must have shape ({weight.shape[0]},), got {bias.shape}")
        inputs.append(bias)
    if any(t.dtype != x.dtype for t in inputs):  # one dtype, as matmul promotes
        dtype = x.dtype
        for t in inputs[1:]:
            dtype = promote_types(dtype, t.dtype)
        inputs = [t if t.dtype == dtype else t.type(dtype) for t in inputs]
    return Linear()(*inputs)
