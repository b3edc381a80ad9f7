"""RMSprop against PyTorch: 20 steps of the same gradients, every option combination."""

import pytest
from optim_parity import run_parity

CASES = [
    dict(lr=0.01),
    dict(lr=0.01, alpha=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, weight_decay=0.1, eps=1e-4),
    dict(lr=0.01, maximize=True),
    dict(lr=0.01, centered=True, momentum=0.8, weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_rmsprop_matches_torch(torch, options):
    run_parity(torch, "RMSprop", options)


def test_rmsprop_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0], centered=True), dict(idx=[1, 2], momentum=0.9, lr=0.001)]
    run_parity(torch, "RMSprop", dict(lr=0.01), groups)


def test_rmsprop_errors_name_the_optimizer_and_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    for option in ["lr", "eps", "momentum", "weight_decay", "alpha"]:
        with pytest.raises(ValueError, match=rf"RMSprop.*{option}=-1"):
            sj.optim.RMSprop(p, **{option: -1})
