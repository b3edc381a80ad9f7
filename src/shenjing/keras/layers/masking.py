"""Keras's masking: the ``Masking`` layer, and the checks and index arithmetic that let the
recurrent layers skip masked steps.

A mask marks the valid steps of a batch of sequences: a bool (N, T), True = a real step,
False = padding.  ``Embedding(mask_zero=True)`` and ``Masking`` make one; a layer's call
attaches it to the output tensor (``layer.py``: ``set_keras_mask``), the layers that keep
the time axis pass it on (``supports_masking``), and the next layer whose ``call`` takes
``mask`` receives it, as in Keras 3.  A loss then averages over the valid steps only.

    x = keras.Input(shape=(None, 8))
    h = Masking(mask_value=0.0)(x)        # steps whose 8 features are all 0 are skipped
    y = LSTM(16)(h)                       # the state is carried over the masked steps
"""

import numpy

from ...autograd.tensor import Tensor
from .core import layer_input
from .layer import Layer, get_keras_mask, set_keras_mask

__all__ = ["Masking", "get_keras_mask", "set_keras_mask", "sequence_mask", "skip_plan"]


def host_array(value):
    """A tensor, array or nested list as a NumPy array on the host (masks drive indices)."""
    array = value.array if isinstance(value, Tensor) else value
    if hasattr(array, "get") and not isinstance(array, numpy.ndarray):   # CuPy
        array = array.get()
    return numpy.asarray(array)


def sequence_mask(mask, x, who):
    """``mask`` checked against the sequence batch ``x`` (N, T, ...): a bool NumPy array
    (N, T); a ValueError names the layer and both shapes when they do not match."""
    if isinstance(mask, (list, tuple)) and mask and not numpy.isscalar(mask[0]) \
            and (isinstance(mask[0], Tensor) or mask[0] is None):
        mask = mask[0]                    # the mask of the first input (Keras's rule)
    if mask is None:
        return None
    array = host_array(mask)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{who}: mask must be bool (True = a valid step), got dtype "
                        f"{array.dtype}")
    if array.shape != tuple(x.shape[:2]):
        raise ValueError(f"{who}: the mask has shape {array.shape}, but the inputs of shape "
                         f"{tuple(x.shape)} need a mask of shape (batch, timesteps) = "
                         f"{tuple(x.shape[:2])}")
    return array.astype(bool, copy=False)


class SkipPlan:
    """How a recurrence skips masked steps exactly as Keras does (the state is carried over
    a masked step and the output there repeats the previous one), on the length-aware
    sequence ops: the valid steps of each row are moved to the front (``source``), the op
    runs on them with ``lengths`` = the number of valid steps, and the output at step t is
    read back from the op's output at ``index[:, t]``:

    * forward, the state after the valid steps up to t: index c_t - 1 (c_t = valid steps in
      0..t), zeros while c_t = 0;
    * backwards (``go_backwards``), the state after the valid steps from t on: index
      c_t - m_t, where the op's output is zero once no valid step is left.

    ``keep`` (N, T) is where the output is not zero (None: everywhere), with
    ``zero_output_for_mask`` the valid steps only."""

    def __init__(self, steps, go_backwards, zero_output_for_mask):
        n, t = steps.shape
        self.steps = steps
        self.lengths = steps.sum(1)
        counts = numpy.cumsum(steps, axis=1)
        right_padded = bool((steps == (numpy.arange(t) < self.lengths[:, None])).all())
        self.rows = numpy.arange(n)[:, None]
        # valid steps first, in time order (a stable sort of "masked"); None: already so
        self.source = None if right_padded else numpy.argsort(~steps, axis=1, kind="stable")
        if go_backwards:
            self.index = counts - steps
            keep = None
        else:
            self.index = numpy.maximum(counts - 1, 0)
            keep = counts > 0
        if zero_output_for_mask:
            keep = steps
        self.keep = None if keep is None or keep.all() else keep
        # the step the last output comes from: the last one processed
        self.last = steps[:, 0] if go_backwards else steps[:, -1]

    def inputs(self, x):
        """(N, T, F) with each row's valid steps first."""
        return x if self.source is None else x[self.rows, self.source]

    def outputs(self, y):
        """The op's (N, T, U) outputs, read back at every step of the original time axis."""
        out = y[self.rows, self.index]
        if self.keep is not None:
            out = out * Tensor(self.keep[:, :, None].astype(out.dtype))
        return out

    def last_output(self, h, zero_output_for_mask):
        """The layer's output without ``return_sequences``: the final state, zero for rows
        with no valid step (and, with ``zero_output_for_mask``, whose last step is masked)."""
        keep = self.last if zero_output_for_mask else self.lengths > 0
        if keep.all():
            return h
        return h * Tensor(keep[:, None].astype(h.dtype))


def skip_plan(steps, go_backwards=False, zero_output_for_mask=False):
    """The ``SkipPlan`` of a bool mask (N, T)."""
    return SkipPlan(steps, go_backwards, zero_output_for_mask)


class Masking(Layer):
    """Masks the steps of a sequence whose features all equal ``mask_value``:
    (N, T, ...features) -> the same shape, with those steps set to 0 and the mask
    ``any(x != mask_value, -1)`` (N, T) attached for the layers after it (an LSTM skips the
    masked steps, a loss ignores them)."""

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"{self.who}: mask_value must be a number, got {mask_value!r}")
        self.mask_value = float(mask_value)

    @property
    def who(self):
        return f"{self.name} (Masking)"

    def _keep(self, x):
        if x.ndim < 2:
            raise ValueError(f"{self.who}: expected inputs (batch, timesteps, ...features), got "
                             f"shape {tuple(x.shape)}")
        return (x.array != self.mask_value).any(-1)

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)``, a bool tensor (N, T)."""
        return Tensor(self._keep(layer_input(inputs, self)))

    def call(self, inputs):
        x = layer_input(inputs, self)
        keep = self._keep(x)
        out = x * Tensor(keep[..., None].astype(x.dtype))
        set_keras_mask(out, Tensor(keep))
        return out

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
