"""shenjing.compile: accepted with torch.compile's signature, runs the model unchanged."""

import numpy as np
import pytest

import shenjing as sj


def test_compiled_module_runs_and_keeps_the_module_reachable():
    sj.manual_seed(0)
    model = sj.nn.Sequential(sj.nn.Linear(4, 8), sj.nn.ReLU(), sj.nn.Linear(8, 2))
    compiled = sj.compile(model, mode="reduce-overhead")
    x = sj.randn(5, 4)
    np.testing.assert_array_equal(compiled(x).numpy(), model(x).numpy())
    assert compiled._orig_mod is model and isinstance(compiled, sj.nn.Module)
    assert list(compiled.state_dict()) == ["_orig_mod." + k for k in model.state_dict()]
    assert getattr(compiled, "0") is model[0]   # attributes it lacks come from the model
    assert [p is q for p, q in zip(compiled.parameters(), model.parameters())] == [True] * 4
    compiled.eval()
    assert not model.training
    # training through the compiled module moves the original's weights
    opt = sj.optim.SGD(compiled.parameters(), lr=0.1)
    before = model[0].weight.numpy().copy()
    loss = compiled(x).pow(2).mean()
    loss.backward()
    opt.step()
    assert not np.array_equal(before, model[0].weight.numpy())


def test_compile_functions_and_decorator_form():
    def f(x):
        """Doubles."""
        return x * 2
    g = sj.compile(f)
    assert g(sj.tensor([1.0])).tolist() == [2.0] and g.__name__ == "f" and g.__doc__ == "Doubles."

    @sj.compile(fullgraph=True)
    def h(x):
        return x + 1
    assert h(sj.tensor([1.0])).tolist() == [2.0]
    assert sj.compile(f, disable=True) is f


def test_compile_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode must be one of"):
        sj.compile(lambda x: x, mode="fastest")
    with pytest.raises(TypeError, match="expected a module or a function, got int"):
        sj.compile(3)
    with pytest.raises(RuntimeError, match="either mode or options"):
        sj.compile(lambda x: x, mode="default", options={})
