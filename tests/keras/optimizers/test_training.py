"""A softmax regression on real MNIST digits, trained with the Keras face's loss and
optimizers on shenjing Parameters: the loss must fall well below its starting value."""

import numpy as np
import pytest

from shenjing.datasets import load_sample
from shenjing.keras import losses, metrics, optimizers
from shenjing.nn import Parameter


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    return x[:8000], labels[:8000].astype(np.int64), x[8000:], labels[8000:].astype(np.int64)


@pytest.mark.parametrize("optimizer", [
    lambda: optimizers.Adam(learning_rate=0.005),
    lambda: optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(0.5, 100, 0.7),
                           momentum=0.9, nesterov=True),
    lambda: optimizers.RMSprop(learning_rate=0.002, clipnorm=5.0),
])
def test_softmax_regression_learns_mnist(digits, optimizer):
    x_train, y_train, x_test, y_test = digits
    rng = np.random.default_rng(0)
    w = Parameter(np.zeros((784, 10), np.float32))
    b = Parameter(np.zeros(10, np.float32))
    loss_fn = losses.get("sparse_categorical_crossentropy")          # probabilities in
    opt = optimizer()
    accuracy = metrics.get("accuracy", loss="sparse_categorical_crossentropy")
    for epoch in range(2):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 200):
            i = order[start:start + 200]
            probs = (x_train[i] @ w + b).softmax(dim=-1)
            loss = loss_fn(y_train[i], probs)
            w.grad = b.grad = None
            loss.backward()
            opt.apply_gradients([(w.grad, w), (b.grad, b)])
    logits = x_test @ w + b
    test_loss = float(losses.SparseCategoricalCrossentropy(from_logits=True)(y_test, logits))
    accuracy.update_state(y_test, logits.numpy())
    assert opt.iterations == 80
    assert test_loss < 0.45, test_loss              # log(10) = 2.30 at the start
    assert accuracy.result() > 0.87, accuracy.result()
