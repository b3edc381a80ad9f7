"""ASGD against PyTorch: 20 steps of the same gradients (the averaging starts within them
for small t0), every option; the averaged iterate; errors."""

import numpy as np
import pytest
from optim_parity import run_parity

ASGD = [
    dict(),
    dict(lr=0.05, lambd=1e-2, alpha=0.5),
    dict(lr=0.02, t0=5),
    dict(lr=0.02, t0=3, weight_decay=0.1),
    dict(lr=0.01, maximize=True, t0=10),
]


@pytest.mark.parametrize("options", ASGD, ids=str)
def test_asgd_matches_torch(torch, options):
    pair = run_parity(torch, "ASGD", options)
    for p, q in zip(pair.sj_params, pair.th_params):    # the averaged iterate too
        np.testing.assert_allclose(pair.sj_opt.state[p]["ax"].numpy(),
                                   pair.th_opt.state[q]["ax"].numpy(), rtol=1e-5, atol=1e-6)


def test_asgd_param_groups(torch):
    groups = [dict(idx=[0], lr=0.05, t0=2), dict(idx=[1, 2], lambd=0.01)]
    run_parity(torch, "ASGD", dict(lr=0.01), groups)


def test_asgd_errors_name_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"ASGD.*learning rate.*lr=-0\.1"):
        sj.optim.ASGD(p, lr=-0.1)
    with pytest.raises(ValueError, match=r"ASGD.*weight_decay=-1"):
        sj.optim.ASGD(p, weight_decay=-1)
