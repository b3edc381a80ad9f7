"""Recurrent layers as whole-sequence fused ops: Elman RNN (tanh/relu), LSTM and GRU.

One op runs one layer in one direction over the whole sequence, forward and
backward-through-time, on preallocated buffers.  What makes it fast in NumPy:

* the input projection x W_ih^T + b of ALL time steps is one GEMM before the time loop,
  and the weight gradients are one GEMM each after the backward loop;
* each step does ONE GEMM for all gates (h W_hh^T for the 4 LSTM / 3 GRU gates at once)
  and a handful of in-place elementwise calls on small arrays that stay in cache; the
  time loop is the only Python loop;
* sigma(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigma(2 a) - 1, with the -1 and -2 folded
  into a scaled copy of the weights, so that one ``exp`` call activates all the gates of a
  step (NumPy's float32 ``exp`` takes about half the time of its ``tanh``);
* the big scratch buffers are recycled from call to call (``workspace``), so that the
  kernel does not have to fault in and zero fresh pages for them on every step.

Where numba is present, the time loops of a float32/float64 NumPy layer run instead as
one compiled call each (``kernels/recurrent.py``): the same projection and weight-gradient
GEMMs around them, the gates in PyTorch's order kept in place of the projection, and each
step's product and gate math in one pass.  ``_choose`` picks the path once per call of
the op (backward follows the forward); the NumPy loops below stay the definition.

Shapes (time-major; layouts such as batch_first are converted outside the op):
x (T, N, I), h0 and c0 (N, H), W_ih (G H, I), W_hh (G H, H), b_ih and b_hh (G H,)
with G = 1 (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: gates r, z, n), as PyTorch.
Outputs: every hidden state (T, N, H) and the final state(s) (N, H).

Variable lengths (the packed-sequence equivalent): with ``lengths`` (N,), the steps of
sequence j at t >= lengths[j] neither change its state nor produce output (zeros there),
and the final state is the one at its own last step; ``reverse=True`` reads each
sequence backwards from its own last step.  As PyTorch's packed sequences do, the batch
is sorted by decreasing length, so that the sequences still running at any step are a
prefix of the rows and a step touches only those.

    >>> y, h, c = lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih, b_hh, lengths=[5, 3])
"""

import numpy

from .. import backend, kernels, parallel
from ..autograd.function import Function, ShapeError
from ..autograd.tensor import Tensor, as_array
from ._helpers import expect


# ------------------------------------------------------------------ workspace

class _Workspace:
    """The big scratch buffers of the time loops (projections, gates, backward factors,
    gate gradients), reused from one call to the next instead of allocated anew.

    A fresh multi-megabyte array costs a page fault per 4 KiB page on first touch (the
    kernel hands out zeroed pages), which at these sizes is a good part of the time of the
    arithmetic itself; a small caching allocator, as PyTorch has one, avoids it.  Only
    arrays that never leave an op are recycled: a buffer returns here when the op no longer
    needs it (after the loop, or when its node is released after backward).  The least
    recently used buffers are dropped beyond ``limit`` bytes.
    """

    def __init__(self, limit=256 << 20):
        self.limit, self.held, self.free = limit, 0, {}

    def take(self, xp, shape, dtype, zero=False):
        key = (xp, tuple(shape), numpy.dtype(dtype))
        stack = self.free.pop(key, None)
        if stack:
            array = stack.pop()
            self.held -= array.nbytes
            if stack:
                self.free[key] = stack          # back at the end: most recently used
            if zero:
                array.fill(0)
            return array
        return (xp.zeros if zero else xp.empty)(shape, dtype)

    def give(self, *arrays):
        for array in arrays:
            if array is None or array.nbytes > self.limit:
                continue
            key = (backend.array_module(array), array.shape, array.dtype)
            self.free[key] = self.free.pop(key, []) + [array]
            self.held += array.nbytes
            while self.held > self.limit:      # drop from the least recently used key
                oldest = next(iter(self.free))
                self.held -= self.free[oldest].pop(0).nbytes
                if not self.free[oldest]:
                    del self.free[oldest]

    def clear(self):
        self.free.clear()
        self.held = 0


workspace = _Workspace()

#: the rows of the batch each core needs before a compiled time loop is split over cores
SPLIT_ROWS = 8


# ------------------------------------------------------------------ shared machinery

