"""detect_nan: the first NaN/inf names its op, the layer path and the user's line of code."""

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn
from shenjing.autograd import grad_mode


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        h = self.head(self.body(x))
        return torch.log(h)          # planted: a Linear's output has negative entries


@pytest.fixture(autouse=True)
def quiet():
    with np.errstate(invalid="ignore", divide="ignore"):
        yield


def test_planted_log_is_named_with_layer_and_line(mnist_small):
    x, _ = mnist_small
    torch.manual_seed(0)
    net = Net()
    inputs = torch.tensor(x[:8, :4] - 0.5)
    with pytest.raises(FloatingPointError) as error:
        with insight.detect_nan():
            net(inputs).sum().backward()
    message = str(error.value)
    assert "op `log` in layer `Net` (Net)" in message
    assert f"{__file__}:" in message and "in forward: return torch.log(h)" in message
    # outside the mode the same code runs through, making NaN
    assert np.isnan(net(inputs).numpy()).any()
    assert grad_mode._Mode.detect_anomaly is False and grad_mode._Mode.anomaly_where is None


def test_nested_layer_path():
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.body[0].weight[0, 0] = float("inf")
    x = torch.tensor([[1.0, -1.0, 0.0, 0.0], [-1.0, 1.0, 0.0, 0.0]])
    with pytest.raises(FloatingPointError, match=r"op `linear` in layer `Net\.body\.0` \(Linear\)"):
        with insight.detect_nan():
            net(x)


def test_backward_nan_names_the_op_and_where_it_was_made():
    x = torch.zeros(3, requires_grad=True)
    y = torch.sqrt(x).sum()                        # made outside: no site recorded
    with insight.detect_nan():
        y = torch.sqrt(x).sum()                    # sqrt'(0) = inf appears in backward
        with pytest.raises(FloatingPointError) as error:
            y.backward()
    message = str(error.value)
    assert message.startswith("detect_anomaly: Sqrt (backward) produced NaN or inf: op `sqrt`")
    assert "y = torch.sqrt(x).sum()" in message


def test_keras_layer_path():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense_a"),
                              keras.layers.Lambda(lambda t: keras.ops.log(t), name="logs")],
                             name="mlp")
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    with pytest.raises(FloatingPointError, match=r"op `log` in layer `mlp\.logs` \(Lambda\)"):
        with insight.detect_nan():
            model(x)


def test_clean_run_passes_and_decorator_form():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid())

    @insight.detect_nan()
    def step(x):
        loss = torch.log(net(x)).sum()
        loss.backward()
        return loss

    loss = step(torch.randn(5, 4))
    assert np.isfinite(loss.item()) and net[0].weight.grad is not None
    assert insight.debug.op_name("LogSoftmax") == "log_softmax"


def test_plain_detect_anomaly_message_is_unchanged():
    x = torch.tensor([-1.0, 1.0], requires_grad=True)
    with pytest.raises(FloatingPointError, match=r"^detect_anomaly: Log \(forward\) produced NaN "
                                                 r"or inf$"):
        with torch.detect_anomaly():
            x.log()
