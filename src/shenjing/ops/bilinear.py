"""``bilinear``: y_o = x1^T A_o x2 + b_o, one (in1, in2) matrix A_o per output feature.

Written as two products on ``matmul``: t = x1 @ A (as an (in1, out * in2) matrix), then
y_o = sum_j t_oj x2_j; the gradients come from matmul, mul and sum.
"""

from ..autograd.function import ShapeError


def bilinear(input1, input2, weight, bias=None):
    """(*, in1), (*, in2), weight (out, in1, in2), bias (out,) -> (*, out)."""
    op = "bilinear"
    if weight.ndim != 3:
        raise ShapeError(f"{op}: weight must be (out, in1, in2), got {tuple(weight.shape)}")
    out, in1, in2 = weight.shape
    if input1.shape[-1:] != (in1,) or input2.shape[-1:] != (in2,) or \
            input1.shape[:-1] != input2.shape[:-1]:
        raise ShapeError(f"{op}: inputs must be (*, {in1}) and (*, {in2}) with the same leading "
                         f"dims for weight {tuple(weight.shape)}, got {tuple(input1.shape)} and "
                         f"{tuple(input2.shape)}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    a = weight.permute(1, 0, 2).reshape(in1, out * in2)             # A as (in1, out * in2)
    t = (x1 @ a).reshape(-1, out, in2)                               # t_noj = sum_i x1_ni A_oij
    y = (t * x2.unsqueeze(1)).sum(-1)                                # y_no = sum_j t_noj x2_nj
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out,))
