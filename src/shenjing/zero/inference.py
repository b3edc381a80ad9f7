"""Inference for search: the policy-value network on NumPy arrays, batch norm folded away.

In eval mode a batch norm after a convolution is an affine map per output channel, so it
folds into the convolution's weight and bias:

    s = gamma / sqrt(running_var + eps),   W' = W * s (per output channel),
    b' = beta - running_mean * s           (+ b * s when the conv has a bias)

``FoldedNet`` then runs the network on raw float32 arrays, no Tensors and no graph, with
the activations channels-last (N, H, W, C) from the stem to the heads, so that no
transpose is ever made.  Each 3x3 convolution is im2col (one strided copy out of a padded
buffer whose zero border is written once) and one GEMM into a reused output; its bias,
skip connection and ReLU are applied in place, the ReLU writing straight into the next
convolution's padded buffer.  The heads are one 1x1-conv GEMM (policy's 2 channels and
value's 1 side by side) and one GEMM for the policy logits and the value's hidden layer
together, the Linear weights permuted once to read the channels-last flatten.

    evaluate = FoldedNet.from_module(net)          # net: a trained PolicyValueNet
    priors, values = evaluate(planes)              # (B, A) softmax, (B,) tanh
"""

import math

import numpy

from .. import no_grad, parallel, tensor

_CACHED_BATCHES = 8     # batch sizes (and batch shares) whose work buffers a FoldedNet keeps
_SPLIT_FROM = 2         # batches this large are split over the cores (``shenjing.parallel``)


def fold_batch_norm(conv, bn):
    """(W' (O, C, kh, kw), b' (O,)) float64: ``conv`` followed by ``bn`` in eval mode, as
    one convolution (formula in the module docstring)."""
    if bn.running_mean is None:
        raise ValueError("fold_batch_norm: the batch norm keeps no running statistics "
                         "(track_running_stats=False), so eval mode has no fixed affine map")
    w = conv.weight.array.astype(numpy.float64)
    mean = bn.running_mean.array.astype(numpy.float64)
    var = bn.running_var.array.astype(numpy.float64)
    gamma = bn.weight.array.astype(numpy.float64) if bn.weight is not None else 1.0
    beta = bn.bias.array.astype(numpy.float64) if bn.bias is not None else 0.0
    scale = gamma / numpy.sqrt(var + bn.eps)
    bias = beta - mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias.array * scale
    return w * scale[:, None, None, None], bias


def conv_matrix(w):
    """(O, C, kh, kw) -> the GEMM operand (kh*kw*C, O), rows ordered as im2col's columns."""
    o = w.shape[0]
    return numpy.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(-1, o), numpy.float32)


def softmax(logits):
    """Row softmax of (B, A) logits, in place: exp(l - max l) / sum exp(l - max l)."""
    logits -= logits.max(axis=1, keepdims=True)
    numpy.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


class _Padded:
    """The input of a 3x3 conv: a zero-bordered channels-last buffer ``pad`` (n, H+2, W+2, C)
    whose border is never written, its ``inside`` (n, H, W, C), the read-only view of its
    ``windows`` (n, H, W, 3, 3, C) and the im2col matrix ``cols`` (n*H*W, 9C) they fill."""

    def __init__(self, n, rows, cols, channels, im2col=None):
        self.pad = numpy.zeros((n, rows + 2, cols + 2, channels), numpy.float32)
        self.inside = self.pad[:, 1:-1, 1:-1, :]
        s = self.pad.strides
        self.windows = numpy.lib.stride_tricks.as_strided(
            self.pad, (n, rows, cols, 3, 3, channels), s[:3] + s[1:3] + s[3:],
            writeable=False)
        self.cols = im2col if im2col is not None else \
            numpy.empty((n * rows * cols, 9 * channels), numpy.float32)


class _Buffers:
    """The work arrays of one batch size n: the stem's padded input, two padded buffers
    for the tower (sharing one im2col matrix), and the GEMM output ``y`` (n*H*W, F)."""

    def __init__(self, n, rows, cols, planes, filters):
        self.planes = _Padded(n, rows, cols, planes)
        self.x = _Padded(n, rows, cols, filters)
        self.t = _Padded(n, rows, cols, filters, self.x.cols)
        self.y = numpy.empty((n * rows * cols, filters), numpy.float32)


def conv3x3(src, layer, out):
    """out (n*H*W, O) = im2col(src) (n*H*W, 9C) @ W' (9C, O) + b': one strided copy, one
    GEMM, one in-place add."""
    wm, b = layer
    numpy.copyto(src.cols.reshape(src.windows.shape), src.windows)
    numpy.matmul(src.cols, wm, out=out)
    out += b
    return out


