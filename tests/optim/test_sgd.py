"""SGD against PyTorch: 20 steps of the same gradients, every option combination."""

import pytest
from optim_parity import run_parity

CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, dampening=0.3),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.1, maximize=True),
    dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1, maximize=True),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_sgd_matches_torch(torch, options):
    run_parity(torch, "SGD", options)


def test_sgd_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0], momentum=0.9, nesterov=True),
              dict(idx=[1, 2], lr=0.01, weight_decay=0.1, dampening=0.2, momentum=0.5)]
    run_parity(torch, "SGD", dict(lr=0.1), groups)


def test_sgd_without_momentum_keeps_no_state(torch):
    pair = run_parity(torch, "SGD", dict(lr=0.1), steps=2)
    assert pair.sj_opt.state_dict()["state"] == {}


def test_sgd_errors_name_the_optimizer_and_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"SGD.*learning rate.*lr=-0\.1"):
        sj.optim.SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match=r"SGD.*momentum=-1"):
        sj.optim.SGD(p, lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match=r"SGD.*weight_decay"):
        sj.optim.SGD(p, lr=0.1, weight_decay=-1e-4)
    with pytest.raises(ValueError, match=r"SGD: Nesterov momentum requires a momentum"):
        sj.optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"SGD: Nesterov.*dampening=0\.1"):
        sj.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"SGD.*lr=-1"):  # a group's own options are checked too
        sj.optim.SGD([{"params": p, "lr": -1}], lr=0.1)