class _Recurrence(Function):
    """What the three recurrences share: sorting by length, the time loop's order and the
    running rows of each step, the projection GEMM and the weight-gradient GEMMs.

    States are kept in buffers S of shape (T + 1, N, H) indexed by time: in the forward
    direction step t reads S[t] and writes S[t + 1]; in reverse it reads S[t + 1] and writes
    S[t].  So ``new`` (S[1:] or S[:-1]) is the output sequence in time order and ``prev``
    (the other view) holds the state each step started from; neither needs a flip.

    With ragged lengths the state buffers start filled with the initial state: a step only
    touches the rows still running, so a row that has not started yet (reverse direction)
    reads its initial state, and a finished row's final state is read at its own last step.
    """

    #: the kept buffers that go back to the workspace when the node is released
    scratch = ()

    def __init__(self, lengths=None, reverse=False):
        self.lengths, self.reverse = lengths, reverse

    def release(self):
        workspace.give(*[self.__dict__.get(name) for name in self.scratch])
        super().release()

    # -- planning the loop

    def _plan(self, x, states):
        """Sort the batch by decreasing length (if ragged); return sorted x and states."""
        T, N = x.shape[0], x.shape[1]
        self.T, self.N = T, N
        self.order = self.inverse = self.sizes = self.mask = self.ends = None
        lengths = self.lengths
        if lengths is not None and bool((lengths < T).any()):
            order = numpy.argsort(-lengths, kind="stable")
            if (order != numpy.arange(N)).any():
                self.order, self.inverse = order, numpy.argsort(order)
                x = x[:, order]
                states = [s[order] for s in states]
            self.ends = lengths[order]
            # sizes[t]: how many (sorted) sequences are still running at time t
            self.sizes = (self.ends[None, :] > numpy.arange(T)[:, None]).sum(1).tolist()
            self.mask = numpy.arange(T)[:, None, None] < lengths[None, :, None]  # caller's order
        return x, states

    def _steps(self, *views, backward=False):
        """Per time step, in the loop's order (reversed for backward-through-time): the
        step's slice of each (T, ..., N, F) view, cut to the rows still running."""
        order = slice(None, None, -1) if self.reverse != backward else slice(None)
        steps = zip(*[v[order] for v in views])
        if self.sizes is None:
            return steps
        return (tuple(v[..., :b, :] for v in vs) for b, vs in zip(self.sizes[order], steps))

    def _each(self, xp, array):
        """``array`` seen as the same (writable) array at every time step, for ``_steps``."""
        return xp.lib.stride_tricks.as_strided(array, (self.T,) + array.shape,
                                               (0,) + array.strides)

    def _choose(self, *arrays):
        """The one place where the op picks its path: the compiled time loops of
        ``kernels.recurrent`` when they can run on these arrays, else None (NumPy).
        Backward follows the forward's choice, since the two keep different buffers."""
        arrays = [a for a in arrays if a is not None]
        self.fast = kernels.module("recurrent") if kernels.usable(*arrays) else None
        return self.fast

    def _loop(self, kernel, *args):
        """Run a compiled time loop, ``kernel(*args, sizes, reverse, ...)``: each row's
        recurrence is independent of the others, so a batch of at least ``SPLIT_ROWS`` rows
        per core is split over the cores (``shenjing.parallel``), each share running the
        whole loop on its rows.  A row's arithmetic is the same in any share."""
        parts = self.N // SPLIT_ROWS
        if parts < 2 or parallel.workers() < 2:
            return kernel(*args)
        parallel.map_batch(lambda first, last: kernel(*args, rows=(first, last)), self.N, parts)

    def _sizes(self):
        """Running rows per step for a kernel (None: all of them)."""
        return None if self.sizes is None else numpy.asarray(self.sizes, numpy.int64)

    def _views(self, buffer):
        """(new, prev): the states each step writes and the ones it reads, in time order."""
        return (buffer[:-1], buffer[1:]) if self.reverse else (buffer[1:], buffer[:-1])

    def _states(self, xp, h0):
        """A (T + 1, N, H) state buffer holding the initial state where the loop reads it."""
        buffer = xp.empty((self.T + 1,) + h0.shape, h0.dtype)
        if self.sizes is None:
            buffer[self.T if self.reverse else 0] = h0
        else:
            buffer[...] = h0
        return buffer

    def _final(self, buffer):
        if self.reverse or self.sizes is None:
            return buffer[0 if self.reverse else self.T]
        return buffer[self.ends, numpy.arange(self.N)]   # each row after its own last step

    # -- forward results and incoming gradients, in the caller's batch order

    def _unsort(self, y, finals):
        if self.mask is not None:
            if self.order is not None:
                y = y[:, self.inverse]
                finals = [f[self.inverse] for f in finals]
            else:
                y = y.copy()
            y *= self.mask
        return (y,) + tuple(finals)

    def _sort(self, grads):
        return grads if self.order is None else [g[:, self.order] if g.ndim == 3 else g[self.order]
                                                 for g in grads]

    # -- the GEMMs outside the time loop

    def _project(self, x, w, bias, out=None):
        """x W^T + b for every time step at once: (T, N, I) -> (T, N, G H)."""
        T, N = x.shape[:2]
        x2 = x.reshape(T * N, x.shape[2])
        y = parallel.matmul(x2, w.T, None if out is None else out.reshape(T * N, w.shape[0]))
        if bias is not None:
            y += bias
        return y.reshape(T, N, w.shape[0])

    def _weight_grads(self, dgates, x, prev, perm=None, dgates_h=None):
        """dx, and dW_ih, dW_hh, db_ih, db_hh in a list, from the pre-activation gradients
        of all steps: one GEMM each.

        ``dgates`` (T, N, G H) is dL/d(x W_ih^T + b_ih); ``dgates_h`` (GRU) is dL/d(h W_hh^T
        + b_hh) where it differs.  ``perm`` maps internal gate order back to PyTorch's.
        """
        needs = self.needs_input_grad
        first_w = self.first_weight
        T, N, GH = dgates.shape
        d2 = dgates.reshape(T * N, GH)
        dh2 = d2 if dgates_h is None else dgates_h.reshape(T * N, GH)
        dx = None
        if needs[0]:
            w_ih = self.w_ih if perm is None else self.w_ih[perm]
            dx = parallel.matmul(d2, w_ih).reshape(x.shape)
            if self.order is not None:
                dx = dx[:, self.inverse]
        grads = [None] * (len(needs) - first_w)
        if needs[first_w]:
            grads[0] = parallel.matmul(d2.T, x.reshape(T * N, x.shape[2]))
        if needs[first_w + 1]:
            grads[1] = parallel.matmul(dh2.T, prev.reshape(T * N, prev.shape[2]))
        if len(grads) == 4:
            if needs[first_w + 2] or (dgates_h is None and needs[first_w + 3]):
                grads[2] = d2.sum(0)
            if needs[first_w + 3]:
                grads[3] = grads[2] if dgates_h is None else dh2.sum(0)
        if perm is not None:
            inv = numpy.argsort(perm)
            grads = [None if g is None else g[inv] for g in grads]
        return dx, grads

    def _state_grads(self, carries):
        if self.order is None:
            return carries
        return [g[self.inverse] for g in carries]

    def _keep(self, **arrays):
        """Keep what backward needs, only when a graph is recorded."""
        if self.needs_input_grad is not None:
            self.__dict__.update(arrays)