class FoldedNet:
    """A PolicyValueNet's forward for search, on NumPy float32 arrays with batch norm folded
    in: planes (B, C, H, W) -> (priors (B, A) softmax, values (B,) tanh), the evaluator
    protocol of ``zero.mcts``.  A snapshot: later changes to the module's weights do not
    reach it (fold again).  It reuses work buffers between calls: one FoldedNet per thread.
    A batch of 2 or more is split over the cores, each share run whole (im2col copies and
    single-threaded GEMMs) by one worker thread with buffers of its own.
    """

    def __init__(self, stem, blocks, heads, head_linear, value_out, shape):
        self.stem, self.blocks = stem, blocks
        self.heads, self.head_linear, self.value_out = heads, head_linear, value_out
        self.planes, self.rows, self.cols, self.actions = shape
        self.filters = stem[0].shape[1]
        self._buffers = {}

    @classmethod
    def from_module(cls, net):
        """Fold a PolicyValueNet (or any module with its ``stem``, ``blocks``, ``policy``
        and ``value`` layout, as benchmarks/resnet_az.py's) into a FoldedNet."""
        def layer(conv, bn):
            w, b = fold_batch_norm(conv, bn)
            return conv_matrix(w), b.astype(numpy.float32)

        stem = layer(net.stem[0], net.stem[1])
        blocks = [(layer(b.conv1, b.bn1), layer(b.conv2, b.bn2)) for b in net.blocks]
        (wp, bp), (wv, bv) = layer(net.policy[0], net.policy[1]), layer(net.value[0], net.value[1])
        heads = (numpy.concatenate([wp, wv], axis=1), numpy.concatenate([bp, bv]))
        planes = net.stem[0].in_channels
        lp, lv1, lv2 = net.policy[4], net.value[4], net.value[6]
        cells = lv1.in_features
        actions, hidden = lp.out_features, lv1.out_features
        # one GEMM for both heads' first Linear: input row (cell, channel) channels-last,
        # channels 0-1 feeding the policy logits and channel 2 the value's hidden layer
        w1 = numpy.zeros((cells, 3, actions + hidden), numpy.float32)
        w1[:, :2, :actions] = lp.weight.array.reshape(actions, 2, cells).transpose(2, 1, 0)
        w1[:, 2, actions:] = lv1.weight.array.T
        b1 = numpy.concatenate([lp.bias.array, lv1.bias.array]).astype(numpy.float32)
        value_out = (numpy.ascontiguousarray(lv2.weight.array.T, numpy.float32),
                     lv2.bias.array.astype(numpy.float32))
        rows = getattr(net, "rows", None) or math.isqrt(cells)     # a square board
        cols = cells // rows
        if rows * cols != cells:
            raise ValueError(f"FoldedNet.from_module: {cells} cells is no {rows}-row board")
        return cls(stem, blocks, heads, (w1.reshape(cells * 3, -1), b1), value_out,
                   (planes, rows, cols, actions))

    def __getstate__(self):                 # pickled to worker processes: no buffers
        return {k: v for k, v in self.__dict__.items() if k != "_buffers"}

    def __setstate__(self, state):
        self.__dict__.update(state, _buffers={})

    def _buffers_for(self, n, share=0):
        buffers = self._buffers.get((n, share))
        if buffers is None:
            if len(self._buffers) >= _CACHED_BATCHES:
                self._buffers.pop(next(iter(self._buffers)))
            buffers = self._buffers[n, share] = _Buffers(n, self.rows, self.cols,
                                                         self.planes, self.filters)
        return buffers

    def forward(self, planes):
        """planes (B, C, H, W) -> (policy logits (B, A), values (B,)), float32 arrays."""
        planes = numpy.asarray(planes, numpy.float32)
        n, c, rows, cols = planes.shape
        if (c, rows, cols) != (self.planes, self.rows, self.cols):
            raise ValueError(f"FoldedNet: expected planes (B, {self.planes}, "
                             f"{self.rows}, {self.cols}), got {planes.shape}")
        if n < _SPLIT_FROM or parallel.workers() == 1:
            return self._forward(planes, self._buffers_for(n))
        buffers = {start: self._buffers_for(stop - start, start)     # looked up here, not
                   for start, stop in parallel.shares(n)}            # in the threads
        shares = parallel.map_batch(
            lambda start, stop: self._forward(planes[start:stop], buffers[start]), n)
        return (numpy.concatenate([logits for logits, _ in shares]),
                numpy.concatenate([values for _, values in shares]))

    def _forward(self, planes, buf):
        """``forward`` of planes (n, C, H, W) on the work buffers ``buf`` of batch n."""
        n = planes.shape[0]
        buf.planes.inside[...] = planes.transpose(0, 2, 3, 1)
        y = conv3x3(buf.planes, self.stem, buf.y)
        y4 = y.reshape(buf.x.inside.shape)
        # each ReLU writes straight into the next conv's padded input; the tower's last
        # output stays in y for the heads
        numpy.maximum(y4, 0, out=buf.x.inside if self.blocks else y4)
        for i, (first, second) in enumerate(self.blocks):
            conv3x3(buf.x, first, y)
            numpy.maximum(y4, 0, out=buf.t.inside)
            conv3x3(buf.t, second, y)
            y4 += buf.x.inside
            numpy.maximum(y4, 0, out=y4 if i == len(self.blocks) - 1 else buf.x.inside)
        # heads: 1x1 conv (F -> 2 + 1) + ReLU, then both first Linears in one GEMM
        w, b = self.heads
        h = y @ w
        h += b
        numpy.maximum(h, 0, out=h)
        w1, b1 = self.head_linear
        z = h.reshape(n, -1) @ w1
        z += b1
        logits, hidden = z[:, :self.actions], z[:, self.actions:]
        numpy.maximum(hidden, 0, out=hidden)
        w2, b2 = self.value_out
        values = (hidden @ w2).reshape(n)
        values += b2
        return logits, numpy.tanh(values, out=values)

    def __call__(self, planes):
        """The evaluator protocol: planes float32 (B, C, H, W) -> (priors (B, A) float32,
        softmax of the policy logits; values (B,) float32 in [-1, 1], for the player to
        move)."""
        logits, values = self.forward(planes)
        return softmax(numpy.ascontiguousarray(logits)), values


def evaluator(net):
    """The evaluator protocol over the module itself (eval mode, no graph): slower than
    ``FoldedNet`` but exactly the module's forward; for checks and comparisons."""
    net.eval()

    def evaluate(planes):
        with no_grad():
            logits, values = net(tensor(numpy.asarray(planes, numpy.float32)))
        return softmax(logits.numpy().astype(numpy.float32, copy=True)), \
            values.numpy().astype(numpy.float32, copy=True)

    return evaluate
