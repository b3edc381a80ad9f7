"""Vanishing and exploding gradients made visible: initialisation x activation in a deep
MLP (PyTorch face).

    python examples/init_and_activations.py [--epochs 3 --batch-size 128 --data DIR --out DIR]
    shenjing run init_and_activations

A 20-layer MLP (784 -> 19 x 100 -> 10) is initialised four ways and run with three
activations, on MNIST:

- zeros: every unit of a layer computes the same thing and gets the same gradient, so
  they never become different (the symmetry is never broken);
- N(0, 0.01^2): each layer multiplies the signal's scale by about 0.01 * sqrt(100) = 0.1,
  so activations and gradients shrink layer after layer (vanish);
- Xavier (Glorot): Var(W) = 2 / (fan_in + fan_out), which keeps the variance of
  activations and gradients steady for tanh/sigmoid-like units near 0;
- He: Var(W) = 2 / fan_in, the same for ReLU, which zeroes half its inputs.

For each pair the run measures, on one batch at initialisation, the standard deviation of
every layer's activations and weight gradients (``layer_scales.png``), then trains with
SGD (momentum 0.9, lr 0.01) and draws the loss curves (``loss_curves.png``).
"""

import sys

import numpy as np

import shenjing as torch
from shenjing import nn
from shenjing.datasets import mnist

DEPTH, WIDTH = 20, 100
INITS = {"zeros": nn.init.zeros_,
         "normal 0.01": lambda w: nn.init.normal_(w, std=0.01),
         "Xavier": nn.init.xavier_normal_,
         "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")}
ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "ReLU": torch.relu}


class DeepMLP(nn.Module):
    """(N, 784) -> (N, 10) through DEPTH linear layers; ``forward`` also returns the
    activations of the hidden layers, to measure their scale."""

    def __init__(self, init, activation):
        super().__init__()
        sizes = [784] + [WIDTH] * (DEPTH - 1) + [10]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.activation = activation
        for layer in self.layers:
            init(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        activations = []
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
            activations.append(x)
        return self.layers[-1](x), activations


def layer_scales(model, x, y):
    """Per hidden layer: std of its activations and of its weight gradient, one batch."""
    logits, activations = model(x)
    nn.functional.cross_entropy(logits, y).backward()
    act = [float(a.detach().numpy().std()) for a in activations]
    grad = [float(layer.weight.grad.numpy().std()) for layer in model.layers[:-1]]
    model.zero_grad()
    return act, grad


def fit(model, x_train, y_train, x_test, y_test, session, phase):
    """SGD with momentum; per-epoch loss recorded; returns the final test accuracy."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    n = len(x_train)
    for epoch in range(1, session.epochs + 1):
        order = torch.randperm(n).numpy()
        total = 0.0
        for i in range(0, n, session.batch_size):
            batch = order[i:i + session.batch_size]
            logits, _ = model(torch.from_numpy(x_train[batch]))
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(y_train[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        with torch.no_grad():
            predicted = model(torch.from_numpy(x_test))[0].argmax(1).numpy()
        # a diverging pair is part of the lesson here: its NaN loss is recorded, not fatal
        session.end_epoch(epoch, {"loss": total / n,
                                  "test_accuracy": float((predicted == y_test).mean())},
                          phase=phase)
    return session.history[-1]["test_accuracy"]


def train(session):
    """All 12 pairs; returns each pair's test accuracy, first/last gradient scale ratio and
    the per-layer scales."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=session.data)
    x_train, y_train = session.take(x_train, y_train)
    x_test, y_test = session.take(x_test, y_test)
    x_train = (x_train.reshape(len(x_train), -1).astype(np.float32) / 255 - 0.1307) / 0.3081
    x_test = (x_test.reshape(len(x_test), -1).astype(np.float32) / 255 - 0.1307) / 0.3081
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    probe = torch.from_numpy(x_train[:256]), torch.from_numpy(y_train[:256])

    scales, metrics = {}, {}
    for init_name, init in INITS.items():
        for act_name, activation in ACTIVATIONS.items():
            pair = f"{init_name} + {act_name}"
            torch.manual_seed(session.seed)
            model = DeepMLP(init, activation)
            act, grad = layer_scales(model, *probe)
            scales.setdefault(f"activation std, {init_name} init", {})[act_name] = act
            scales.setdefault(f"weight-gradient std, {init_name} init", {})[act_name] = grad
            metrics[f"accuracy {pair}"] = fit(model, x_train, y_train, x_test, y_test,
                                              session, pair)
            if pair == "He + ReLU":
                torch.save(model.state_dict(), str(session.path("model_He_ReLU.safetensors")))
            metrics[f"gradient ratio layer 1 / layer {DEPTH - 1} {pair}"] = (
                grad[0] / grad[-1] if grad[-1] > 0 else float("nan"))

    from shenjing.plots import plot_curves, plot_layer_scales
    # zeros give exactly-zero scales; a log axis drops them, so plot them above a floor
    floored = {panel: {k: [max(v, 1e-12) for v in vs] for k, vs in curves.items()}
               for panel, curves in scales.items()}
    plot_layer_scales(floored, session.path("layer_scales.png"),
                      title=f"{DEPTH}-layer MLP at initialisation, one batch of 256 digits")
    plot_curves({act: {init: session.series("loss", f"{init} + {act}") for init in INITS}
                 for act in ACTIVATIONS}, session.path("loss_curves.png"),
                title="training loss by activation (panels) and initialisation (curves)")
    metrics["layer_scales"] = scales
    return metrics


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("init_and_activations", train))