def _gate_weights(w_ih, w_hh, perm, scale):
    """The weights in internal gate order, each gate's rows times its ``scale``."""
    if perm is not None:
        w_ih, w_hh = w_ih[perm], w_hh[perm]
    return w_ih * scale[:, None], w_hh * scale[:, None]


def _scale(xp, dtype, H, sigmoids, last):
    """Row scale: -1 for the ``sigmoids`` gates, whose pre-activation a then comes out as -a
    for exp(-a); ``last`` for the one gate after them."""
    return xp.concatenate([xp.full(sigmoids * H, -1, dtype), xp.full(H, last, dtype)])


def _sigmoid_of_exp(xp, e):
    """In place: e = exp(-a) -> sigma(a) = 1 / (1 + e) (e = inf gives 0, as it should)."""
    e += 1
    xp.reciprocal(e, out=e)


# ------------------------------------------------------------------ Elman RNN

class RNNSequence(_Recurrence):
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    Backward: da_t = (dL/dh_t + da_{t+1} W_hh) * act'(a_t) with tanh' = 1 - h^2 and
    relu' = [h > 0]; the weight gradients are sums over t of da_t^T x_t and da_t^T h_{t-1}.
    """

    first_weight = 2

    def __init__(self, nonlinearity="tanh", lengths=None, reverse=False):
        super().__init__(lengths, reverse)
        self.relu = nonlinearity == "relu"

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        fast = self._choose(x, h0, w_ih, w_hh, b_ih, b_hh)
        xp = backend.array_module(x)
        x, (h0,) = self._plan(x, [h0])
        S = self._states(xp, h0)
        new, prev = self._views(S)
        bias = None if b_ih is None else b_ih + b_hh
        if fast is not None:
            P = self._project(x, w_ih, bias, out=workspace.take(xp, new.shape, x.dtype))
            self._loop(fast.rnn_forward, P, S, w_hh, self._sizes(), self.reverse, self.relu)
            workspace.give(P)
            self._keep(x=x, S=S, w_ih=w_ih, w_hh=w_hh)
            return self._unsort(new, [self._final(S)])
        # the projection is written where h_t goes (rows not running keep h0)
        projection = self._project(x, w_ih, bias, out=xp.empty_like(new)
                                   if self.sizes is not None else new)
        if self.sizes is not None:
            running = numpy.arange(self.T)[:, None] < self.ends[None, :]
            xp.copyto(new, projection, where=xp.asarray(running)[:, :, None])
        w_hh_t = xp.ascontiguousarray(w_hh.T)   # a C-ordered right operand keeps the small
        tmp = self._each(xp, xp.empty(h0.shape, x.dtype))  # GEMM on BLAS's single-thread path
        for a, hp, u in self._steps(new, prev, tmp):
            xp.dot(hp, w_hh_t, out=u)
            a += u
            if self.relu:
                xp.maximum(a, 0, out=a)
            else:
                xp.tanh(a, out=a)
        self._keep(x=x, S=S, w_ih=w_ih, w_hh=w_hh)
        return self._unsort(new, [self._final(S)])

    def backward(self, gy, gh):
        gy, gh = self._sort([gy, gh])
        xp = backend.array_module(gy)
        new, prev = self._views(self.S)
        w_hh = self.w_hh
        if self.fast is not None:
            dA, dh = workspace.take(xp, new.shape, gy.dtype), gh.copy()
            self._loop(self.fast.rnn_backward, self.S, gy, dh, w_hh, dA, self._sizes(),
                       self.reverse, self.relu)
            return self._gradients(dA, prev, dh)
        dA = workspace.take(xp, new.shape, gy.dtype, zero=self.sizes is not None)
        dh = gh.copy()                # dL/dh of the state carried back through time
        for h, g, d, dht in self._steps(new, gy, dA, self._each(xp, dh), backward=True):
            dht += g
            if self.relu:
                xp.multiply(dht, h > 0, out=d)
            else:
                xp.multiply(h, h, out=d)
                xp.subtract(1, d, out=d)
                d *= dht
            xp.dot(d, w_hh, out=dht)
        return self._gradients(dA, prev, dh)

    def _gradients(self, dA, prev, dh):
        dx, grads = self._weight_grads(dA, self.x, prev)
        workspace.give(dA)
        (dh0,) = self._state_grads([dh])
        return (dx, dh0, *grads)


# ------------------------------------------------------------------ LSTM

class LSTMSequence(_Recurrence):
    """PyTorch's LSTM, gates i, f, g, o:

        i, f, o = sigma(a_i), sigma(a_f), sigma(a_o),  g = tanh(a_g),
        a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh,
        c_t = f c_{t-1} + i g,   h_t = o tanh(c_t).

    Internally the gates are kept in the order (o, i, f, g), with the weights scaled so
    that the step's product is (-a_o, -a_i, -a_f, -2 a_g): one exp and 1 / (1 + e) give
    the three sigmoids and sigma(2 a_g), and 2 s - 1 turns the last into g.  The activated
    gates are stored gate-major, (T, 4, N, H): every elementwise call of a step then runs
    over contiguous memory.

    Backward-through-time, with dh = dL/dh_t (output + carried) and dc = dL/dc_t (carried):

        dc += dh Kc,  da_o = dh Ko,  (da_i, da_f, da_g) = dc (Ki, Kf, Kg),
        dc_{t-1} = dc f,  dh_{t-1} = da W_hh,

    where the factors K depend on the forward values only, so the forward computes them
    after its loop (when a graph is recorded), a few steps per array call, in two passes each:

        Kc = o (1 - tanh^2 c) = o - h tanh c,   Ko = tanh(c) o (1 - o) = h - h o,
        Ki = g i (1 - i) = ig - ig i,   Kf = c_{t-1} f (1 - f) = fc - fc f,
        Kg = i (1 - g^2) = i - ig g       (ig = i g, fc = f c_{t-1}, from the forward).
    """

    first_weight = 3
    scratch = ("A", "K", "Kc")

    def _perm(self, xp, H):
        # PyTorch's blocks i, f, g, o -> internal o, i, f, g
        return xp.concatenate([xp.arange(3 * H, 4 * H), xp.arange(0, 3 * H)])

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        if self._choose(x, h0, c0, w_ih, w_hh, b_ih, b_hh) is not None:
            return self._forward_fast(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        xp = backend.array_module(x)
        x, (h0, c0) = self._plan(x, [h0, c0])
        (N, H), T = h0.shape, self.T
        perm = self._perm(xp, H)
        scale = _scale(xp, x.dtype, H, 3, -2)   # exp(-a) for o, i, f; exp(-2 a) for g
        wi, wh = _gate_weights(w_ih, w_hh, perm, scale)
        bias = None if b_ih is None else (b_ih + b_hh)[perm] * scale
        P = self._project(x, wi, bias, out=workspace.take(xp, (T, N, 4 * H), x.dtype))
        S, C = self._states(xp, h0), self._states(xp, c0)
        new, prev = self._views(S)
        cnew, cprev = self._views(C)
        wh_t = xp.ascontiguousarray(wh.T)   # a C-ordered right operand keeps the small GEMM
        each = self._each                   # on BLAS's fast single-thread path
        m = xp.empty((N, 4 * H), x.dtype)
        record = self.needs_input_grad is not None
        if record:   # the gates o, i, f, g; i g and f c_{t-1} in K; tanh c_t in Kc: all kept
            ragged = self.sizes is not None   # (zeros where a finished row is not written)
            A, K = (workspace.take(xp, (T, 4, N, H), x.dtype, zero=ragged) for _ in range(2))
            Kc = workspace.take(xp, new.shape, x.dtype, zero=ragged)
        else:        # one step's gates, i g, f c_{t-1} and tanh c_t need a place
            A, K = (each(xp, xp.empty((4, N, H), x.dtype)) for _ in range(2))
            Kc = each(xp, xp.empty((N, H), x.dtype))
        with numpy.errstate(over="ignore"):   # exp(-a) = inf for a << 0: sigma(a) = 0
            for a, o, i, f, g, p, hp, hn, cp, cn, mt, mg, ig, fc, tc in self._steps(
                    A, A[:, 0], A[:, 1], A[:, 2], A[:, 3], P, prev, new, cprev, cnew,
                    each(xp, m), each(xp, m.reshape(N, 4, H).transpose(1, 0, 2)),
                    K[:, 1], K[:, 2], Kc):
                xp.dot(hp, wh_t, out=mt)
                mt += p
                xp.exp(mg, out=a)                # (N, 4, H) -> gate-major (4, N, H)
                _sigmoid_of_exp(xp, a)
                g *= 2
                g -= 1                           # tanh a_g = 2 sigma(2 a_g) - 1
                xp.multiply(i, g, out=ig)
                xp.multiply(f, cp, out=fc)
                xp.add(ig, fc, out=cn)           # c_t = f c_{t-1} + i g
                xp.tanh(cn, out=tc)
                xp.multiply(o, tc, out=hn)       # h_t = o tanh c_t
        workspace.give(P)
        if record:
            self._factors(xp, A, K, Kc, new)
            self._keep(x=x, A=A, K=K, Kc=Kc, S=S, w_ih=w_ih, w_hh=w_hh)
        return self._unsort(new, [self._final(S), self._final(C)])

    def _forward_fast(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        """The compiled loop: gates in PyTorch's order, kept in place of the projection P
        (A), with tanh c_t (Kc) and the cell states C for backward."""
        xp = backend.array_module(x)
        x, (h0, c0) = self._plan(x, [h0, c0])
        (N, H), T = h0.shape, self.T
        bias = None if b_ih is None else b_ih + b_hh
        P = self._project(x, w_ih, bias, out=workspace.take(xp, (T, N, 4 * H), x.dtype))
        S, C = self._states(xp, h0), self._states(xp, c0)
        record = self.needs_input_grad is not None
        Kc = workspace.take(xp, (T if record else 1, N, H), x.dtype)
        self._loop(self.fast.lstm_forward, P, S, C, Kc, w_hh, self._sizes(), self.reverse)
        if record:
            self._keep(x=x, A=P, Kc=Kc, S=S, C=C, w_ih=w_ih, w_hh=w_hh)
        else:
            workspace.give(P, Kc)
        new, _ = self._views(S)
        return self._unsort(new, [self._final(S), self._final(C)])

    @staticmethod
    def _factors(xp, A, K, Kc, h):
        """The backward factors of every step, in place, from the gates A, K = (., ig, fc, .)
        and Kc = tanh c; a few steps at a time, so that each block stays in cache."""
        T, _, N, H = A.shape
        block = max(1, 8192 // (N * H))
        u = xp.empty((block, 3, N, H), A.dtype)
        for t in range(0, T, block):
            a, k, kc, ht = A[t:t + block], K[t:t + block], Kc[t:t + block], h[t:t + block]
            xp.multiply(ht, kc, out=kc)
            xp.subtract(a[:, 0], kc, out=kc)             # Kc = o - h tanh c
            xp.multiply(k[:, 1], a[:, 3], out=k[:, 3])
            xp.subtract(a[:, 1], k[:, 3], out=k[:, 3])   # Kg = i - ig g
            k[:, 0] = ht                                  # (Ko, Ki, Kf) = (h, ig, fc) (1 - (o, i, f))
            ut = u[:len(a)]
            xp.multiply(k[:, :3], a[:, :3], out=ut)
            k[:, :3] -= ut

    def backward(self, gy, gh, gc):
        gy, gh, gc = self._sort([gy, gh, gc])
        xp = backend.array_module(gy)
        _, prev = self._views(self.S)
        if self.fast is not None:
            dA, dh, dc = workspace.take(xp, self.A.shape, gy.dtype), gh.copy(), gc.copy()
            self._loop(self.fast.lstm_backward, self.A, self.C, self.Kc, gy, dh, dc,
                       self.w_hh, dA, self._sizes(), self.reverse)
            dx, grads = self._weight_grads(dA, self.x, prev)
            workspace.give(dA)
            return (dx, *self._state_grads([dh, dc]), *grads)
        A, K = self.A, self.K
        T, _, N, H = A.shape
        perm = self._perm(xp, H)
        w_hh = self.w_hh[perm]
        dA = workspace.take(xp, (T, N, 4 * H), gy.dtype, zero=self.sizes is not None)
        dA4 = dA.reshape(T, N, 4, H)
        dh, dc = gh.copy(), gc.copy()   # carried back through time
        each = self._each
        outputs = bool(gy.any())        # a layer whose outputs are unused gets zeros here
        for gyt, kc, ko, k3, f, d, do, d3, dht, dct, ub in self._steps(
                gy, self.Kc, K[:, 0], K[:, 1:], A[:, 2], dA, dA4[:, :, 0],
                dA4[:, :, 1:].transpose(0, 2, 1, 3), each(xp, dh), each(xp, dc),
                each(xp, xp.empty_like(dh)), backward=True):
            if outputs:
                dht += gyt
            xp.multiply(dht, kc, out=ub)
            dct += ub                        # dc += dh Kc
            xp.multiply(dht, ko, out=do)     # da_o = dh Ko
            xp.multiply(dct, k3, out=d3)     # da_i, da_f, da_g = dc (Ki, Kf, Kg)
            dct *= f
            xp.dot(d, w_hh, out=dht)
        dx, grads = self._weight_grads(dA, self.x, prev, perm)
        workspace.give(dA)
        return (dx, *self._state_grads([dh, dc]), *grads)


# ------------------------------------------------------------------ GRU

class GRUSequence(_Recurrence):
    """PyTorch's GRU, gates r, z, n:

        r = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr),  z = sigma(... same with z ...),
        n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),  h_t = (1 - z) n + z h_{t-1}.

    Backward, with dh = dL/dh_t and m = h W_hn^T + b_hn:
        da_n = dh (1 - z) (1 - n^2);  da_z = dh (h_{t-1} - n) z (1 - z);
        da_r = da_n m r (1 - r);  dh_{t-1} = dh z + [da_r, da_z, r da_n] W_hh.
    The gradient of the recurrent product differs from the input one only in the n block
    (r da_n instead of da_n), so two gradient buffers are kept.
    """

    first_weight = 2
    scratch = ("A", "M")

    @staticmethod
    def _gates(A, H):
        """Views of a (T, N, 3H) buffer: all, (r, z) block, r, z, n."""
        return A, A[..., :2 * H], A[..., :H], A[..., H:2 * H], A[..., 2 * H:]

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        if self._choose(x, h0, w_ih, w_hh, b_ih, b_hh) is not None:
            return self._forward_fast(x, h0, w_ih, w_hh, b_ih, b_hh)
        xp = backend.array_module(x)
        x, (h0,) = self._plan(x, [h0])
        H = h0.shape[1]
        h2 = 2 * H
        scale = _scale(xp, x.dtype, H, 2, 1)    # exp(-a) for r, z; n as it is
        wi, wh = _gate_weights(w_ih, w_hh, None, scale)
        if b_ih is None:
            bias = b_hn = None
        else:  # b_hr and b_hz join the projection; b_hn stays inside r (...)
            bias = b_ih * scale
            bias[:h2] -= b_hh[:h2]
            b_hn = b_hh[h2:]
        shape = x.shape[:2] + (3 * H,)          # A: pre-activations, then r, z, n
        A = self._project(x, wi, bias, out=workspace.take(xp, shape, x.dtype))
        M = workspace.take(xp, shape, x.dtype)  # h W_hh^T (+ b_hn): m is its n block
        S = self._states(xp, h0)
        new, prev = self._views(S)
        wh_t = xp.ascontiguousarray(wh.T)
        u = self._each(xp, xp.empty(h0.shape, x.dtype))
        _, a_rz, a_r, a_z, a_n = self._gates(A, H)
        m_all, m_rz, _, _, m_n = self._gates(M, H)
        with numpy.errstate(over="ignore"):   # exp(-a) = inf for a << 0: sigma(a) = 0
            for rz, r, z, n, m, mrz, mn, hp, hn, ub in self._steps(
                    a_rz, a_r, a_z, a_n, m_all, m_rz, m_n, prev, new, u):
                xp.dot(hp, wh_t, out=m)
                if b_hn is not None:
                    mn += b_hn
                rz += mrz
                xp.exp(rz, out=rz)
                _sigmoid_of_exp(xp, rz)
                xp.multiply(r, mn, out=ub)
                n += ub
                xp.tanh(n, out=n)
                xp.subtract(hp, n, out=ub)     # h_t = n + z (h_{t-1} - n)
                ub *= z
                xp.add(n, ub, out=hn)
        if self.needs_input_grad is None:
            workspace.give(A, M)
        self._keep(x=x, A=A, M=M, S=S, w_ih=w_ih, w_hh=w_hh)
        return self._unsort(new, [self._final(S)])

    def _forward_fast(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        """The compiled loop: gates r, z, n kept in place of the projection (A), with
        m = h W_hn^T + b_hn of every step (M, (T, N, H)) for backward."""
        xp = backend.array_module(x)
        x, (h0,) = self._plan(x, [h0])
        (N, H), T = h0.shape, self.T
        if b_ih is None:
            bias = b_hn = None
        else:   # b_hr and b_hz join the projection; b_hn stays inside r (...)
            bias = b_ih.copy()
            bias[:2 * H] += b_hh[:2 * H]
            b_hn = b_hh[2 * H:]
        P = self._project(x, w_ih, bias, out=workspace.take(xp, (T, N, 3 * H), x.dtype))
        S = self._states(xp, h0)
        record = self.needs_input_grad is not None
        M = workspace.take(xp, (T if record else 1, N, H), x.dtype)
        self._loop(self.fast.gru_forward, P, S, M, w_hh, b_hn, self._sizes(), self.reverse)
        if record:
            self._keep(x=x, A=P, M=M, S=S, w_ih=w_ih, w_hh=w_hh)
        else:
            workspace.give(P, M)
        new, _ = self._views(S)
        return self._unsort(new, [self._final(S)])

    def backward(self, gy, gh):
        gy, gh = self._sort([gy, gh])
        xp = backend.array_module(gy)
        A, M, w_hh = self.A, self.M, self.w_hh
        _, prev = self._views(self.S)
        H = A.shape[2] // 3
        h2 = 2 * H
        if self.fast is not None:
            dX, dH = (workspace.take(xp, A.shape, gy.dtype) for _ in range(2))
            dh = gh.copy()
            self._loop(self.fast.gru_backward, A, M, self.S, gy, dh, w_hh, dX, dH,
                       self._sizes(), self.reverse)
            return self._gradients(dX, dH, prev, dh)
        dX, dH = (workspace.take(xp, A.shape, gy.dtype, zero=self.sizes is not None)
                  for _ in range(2))
        dh = gh.copy()
        u, v = xp.empty(dh.shape, gy.dtype), xp.empty(dh.shape, gy.dtype)
        _, _, a_r, a_z, a_n = self._gates(A, H)
        dh_all, _, dh_r, dh_z, dh_n = self._gates(dH, H)
        for r, z, n, mn, hp, gyt, dn, dhh, dr, dz, dhn, dht, ub, vb in self._steps(
                a_r, a_z, a_n, M[..., h2:], prev, gy, dX[..., h2:], dh_all, dh_r, dh_z, dh_n,
                self._each(xp, dh), self._each(xp, u), self._each(xp, v), backward=True):
            dht += gyt
            xp.subtract(1, z, out=vb)                  # 1 - z
            xp.subtract(hp, n, out=dz)                 # dh (h_{t-1} - n) z (1 - z)
            dz *= dht
            dz *= z
            dz *= vb
            xp.multiply(n, n, out=dn)                  # dh (1 - z) (1 - n^2)
            xp.subtract(1, dn, out=dn)
            dn *= vb
            dn *= dht
            xp.subtract(1, r, out=dr)                  # dn m r (1 - r)
            dr *= r
            dr *= mn
            dr *= dn
            xp.multiply(dn, r, out=dhn)
            xp.multiply(dht, z, out=ub)
            xp.dot(dhh, w_hh, out=dht)
            dht += ub
        dX[:, :, :h2] = dH[:, :, :h2]
        return self._gradients(dX, dH, prev, dh)

    def _gradients(self, dX, dH, prev, dh):
        dx, grads = self._weight_grads(dX, self.x, prev, dgates_h=dH)
        workspace.give(dX, dH)
        (dh0,) = self._state_grads([dh])
        return (dx, dh0, *grads)


# ------------------------------------------------------------------ public functions

def _lengths(lengths, T, N, op):
    """``lengths`` as an int64 NumPy array (N,) with values in [0, T], or None.  Errors name
    ``op`` (a layer passes None: its call adds its own name)."""
    if lengths is None:
        return None

    def check(condition, message):
        if not condition:
            raise ShapeError(f"{op}: {message}" if op else message)

    array = lengths.array if isinstance(lengths, Tensor) else as_array(lengths)
    if hasattr(array, "get"):   # a CuPy array: lengths drive the Python loop, keep them on host
        array = array.get()
    array = numpy.asarray(array)
    check(array.dtype.kind in "iu", f"lengths must be integers, got {array.dtype}")
    check(array.shape == (N,), f"lengths must have shape ({N},) (one per sequence of the batch), "
                               f"got {array.shape}")
    if array.size:
        check(int(array.min()) >= 0, f"lengths must be >= 0, got {int(array.min())}")
        check(int(array.max()) <= T, f"a length ({int(array.max())}) exceeds the time axis of "
                                     f"the input ({T} steps)")
    return array.astype(numpy.int64)


def _check(op, x, states, w_ih, w_hh, b_ih, b_hh, gates):
    expect(x.ndim == 3, op, f"x must be (T, N, input_size), got shape {x.shape}")
    T, N, I = x.shape
    expect(w_hh.ndim == 2 and w_hh.shape[0] == gates * w_hh.shape[1], op,
           f"W_hh must be ({gates} * hidden_size, hidden_size), got {w_hh.shape}")
    H = w_hh.shape[1]
    expect(w_ih.shape == (gates * H, I), op,
           f"W_ih must be ({gates * H}, {I}) for input size {I}, got {w_ih.shape}")
    for name, s in states:
        expect(s.shape == (N, H), op, f"{name} must be (batch, hidden_size) = ({N}, {H}), "
                                      f"got {s.shape}")
    expect((b_ih is None) == (b_hh is None), op, "give both biases or neither")
    if b_ih is not None:
        for name, bias in (("b_ih", b_ih), ("b_hh", b_hh)):
            expect(bias.shape == (gates * H,), op,
                   f"{name} must be ({gates * H},), got {bias.shape}")
    tensors = [x] + [s for _, s in states] + [w_ih, w_hh] + ([] if b_ih is None else [b_ih, b_hh])
    expect(x.dtype.kind == "f" and all(t.dtype == x.dtype for t in tensors), op,
           "all inputs must have one floating dtype, got "
           + ", ".join(str(t.dtype) for t in tensors))
    return tensors, T, N


def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", lengths=None,
                 reverse=False):
    """Elman RNN over a sequence: x (T, N, I), h0 (N, H) -> (y (T, N, H), h_n (N, H)).

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).
    """
    expect(nonlinearity in ("tanh", "relu"), "rnn_sequence",
           f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    tensors, T, N = _check("rnn_sequence", x, [("h0", h0)], w_ih, w_hh, b_ih, b_hh, 1)
    return RNNSequence(nonlinearity, _lengths(lengths, T, N, "rnn_sequence"), reverse)(*tensors)


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, lengths=None, reverse=False):
    """LSTM over a sequence: x (T, N, I), h0, c0 (N, H) -> (y (T, N, H), h_n, c_n (N, H)).

    Gates i, f, g, o in the rows of W_ih (4H, I) and W_hh (4H, H), as PyTorch.
    """
    tensors, T, N = _check("lstm_sequence", x, [("h0", h0), ("c0", c0)], w_ih, w_hh, b_ih,
                           b_hh, 4)
    return LSTMSequence(_lengths(lengths, T, N, "lstm_sequence"), reverse)(*tensors)


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, lengths=None, reverse=False):
    """GRU over a sequence: x (T, N, I), h0 (N, H) -> (y (T, N, H), h_n (N, H)).

    Gates r, z, n in the rows of W_ih (3H, I) and W_hh (3H, H), as PyTorch.
    """
    tensors, T, N = _check("gru_sequence", x, [("h0", h0)], w_ih, w_hh, b_ih, b_hh, 3)
    return GRUSequence(_lengths(lengths, T, N, "gru_sequence"), reverse)(*tensors)


# ------------------------------------------------------------------ packed layout

class GatherRows(Function):
    """y = x[index] along dim 0 with ``index`` free of repeats;  dL/dx = the rows put back
    (zero where nothing was read).  Packs and unpacks variable-length batches."""
    reads_inputs = False

    def __init__(self, index, rows=None):
        self.index, self.rows = index, rows

    def forward(self, x):
        self.shape = x.shape
        return x[self.index]

    def backward(self, gy):
        gx = backend.array_module(gy).zeros(self.shape, gy.dtype)
        gx[self.index] = gy
        return gx


class ScatterRows(Function):
    """y (n, ...) zero except y[index] = x, ``index`` free of repeats;  dL/dx = dL/dy[index]."""
    reads_inputs = False

    def __init__(self, index, n):
        self.index, self.n = index, n

    def forward(self, x):
        y = backend.array_module(x).zeros((self.n,) + x.shape[1:], x.dtype)
        y[self.index] = x
        return y

    def backward(self, gy):
        return gy[self.index]


def gather_rows(x, index):
    """Rows of x at ``index`` (distinct integers); differentiable."""
    return GatherRows(index)(x)


def scatter_rows(x, index, n):
    """An (n, ...) array of zeros with x's rows placed at ``index`` (distinct); differentiable."""
    return ScatterRows(index, n)(x)
