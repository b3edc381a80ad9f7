"""Optimizers and learning-rate schedules on one problem (PyTorch face).

    python examples/optimizers.py [--epochs 5 --batch-size 128 --data DIR --out DIR]
    shenjing run optimizers

The same MLP (784-128-10, ReLU, same initial weights) is trained on 12,000 MNIST digits
with each optimizer of the course:

- SGD:        w -= lr * g
- momentum:   v = 0.9 v + g;  w -= lr * v                (a ball rolling downhill)
- Nesterov:   the gradient taken one momentum step ahead
- AdaGrad:    s += g^2;  w -= lr * g / sqrt(s + eps)      (per-weight rates, that only decay)
- RMSProp:    s = 0.9 s + 0.1 g^2;  w -= lr * g / sqrt(s + eps)   (forgets old gradients)
- Adam:       momentum (m) and RMSProp (v) together, both bias-corrected

and then SGD with momentum under four learning-rate schedules: step (halve every epoch),
exponential (x0.6 per epoch), power (lr0 / (1 + t/s)), 1cycle (up to lr_max and back down
in the first 90% of steps, then further down).  ``loss_curves.png`` holds all the curves,
one panel for the optimizers and one for the schedules.
"""

import sys

import numpy as np

import shenjing as torch
from shenjing import nn
from shenjing.datasets import mnist
from shenjing.optim import lr_scheduler

TRAIN_SIZE = 12000

OPTIMIZERS = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.01),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "Nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "AdaGrad": lambda p: torch.optim.Adagrad(p, lr=0.01),
    "RMSProp": lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.001),
}


def schedules(steps_per_epoch, epochs):
    """name -> (scheduler factory, stepped every "batch" or every "epoch")."""
    total = steps_per_epoch * epochs
    return {
        "step": (lambda o: lr_scheduler.StepLR(o, step_size=1, gamma=0.5), "epoch"),
        "exponential": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.6), "epoch"),
        "power": (lambda o: lr_scheduler.LambdaLR(
            o, lambda t: 1 / (1 + t / steps_per_epoch)), "batch"),
        "1cycle": (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=total),
                   "batch"),
    }


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def fit(model, optimizer, data, session, phase, scheduler=None, every="epoch"):
    """Train; returns the loss averaged over each block of 20 steps (the curve)."""
    x_train, y_train, x_test, y_test = data
    curve, block = [], []
    for epoch in range(1, session.epochs + 1):
        order = torch.randperm(len(x_train)).numpy()
        losses = []
        for batch, i in enumerate(range(0, len(x_train), session.batch_size)):
            rows = order[i:i + session.batch_size]
            loss = nn.functional.cross_entropy(model(torch.from_numpy(x_train[rows])),
                                               torch.from_numpy(y_train[rows]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            session.check_loss(loss.item(), epoch, batch)
            if scheduler is not None and every == "batch":
                scheduler.step()
            losses.append(loss.item())
            block.append(loss.item())
            if len(block) == 20:
                curve.append(float(np.mean(block)))
                block = []
        if scheduler is not None and every == "epoch":
            scheduler.step()
        with torch.no_grad():
            accuracy = float((model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
        session.end_epoch(epoch, {"loss": float(np.mean(losses)), "test_accuracy": accuracy},
                          phase=phase)
    return curve


def train(session):
    """Every optimizer, then every schedule; returns each one's last-epoch loss and test
    accuracy."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=session.data)
    x_train, y_train = session.take(x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE])
    x_test, y_test = session.take(x_test, y_test)
    prepare = lambda x: (x.reshape(len(x), -1).astype(np.float32) / 255 - 0.1307) / 0.3081  # noqa: E731
    data = prepare(x_train), y_train.astype(np.int64), prepare(x_test), y_test.astype(np.int64)

    curves = {"optimizers": {}, "learning-rate schedules (SGD + momentum 0.9)": {}}
    for name, make in OPTIMIZERS.items():
        model = make_model(session.seed)
        curves["optimizers"][name] = fit(model, make(model.parameters()), data, session, name)
        if name == "Adam":
            torch.save(model.state_dict(), str(session.path("model_Adam.safetensors")))
    steps_per_epoch = -(-len(data[0]) // session.batch_size)
    for name, (make, every) in schedules(steps_per_epoch, session.epochs).items():
        model = make_model(session.seed)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        curves["learning-rate schedules (SGD + momentum 0.9)"][name] = fit(
            model, optimizer, data, session, name, make(optimizer), every)

    from shenjing.plots import plot_curves
    plot_curves(curves, session.path("loss_curves.png"), xlabel="steps / 20",
                title="training loss, same model and initial weights", logy=("optimizers",))
    metrics = {}
    for phase in list(OPTIMIZERS) + list(schedules(1, 1)):
        metrics[f"loss {phase}"] = session.series("loss", phase)[-1]
        metrics[f"test_accuracy {phase}"] = session.series("test_accuracy", phase)[-1]
    return metrics


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("optimizers", train))
