"""``lr_find``: the learning-rate range test (Smith, 2015; fast.ai's LR finder).

Train for a short run while the learning rate rises exponentially from ``start_lr`` to
``end_lr``, lr_i = start_lr * (end_lr / start_lr) ** (i / (steps - 1)), and watch the
loss, smoothed by a bias-corrected moving average (beta = 0.98).  Stop once it exceeds 4x
its best.  Two numbers come out:

- ``suggestion``: where the smoothed loss falls fastest against log(lr) (the steepest
  descent, before the minimum): a good fixed learning rate;
- ``max_lr``: a tenth of the learning rate of the lowest loss: the peak of a 1cycle
  schedule (``optim.lr_scheduler.OneCycleLR(opt, max_lr=...)``).

The model's weights and its optimizer's state are restored afterwards.

    result = insight.lr_find(model, x, y)                      # a compiled Keras model
    result = insight.lr_find(model, loader, optimizer=opt,      # the PyTorch face
                             loss_fn=nn.CrossEntropyLoss())
    result.suggestion, result.max_lr; result.plot("lr_find.png")
"""

import copy
import math

import numpy

from .. import backend
from ..autograd.tensor import Tensor


class LRFindResult:
    """The range test's record: ``lrs`` and ``losses`` (smoothed) and ``raw_losses`` (arrays,
    one entry per step run), ``suggestion``, ``max_lr`` and ``min_loss_lr`` (floats)."""

    def __init__(self, lrs, raw_losses, losses):
        self.lrs = numpy.asarray(lrs, dtype=float)
        self.raw_losses = numpy.asarray(raw_losses, dtype=float)
        self.losses = numpy.asarray(losses, dtype=float)
        good = numpy.isfinite(self.losses)
        if good.sum() < 3:
            raise RuntimeError(f"lr_find: the loss diverged after {good.sum()} step(s); lower "
                               f"start_lr (the first rate was {self.lrs[0]:.3g})")
        lowest = int(numpy.nanargmin(numpy.where(good, self.losses, numpy.nan)))
        self.min_loss_lr = float(self.lrs[lowest])
        self.max_lr = self.min_loss_lr / 10
        if lowest >= 2:
            slope = numpy.gradient(self.losses[:lowest + 1], numpy.log10(self.lrs[:lowest + 1]))
            self.suggestion = float(self.lrs[int(numpy.argmin(slope))])
        else:
            self.suggestion = self.max_lr

    def plot(self, path=None, ax=None):
        """The loss against the learning rate (log axis) with both suggestions marked; saved as
        a PNG when ``path`` is given.  Returns the matplotlib Figure."""
        from .plot_training import plot_lr_find
        return plot_lr_find(self, path=path, ax=ax)

    def __repr__(self):
        return (f"LRFindResult(suggestion={self.suggestion:.3g}, max_lr={self.max_lr:.3g}, "
                f"steps={len(self.lrs)})")


def lr_find(model, x, y=None, *, optimizer=None, loss_fn=None, batch_size=64, start_lr=1e-7,
            end_lr=10.0, steps=100, beta=0.98, diverge=4.0, seed=0):
    """Run the LR range test on ``model`` and return an ``LRFindResult``.

    A compiled Keras model trains with its own optimizer and loss on arrays ``x``, ``y``.
    A ``nn.Module`` needs ``optimizer`` and ``loss_fn`` (``loss_fn(model(x), y)``), and
    ``x`` is arrays (with ``y``) or an iterable of ``(x, y)`` batches (a ``DataLoader``),
    cycled as needed.  ``steps`` steps of ``batch_size`` samples, the rate rising
    exponentially from ``start_lr`` to ``end_lr``."""
    if not (isinstance(steps, int) and steps >= 5):
        raise ValueError(f"lr_find: steps must be an int >= 5, got {steps!r}")
    if not (0 < start_lr < end_lr):
        raise ValueError(f"lr_find: expected 0 < start_lr < end_lr, got start_lr={start_lr!r}, "
                         f"end_lr={end_lr!r}")
    keras_model = hasattr(model, "train_step") and hasattr(model, "compiled_loss")
    if keras_model:
        model._require_compiled("lr_find")
        step, restore = _keras_step(model)
    else:
        if optimizer is None or loss_fn is None:
            raise TypeError("lr_find: a PyTorch-face model needs optimizer= and loss_fn= "
                            f"(got optimizer={optimizer!r}, loss_fn={loss_fn!r})")
        step, restore = _torch_step(model, optimizer, loss_fn)
    batches = _batches(x, y, batch_size, seed, tensors=not keras_model)
    lrs, raw, smooth = [], [], []
    average, best = 0.0, math.inf
    was_training = model.training
    model.train()
    try:
        for i in range(steps):
            lr = start_lr * (end_lr / start_lr) ** (i / (steps - 1))
            loss = step(lr, *next(batches))
            average = beta * average + (1 - beta) * loss
            smoothed = average / (1 - beta ** (i + 1))
            lrs.append(lr)
            raw.append(loss)
            smooth.append(smoothed if math.isfinite(smoothed) else math.nan)
            if not math.isfinite(smoothed) or smoothed > diverge * best:
                break
            best = min(best, smoothed)
    finally:
        restore()
        model.train(was_training)
    return LRFindResult(lrs, raw, smooth)


def _keras_step(model):
    weights = [p.array.copy() for p in model.weights]
    opt = model.optimizer
    lr0 = opt._learning_rate
    if not isinstance(lr0, (int, float)):
        raise TypeError(f"lr_find: {model.name}'s optimizer has a learning-rate schedule "
                        f"({type(lr0).__name__}); compile with a float learning_rate")
    state = opt.get_state() if opt.built else None

    def step(lr, xb, yb):
        opt.learning_rate = lr
        loss, _ = model.train_step(xb, yb)
        return loss

    def restore():
        for p, w in zip(model.weights, weights):
            p.array[...] = w
        opt.learning_rate = lr0
        if state is not None:
            opt.set_state(state)
        else:   # a fresh optimizer, as before the test
            model.optimizer = type(opt).from_config(opt.get_config())
    return step, restore


def _torch_step(model, optimizer, loss_fn):
    weights = copy.deepcopy(model.state_dict())
    state = copy.deepcopy(optimizer.state_dict())

    def step(lr, xb, yb):
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    def restore():
        model.load_state_dict(weights)
        optimizer.load_state_dict(state)
        optimizer.zero_grad()
    return step, restore


def _batches(x, y, batch_size, seed, tensors):
    """An endless stream of (x, y) batches: shuffled slices of arrays, or a cycled iterable."""
    if y is None:
        if not hasattr(x, "__iter__") or isinstance(x, numpy.ndarray):
            raise TypeError("lr_find: give arrays x and y, or an iterable of (x, y) batches as x")
        while True:
            count = 0
            for xb, yb in x:
                count += 1
                yield xb, yb
            if not count:
                raise ValueError("lr_find: the batch iterable x yielded no batches")
    x = x.numpy() if isinstance(x, Tensor) else numpy.asarray(x)
    y = y.numpy() if isinstance(y, Tensor) else numpy.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"lr_find: x and y must have the same length, got {len(x)} and {len(y)}")
    rng = numpy.random.default_rng(seed)
    while True:
        order = rng.permutation(len(x))
        for i in range(0, len(x) - batch_size + 1 if len(x) >= batch_size else 1, batch_size):
            idx = order[i:i + batch_size]
            if tensors:
                yield Tensor(backend.xp().asarray(x[idx])), Tensor(backend.xp().asarray(y[idx]))
            else:
                yield x[idx], y[idx]
