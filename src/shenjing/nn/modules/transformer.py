"""The Transformer encoder: ``TransformerEncoderLayer`` (self-attention + feed-forward, each
in a residual branch with layer norm) and ``TransformerEncoder`` (a stack of copies)."""

from collections import OrderedDict

from ...ops.activation import gelu, relu
from ..parameter import Parameter
from .attention import MultiheadAttention, _check_device
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


class TransformerEncoderLayer(Module):
    """One encoder block of "Attention Is All You Need", as PyTorch's layer.

    Post-norm (default):  x = norm1(x + SA(x));  x = norm2(x + FF(x))
    Pre-norm (``norm_first=True``):  x = x + SA(norm1(x));  x = x + FF(norm2(x))
    with SA(x) = dropout1(self_attn(x, x, x)) and
    FF(x) = dropout2(linear2(dropout(activation(linear1(x))))).

    Shapes: src (S, N, d_model), or (N, S, d_model) with ``batch_first``, or unbatched
    (S, d_model) -> the same shape.  ``src_mask`` (S, S) or (N*nhead, S, S) and
    ``src_key_padding_mask`` (N, S) are MultiheadAttention's masks (True = may not attend).
    The sub-module names (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1,
    dropout2) are PyTorch's, so that state dicts load either way.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device(device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            named = {"relu": relu, "gelu": gelu}
            if activation not in named:
                raise ValueError(f"TransformerEncoderLayer: activation should be 'relu', 'gelu' "
                                 f"or a callable, got {activation!r}")
            activation = named[activation]
        elif not callable(activation):
            raise TypeError(f"TransformerEncoderLayer: activation should be 'relu', 'gelu' or a "
                            f"callable, got {type(activation).__name__}")
        self.activation = activation
        self.batch_first = batch_first

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (equal weights at the start, as
    PyTorch's deep copies), then an optional ``norm``.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)`` passes the masks
    to every layer.  ``enable_nested_tensor`` is accepted and ignored: PyTorch uses it only to
    skip padded positions faster (where it leaves zeros in the output); here padded positions
    are computed like the others.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                            f"{type(encoder_layer).__name__}")
        self.layers = ModuleList([_clone(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        if self.norm is not None:
            output = self.norm(output)
        return output


def _clone(module, memo=None):
    """A deep copy of ``module``: new parameters and buffers holding copies of the arrays,
    new sub-modules, other attributes shared (numbers, strings, functions)."""
    memo = {} if memo is None else memo
    if id(module) in memo:
        return memo[id(module)]
    new = object.__new__(type(module))
    memo[id(module)] = new
    d = new.__dict__
    for name, value in module.__dict__.items():
        if name in ("_parameters", "_buffers"):
            d[name] = OrderedDict((k, _clone_tensor(t, memo)) for k, t in value.items())
        elif name == "_modules":
            d[name] = OrderedDict((k, None if m is None else _clone(m, memo))
                                  for k, m in value.items())
        elif isinstance(value, (dict, set, list)):
            d[name] = type(value)(value)
        else:
            d[name] = value
    return new


def _clone_tensor(t, memo):
    if t is None:
        return None
    if id(t) not in memo:
        copy = t.array.copy()
        memo[id(t)] = (Parameter(copy, requires_grad=t.requires_grad) if isinstance(t, Parameter)
                       else type(t)(copy))
    return memo[id(t)]
