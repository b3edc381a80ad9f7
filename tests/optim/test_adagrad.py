"""Adagrad against PyTorch: 20 steps of the same gradients, every option combination."""

import pytest
from optim_parity import run_parity

CASES = [
    dict(lr=0.1),
    dict(lr=0.1, lr_decay=0.05),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.1, initial_accumulator_value=0.5),
    dict(lr=0.1, eps=1e-3, maximize=True),
    dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.2, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_adagrad_matches_torch(torch, options):
    run_parity(torch, "Adagrad", options)


def test_adagrad_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0, 2], lr_decay=0.1), dict(idx=[1], lr=0.5, eps=1e-2)]
    run_parity(torch, "Adagrad", dict(lr=0.1), groups)


def test_adagrad_group_initial_accumulator_value_is_honoured():
    # PyTorch fills every group's sum with the constructor's value; here a group's own wins
    import shenjing as sj
    a, b = sj.ones(2, requires_grad=True), sj.ones(2, requires_grad=True)
    opt = sj.optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 2.0}],
                           initial_accumulator_value=0.5)
    assert opt.state[a]["sum"].tolist() == [0.5, 0.5] and opt.state[b]["sum"].tolist() == [2.0, 2.0]


def test_adagrad_state_exists_before_the_first_step(torch):
    import shenjing as sj
    p = sj.ones(3, requires_grad=True)
    opt = sj.optim.Adagrad([p], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"]
    assert state[0]["step"] == 0 and state[0]["sum"].tolist() == [0.25] * 3


def test_adagrad_errors_name_the_optimizer_and_the_option():
    import shenjing as sj
    p = [sj.zeros(2, requires_grad=True)]
    for option in ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]:
        with pytest.raises(ValueError, match=rf"Adagrad.*{option}=-1"):
            sj.optim.Adagrad(p, **{option: -1})
