"""What ``shenjing demo`` leaves behind: the trained weights and the training curve.

    <out>/model.safetensors   W1 (784, 128), b1 (128,), W2 (128, 10), b2 (10,)
                              (``shenjing.load`` reads it back as a dict of tensors)
    <out>/history.png         train loss and test accuracy per epoch (needs matplotlib,
                              ``pip install 'shenjing[plot]'``; skipped with a note otherwise)
"""

import os

from ..io import save
from ..plots import MissingExtraError, plot_curves


def save_demo_outputs(result, out):
    """Write ``train_mnist_mlp``'s ``result`` to the folder ``out``; return lines to print."""
    os.makedirs(out, exist_ok=True)
    w1, b1, w2, b2 = result["params"]
    model = os.path.join(out, "model.safetensors")
    save({"W1": w1.detach(), "b1": b1.detach(), "W2": w2.detach(), "b2": b2.detach()}, model)
    lines = [f"model saved to {model}"]
    history = result["history"]
    curve = os.path.join(out, "history.png")
    try:
        plot_curves({"train loss": {"train": [h["loss"] for h in history]},
                     "test accuracy": {"test": [h["accuracy"] for h in history]}}, curve,
                    title="shenjing demo: MLP 784-128-10 on MNIST")
        lines.append(f"training curve saved to {curve}")
    except MissingExtraError as error:
        lines.append(f"no training curve: {error}")
    return lines
