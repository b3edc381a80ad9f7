"""``shenjing gradcheck MODULE:FACTORY``: a user's own function or layer (both faces) is
checked in float64; a wrong backward fails naming the worst element; bad specs are one line."""

import re
import textwrap

import pytest

from shenjing import cli

USER_MODULE = '''
import numpy
import shenjing
from shenjing import keras
from shenjing.autograd.function import Function


def make_swish():
    """swish(x) = x * sigmoid(x), composed from ops: its gradient comes for free."""
    return (lambda x: x * shenjing.sigmoid(x)), (4, 5)


class BadSquare(Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        g = 2 * self.x * gy
        g.reshape(-1)[7] *= 3          # a wrong derivative at one element: flat index 7
        return g


def make_bad_square():
    return (lambda x: BadSquare()(x)), numpy.linspace(0.5, 2.0, 12).reshape(3, 4)


def make_dense():
    return keras.layers.Dense(3, activation="tanh"), (2, 4)


def make_linear():
    return shenjing.nn.Linear(4, 2), [shenjing.randn(3, 4)]


def make_nonsense():
    return 42, (2, 2)


def make_int_input():
    return (lambda x: x * 2), numpy.arange(4)
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "my_layers.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path / "my_layers.py"


def test_correct_function_passes(user_module, capsys):
    assert cli.main(["gradcheck", "my_layers:make_swish"]) == 0
    out = capsys.readouterr().out
    assert "input 0 (4, 5): relative error" in out and "ok" in out
    assert "gradcheck passed: 1 tensor(s)" in out


def test_wrong_backward_fails_naming_worst_element(user_module, capsys):
    assert cli.main(["gradcheck", f"{user_module}:make_bad_square"]) == 1
    out = capsys.readouterr().out
    # flat index 7 of a (3, 4) array is [1, 3], where the backward is 3 times too large
    assert "gradcheck FAILED" in out and "at input 0[1, 3]" in out
    analytic, numerical = map(float, re.search(
        r"worst element input 0\[1, 3\]: analytic (\S+), numerical (\S+)", out).groups())
    assert analytic / numerical == pytest.approx(3.0, rel=1e-5)


def test_keras_layer_checks_its_weights_by_name(user_module, capsys):
    assert cli.main(["gradcheck", "my_layers:make_dense"]) == 0
    out = capsys.readouterr().out
    assert "input 0 (2, 4)" in out and "kernel (4, 3)" in out and "bias (3,)" in out
    assert "3 tensor(s)" in out


def test_torch_module_checks_its_parameters(user_module, capsys):
    assert cli.main(["gradcheck", "my_layers:make_linear"]) == 0
    out = capsys.readouterr().out
    assert "weight (2, 4)" in out and "bias (2,)" in out


@pytest.mark.parametrize("spec, message", [
    ("my_layers", "expected MODULE:FACTORY"),
    ("no_such_module_xyz:f", "cannot import no_such_module_xyz: ModuleNotFoundError"),
    ("my_layers:missing", "my_layers has no function 'missing'"),
    ("my_layers:make_nonsense", "got f of type int"),
    ("my_layers:make_int_input", "input 0 must be a float tensor"),
    ("nothere.py:f", "nothere.py: no such file"),
])
def test_bad_specs_are_one_line(user_module, capsys, spec, message):
    assert cli.main(["gradcheck", spec]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
