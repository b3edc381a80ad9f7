"""Shared harness of the optimizer tests: the same parameters and gradients in shenjing and
in PyTorch (the oracle), stepped side by side.

A test names an optimizer, its options and (optionally) parameter groups; ``Pair`` builds
both optimizers on copies of the same float32 parameters, feeds both the same gradient
arrays, and ``compare`` checks the parameters agree within float32 tolerance.
"""

import numpy as np

import shenjing as sj

SHAPES = [(3, 4), (5,), (2, 3, 2)]
RTOL, ATOL = 1e-5, 1e-6


def initial_arrays(seed=0, shapes=SHAPES, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def gradient_arrays(steps, seed=1, shapes=SHAPES, dtype=np.float32):
    """One list of gradient arrays per step."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]


def param_groups(params, groups):
    """``groups``: None (one group of all) or a list of option dicts with ``"idx"``, the
    indices of their parameters."""
    if groups is None:
        return params
    out = []
    for g in groups:
        g = dict(g)
        out.append({"params": [params[i] for i in g.pop("idx")], **g})
    return out


class Pair:
    """A shenjing and a PyTorch optimizer of one kind on the same starting parameters."""

    def __init__(self, torch, name, options, groups=None, arrays=None):
        self.torch = torch
        arrays = initial_arrays() if arrays is None else arrays
        self.sj_params = [sj.tensor(a.copy(), requires_grad=True) for a in arrays]
        self.th_params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
        self.sj_opt = getattr(sj.optim, name)(param_groups(self.sj_params, groups), **options)
        self.th_opt = getattr(torch.optim, name)(param_groups(self.th_params, groups), **options)

    def set_grads(self, grads):
        for p, q, g in zip(self.sj_params, self.th_params, grads):
            if g is None:
                p.grad = q.grad = None
            else:
                p.grad = sj.tensor(g.copy())
                q.grad = self.torch.tensor(g.copy())

    def step(self, grads):
        self.set_grads(grads)
        self.sj_opt.step()
        self.th_opt.step()

    def compare(self, where=""):
        for i, (p, q) in enumerate(zip(self.sj_params, self.th_params)):
            assert p.dtype == np.float32, f"{where}: param {i} became {p.dtype}"
            np.testing.assert_allclose(p.array, q.detach().numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{where}: param {i}")


def run_parity(torch, name, options, groups=None, steps=20, seed=1):
    pair = Pair(torch, name, options, groups)
    for t, grads in enumerate(gradient_arrays(steps, seed)):
        pair.step(grads)
        pair.compare(f"{name}({options}, groups={groups}) step {t + 1}")
    return pair
