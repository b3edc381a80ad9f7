"""NAdam against PyTorch: 20 steps of the same gradients, every option combination."""

import pytest
from optim_parity import run_parity

CASES = [
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.02),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    dict(lr=0.01, eps=1e-3, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_nadam_matches_torch(torch, options):
    run_parity(torch, "NAdam", options)


def test_nadam_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0, 1], momentum_decay=0.01), dict(idx=[2], lr=0.002, weight_decay=0.3)]
    run_parity(torch, "NAdam", dict(lr=0.01), groups)


def test_nadam_errors_name_the_optimizer_and_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"NAdam.*momentum_decay=-1"):
        sj.optim.NAdam(p, momentum_decay=-1)
    with pytest.raises(ValueError, match=r"NAdam.*betas\[0\]=1\.5"):
        sj.optim.NAdam(p, betas=(1.5, 0.9))
