"""LBFGS against PyTorch: the same closures (Rosenbrock, a least-squares fit with two
parameters) give the same parameters after every step, with and without the strong-Wolfe
line search; history_size, max_iter, state_dict round trip, errors."""

import copy

import numpy as np
import pytest

import shenjing as sj
from shenjing.optim.lbfgs import cubic_interpolate


def _rosenbrock(lib, p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _least_squares(lib, w, b, data):
    X, Y = data
    return ((X @ w.T + b - Y) ** 2).mean()


def _regression_data(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5)).astype(dtype)
    Y = (X @ rng.standard_normal((5, 3)) + 0.1 * rng.standard_normal((40, 3))).astype(dtype)
    w = rng.standard_normal((3, 5)).astype(dtype)
    b = np.zeros(3, dtype)
    return X, Y, w, b


def _run(lib, problem, options, steps, dtype):
    """The parameters after each of ``steps`` LBFGS steps (and the losses returned)."""
    tensor = lib.tensor
    if problem == "rosenbrock":
        params = [tensor(np.array([-1.5, 2.0], dtype), requires_grad=True)]
        loss_fn = lambda: _rosenbrock(lib, params[0])  # noqa: E731
    else:
        X, Y, w, b = _regression_data(dtype)
        params = [tensor(w, requires_grad=True), tensor(b, requires_grad=True)]
        data = (tensor(X), tensor(Y))
        loss_fn = lambda: _least_squares(lib, params[0], params[1], data)  # noqa: E731
    opt = lib.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        history.append(([p.detach().numpy().copy() for p in params], loss.item()))
    return history, opt


CASES = [
    ("rosenbrock", dict(line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=0.05, max_iter=10)),
    ("least_squares", dict(line_search_fn="strong_wolfe", history_size=3)),
    ("least_squares", dict(lr=0.5, max_iter=5, history_size=2)),
    ("least_squares", dict(lr=1, max_iter=7, max_eval=9, line_search_fn="strong_wolfe")),
]


@pytest.mark.parametrize("problem,options", CASES, ids=str)
def test_lbfgs_matches_torch(torch, problem, options):
    ours, _ = _run(sj, problem, options, steps=5, dtype=np.float64)
    theirs, _ = _run(torch, problem, options, steps=5, dtype=np.float64)
    for step, ((p1, l1), (p2, l2)) in enumerate(zip(ours, theirs)):
        assert l1 == pytest.approx(l2, rel=1e-9, abs=1e-12), f"loss at step {step + 1}"
        for a, b in zip(p1, p2):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10,
                                       err_msg=f"{problem} {options} step {step + 1}")


def test_lbfgs_float32_matches_torch_and_solves_rosenbrock(torch):
    ours, opt = _run(sj, "rosenbrock", dict(line_search_fn="strong_wolfe"), 5, np.float32)
    theirs, _ = _run(torch, "rosenbrock", dict(line_search_fn="strong_wolfe"), 5, np.float32)
    np.testing.assert_allclose(ours[-1][0][0], theirs[-1][0][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours[-1][0][0], [1.0, 1.0], atol=1e-3)   # the minimum
    assert opt.param_groups[0]["params"][0].dtype == np.float32


def test_lbfgs_state_dict_round_trip_resumes_exactly():
    X, Y, w, b = _regression_data(np.float64)
    options = dict(max_iter=4, history_size=5, line_search_fn="strong_wolfe")

    def make():
        params = [sj.tensor(w, requires_grad=True), sj.tensor(b, requires_grad=True)]
        opt = sj.optim.LBFGS(params, **options)

        def closure():
            opt.zero_grad()
            loss = _least_squares(sj, params[0], params[1], (sj.tensor(X), sj.tensor(Y)))
            loss.backward()
            return loss
        return params, opt, closure

    params, opt, closure = make()
    opt.step(closure)
    saved = copy.deepcopy(opt.state_dict())
    saved_params = [p.numpy().copy() for p in params]
    assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "n_iter",
            "func_evals"} <= set(saved["state"][0])
    opt.step(closure)
    expected = [p.numpy().copy() for p in params]

    params2, opt2, closure2 = make()
    for p, a in zip(params2, saved_params):
        p.array[...] = a
    opt2.load_state_dict(saved)
    opt2.step(closure2)
    for p, e in zip(params2, expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-12)


def test_lbfgs_history_is_bounded_and_max_iter_counts_iterations():
    _, opt = _run(sj, "least_squares", dict(max_iter=6, history_size=2, lr=0.5), 3, np.float64)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["n_iter"] == 18
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 2


def test_cubic_interpolate_finds_the_minimum_of_a_cubic():
    f = lambda x: (x - 1.3) ** 2 * (x + 2)  # noqa: E731 - a local minimum at 1.3
    df = lambda x: 2 * (x - 1.3) * (x + 2) + (x - 1.3) ** 2  # noqa: E731
    assert cubic_interpolate(0.5, f(0.5), df(0.5), 2.0, f(2.0), df(2.0)) == pytest.approx(1.3)
    assert cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.0, 1.0, bounds=(0.2, 0.4)) in (0.2, 0.4, 0.3)


def test_lbfgs_errors_name_the_optimizer_and_the_argument():
    p = sj.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"LBFGS.*line_search_fn='wolfe'"):
        sj.optim.LBFGS([p], line_search_fn="wolfe")
    with pytest.raises(ValueError, match=r"LBFGS.*history_size=0"):
        sj.optim.LBFGS([p], history_size=0)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        sj.optim.LBFGS([{"params": [p]}, {"params": [sj.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="LBFGS.step: a closure"):
        sj.optim.LBFGS([p]).step()
