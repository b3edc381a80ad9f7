"""Parameters to one flat vector and back (for second-order methods, line searches, tests)."""

from ... import ops
from ...autograd import grad_mode


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-d tensor (differentiable)."""
    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into the parameters, in place."""
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expects a 1-d vector, got shape {tuple(vec.shape)}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if total != vec.numel():
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements but the "
                         f"parameters hold {total}")
    offset = 0
    with grad_mode.no_grad():
        for p in parameters:
            n = p.numel()
            p.array[...] = vec.array[offset:offset + n].reshape(p.shape)
            p._version += 1
            offset += n
