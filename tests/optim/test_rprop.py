"""Rprop against PyTorch: 20 steps of the same gradients, every option; errors."""

import numpy as np
import pytest
from optim_parity import Pair, gradient_arrays, run_parity

RPROP = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.01, etas=(0.3, 1.5)),
    dict(lr=0.1, step_sizes=(1e-3, 0.2)),
    dict(lr=0.01, maximize=True),
]


@pytest.mark.parametrize("options", RPROP, ids=str)
def test_rprop_matches_torch(torch, options):
    run_parity(torch, "Rprop", options)


def test_rprop_param_groups_and_sign_flips(torch):
    groups = [dict(idx=[0], lr=0.1), dict(idx=[1, 2], etas=(0.4, 1.1))]
    run_parity(torch, "Rprop", dict(lr=0.01), groups)
    # a gradient whose sign alternates: the step shrinks and every other step is skipped
    pair = Pair(torch, "Rprop", dict(lr=0.1))
    g = gradient_arrays(1)[0]
    for t in range(6):
        pair.step([gi * (-1) ** t for gi in g])
        pair.compare(f"alternating step {t + 1}")
    sizes = pair.sj_opt.state[pair.sj_params[0]]["step_size"].numpy()
    assert np.all(sizes < 0.1)


def test_rprop_errors_name_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"Rprop.*learning rate.*lr=-0\.1"):
        sj.optim.Rprop(p, lr=-0.1)
    with pytest.raises(ValueError, match=r"Rprop.*etas=\(1\.5, 1\.2\)"):
        sj.optim.Rprop(p, etas=(1.5, 1.2))
    with pytest.raises(ValueError, match=r"Rprop.*step_sizes=\(1\.0, 0\.5\)"):
        sj.optim.Rprop(p, step_sizes=(1.0, 0.5))
    with pytest.raises(ValueError, match=r"Rprop.*differentiable"):
        sj.optim.Rprop(p, differentiable=True)
