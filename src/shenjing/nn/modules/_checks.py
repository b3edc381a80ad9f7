"""Input checks shared by the layers: clear errors instead of NumPy's."""

from ...autograd.tensor import Tensor


def check_float_input(x, weight, layer):
    """A floating tensor of the weight's dtype, or a TypeError that says how to convert."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a tensor input, got {type(x).__name__}; wrap it "
                        f"with shenjing.tensor(...)")
    if x.dtype != weight.dtype:
        hint = "x.float()" if weight.dtype.kind == "f" and weight.dtype.itemsize == 4 else "x.to(weight.dtype)"
        raise TypeError(f"{layer}: input dtype {x.dtype} differs from the weight dtype "
                        f"{weight.dtype}; convert the input ({hint}) or the model (model.to(dtype))")
