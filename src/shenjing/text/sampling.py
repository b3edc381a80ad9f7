"""Sampling text from a language model: the next token by temperature and top-k, and the
loop that feeds each sampled token back in.

Given the logits z (N, V) of the next token, a temperature T and a k::

    z <- z / T                         T < 1 sharpens, T > 1 flattens, T = 0 is argmax
    z_i <- -inf unless z_i is among the k largest of its row            (top-k)
    p = softmax(z),   next ~ Categorical(p)

Log-probabilities serve as logits: softmax(log p / T) = p^(1/T) / sum_j p_j^(1/T), the
char-RNN course's temperature formula, so a model ending in softmax passes ``log(p)``.

``token_probabilities`` is that p; ``sample_logits`` draws from it by the inverse of its
cumulative sum; ``generate`` loops.  Framework-neutral (NumPy in, NumPy out): the PyTorch
face's ``model.generate`` and a Keras model's sampling loop both call them.

    >>> rng = numpy.random.default_rng(0)
    >>> sample_logits(numpy.array([[0.0, 5.0, 1.0]]), temperature=0.5, top_k=2, generator=rng)
    array([1])
"""

import numbers

import numpy

from .. import backend


def token_probabilities(logits, temperature=1.0, top_k=None):
    """The distribution the next token is drawn from: softmax of ``logits / temperature``
    over each row's ``top_k`` largest logits (ties with the k-th are kept; k > V means V),
    zero elsewhere.  (N, V) -> (N, V) float64, or (V,) -> (V,).  ``temperature`` 0 puts all
    the mass on the row's first largest logit (the argmax); -inf logits get none."""
    z = numpy.array(logits, dtype=numpy.float64)   # a copy: scaled in place below
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"token_probabilities: logits must be (V,) or (N, V) with V >= 1, "
                         f"got shape {z.shape}")
    if numpy.isnan(z).any() or (z == numpy.inf).any():
        raise ValueError("token_probabilities: logits contain NaN or +inf; check the model's "
                         "output")
    _check_temperature(temperature, "token_probabilities")
    k = _check_top_k(top_k, "token_probabilities")
    rows = z.reshape(-1, z.shape[-1])
    if (rows == -numpy.inf).all(axis=1).any():
        raise ValueError("token_probabilities: a row of logits is all -inf: no token can be "
                         "drawn")
    if temperature == 0:
        p = numpy.zeros_like(rows)
        p[numpy.arange(len(rows)), rows.argmax(axis=1)] = 1.0
        return p.reshape(z.shape)
    rows /= temperature
    if k is not None and k < rows.shape[1]:
        kth = numpy.partition(rows, -k, axis=1)[:, -k, None]
        rows[rows < kth] = -numpy.inf
    rows -= rows.max(axis=1, keepdims=True)           # log-sum-exp shift: exp never overflows
    p = numpy.exp(rows)
    p /= p.sum(axis=1, keepdims=True)
    return p.reshape(z.shape)


def sample_logits(logits, temperature=1.0, top_k=None, generator=None):
    """One token index per row of ``logits`` drawn from ``token_probabilities(logits,
    temperature, top_k)``: (N, V) -> (N,) int64, or (V,) -> () int64.

    ``temperature`` >= 0 divides the logits (0: the argmax, no randomness); ``top_k`` keeps
    only the k largest logits of each row; ``generator``: a NumPy ``Generator`` (default:
    the process generator that ``shenjing.manual_seed`` seeds).  -inf logits are never drawn.
    """
    p = token_probabilities(logits, temperature, top_k)
    rows = p.reshape(-1, p.shape[-1])
    if temperature == 0:
        picked = rows.argmax(axis=1)
    else:
        cdf = numpy.cumsum(rows, axis=1)
        rng = backend.generator() if generator is None else generator
        u = rng.random((len(rows), 1)) * cdf[:, -1:]
        # inverse CDF: the first index whose cumulative mass passes u, which has p > 0
        # (clipped, and a last zero-mass index replaced, for rounding at the very top)
        picked = numpy.minimum((cdf <= u).sum(axis=1), rows.shape[1] - 1)
        picked = numpy.where(rows[numpy.arange(len(rows)), picked] > 0, picked,
                             rows.argmax(axis=1))
    return picked.astype(numpy.int64).reshape(p.shape[:-1])


def generate(next_logits, context, length, temperature=1.0, top_k=None, window=None,
             generator=None):
    """Extend ``context`` by ``length`` sampled tokens: (N, T) -> (N, T + length) int64
    ((T,) -> (T + length,)).

    ``next_logits(ids)`` takes the (N, t) int64 tokens so far (the last ``window`` of them
    when ``window`` is set: a transformer's block size, an RNN's training length) and
    returns the logits (or log-probabilities) of the next token, (N, V).  Each step draws
    with ``sample_logits(temperature, top_k, generator)`` and appends the draw.
    """
    if not callable(next_logits):
        raise TypeError(f"generate: next_logits must be a function of the tokens so far, got "
                        f"{type(next_logits).__name__}")
    ids = numpy.asarray(context)
    if ids.ndim not in (1, 2) or ids.shape[-1] == 0 or ids.dtype.kind not in "iu":
        raise ValueError(f"generate: context must be integer token ids of shape (T,) or (N, T) "
                         f"with T >= 1, got {ids.dtype} {ids.shape}")
    if not isinstance(length, numbers.Integral) or length < 0:
        raise ValueError(f"generate: length must be a non-negative integer, got {length!r}")
    if window is not None and (not isinstance(window, numbers.Integral) or window < 1):
        raise ValueError(f"generate: window must be a positive integer or None, got {window!r}")
    _check_temperature(temperature, "generate")
    _check_top_k(top_k, "generate")
    single = ids.ndim == 1
    ids = ids.reshape(-1, ids.shape[-1]).astype(numpy.int64)
    for _ in range(length):
        logits = numpy.asarray(next_logits(ids if window is None else ids[:, -window:]))
        if logits.ndim != 2 or logits.shape[0] != len(ids):
            raise ValueError(f"generate: next_logits must return (N, V) = ({len(ids)}, V) "
                             f"logits, got shape {logits.shape}")
        token = sample_logits(logits, temperature, top_k, generator)
        ids = numpy.concatenate([ids, token[:, None]], axis=1)
    return ids[0] if single else ids


def _check_temperature(temperature, op):
    if (not isinstance(temperature, numbers.Real) or isinstance(temperature, bool)
            or not temperature >= 0 or temperature == numpy.inf):
        raise ValueError(f"{op}: temperature must be a finite number >= 0, got {temperature!r}")


def _check_top_k(top_k, op):
    if top_k is None:
        return None
    if not isinstance(top_k, numbers.Integral) or isinstance(top_k, bool) or top_k < 1:
        raise ValueError(f"{op}: top_k must be a positive integer or None, got {top_k!r}")
    return int(top_k)
