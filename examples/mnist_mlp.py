"""MNIST with a multi-layer perceptron, written with the PyTorch face.

    python examples/mnist_mlp.py [--epochs 12 --batch-size 128 --data DIR --out DIR]
    shenjing run mnist_mlp        (the same, through the command)

The network is 784-256-128-10: two hidden ReLU layers, each followed by dropout (p=0.2,
inverted dropout: kept units are scaled by 1/(1-p) during training so that nothing changes
at test time), trained with Adam on the cross-entropy of the logits.  Inputs are
standardised with the training set's mean and std.  Reaches about 98% test accuracy.
"""

import sys

import numpy as np

import shenjing as torch
from shenjing import nn
from shenjing.datasets import mnist
from shenjing.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    """784 -> 256 -> 128 -> 10, ReLU and dropout between the layers: (N, 784) -> (N, 10)."""

    def __init__(self, p=0.2):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        x = self.dropout(torch.relu(self.fc1(x)))
        x = self.dropout(torch.relu(self.fc2(x)))
        return self.fc3(x)  # logits: cross_entropy applies log-softmax itself


def load(session):
    """MNIST flattened to (N, 784) float32, standardised with the training statistics."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=session.data)
    x_train, y_train = session.take(x_train, y_train)
    x_test, y_test = session.take(x_test, y_test)
    x_train = x_train.reshape(len(x_train), -1).astype(np.float32) / 255
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255
    mean, std = x_train.mean(), x_train.std()
    return ((x_train - mean) / std, y_train.astype(np.int64),
            (x_test - mean) / std, y_test.astype(np.int64))


def accuracy(model, x, y):
    """Fraction of ``x`` classified as ``y``, in eval mode (dropout off), without a graph."""
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(x)).argmax(1).numpy()
    model.train()
    return float((predicted == y).mean())


def train(session):
    """Train the MLP; returns the final test accuracy and loss (``session``: see
    ``shenjing.commands.session``)."""
    x_train, y_train, x_test, y_test = load(session)
    loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                        batch_size=session.batch_size, shuffle=True)
    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(1, session.epochs + 1):
        total, count = 0.0, 0
        for batch, (x, y) in enumerate(session.progress(loader, epoch, total=len(loader))):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            session.check_loss(loss.item(), epoch, batch)
            total, count = total + loss.item() * len(y), count + len(y)
        session.end_epoch(epoch, {"loss": total / count,
                                  "test_accuracy": accuracy(model, x_test, y_test)},
                          save=lambda path: torch.save(model.state_dict(), path),
                          filename="model.safetensors")

    from shenjing.plots import plot_curves
    plot_curves({"training loss": {"train": session.series("loss")},
                 "test accuracy": {"test": session.series("test_accuracy")}},
                session.path("history.png"), title="mnist_mlp")
    return {"test_accuracy": session.history[-1]["test_accuracy"],
            "loss": session.history[-1]["loss"]}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("mnist_mlp", train))
