"""The Transformer of "Attention Is All You Need", as PyTorch's modules:
``TransformerEncoderLayer`` (self-attention + feed-forward, each in a residual branch with
layer norm), ``TransformerEncoder`` (a stack of copies), ``TransformerDecoderLayer``
(masked self-attention + attention over the encoder's memory + feed-forward),
``TransformerDecoder`` and ``Transformer`` (encoder and decoder together)."""

from collections import OrderedDict

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.activation import gelu, relu
from .. import init
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
        self.activation = _activation(activation, "TransformerEncoderLayer")
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


class TransformerDecoderLayer(Module):
    """One decoder block of "Attention Is All You Need", as PyTorch's layer.

    Post-norm (default):  x = norm1(x + SA(x));  x = norm2(x + CA(x, memory));
    x = norm3(x + FF(x)).  Pre-norm (``norm_first=True``): x = x + SA(norm1(x));
    x = x + CA(norm2(x), memory);  x = x + FF(norm3(x)).  SA is masked self-attention
    (``self_attn``), CA attends from the target to the encoder's output (``multihead_attn``),
    FF(x) = dropout3(linear2(dropout(activation(linear1(x))))).

    Shapes: tgt (T, N, d_model) and memory (S, N, d_model), or (N, T, d_model) and
    (N, S, d_model) with ``batch_first``, or unbatched (T, d_model), (S, d_model) -> tgt's
    shape.  ``tgt_mask`` (T, T), ``memory_mask`` (T, S) (or (N*nhead, ...)),
    ``tgt_key_padding_mask`` (N, T), ``memory_key_padding_mask`` (N, S): True (bool) = may
    not attend, floats are added.  Sub-module names are PyTorch's, so state dicts load.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device(device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")
        self.batch_first = batch_first

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (equal weights at the start),
    then an optional ``norm``.

    ``forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
    memory_key_padding_mask, tgt_is_causal, memory_is_causal)`` passes ``memory`` (the
    encoder's output) and the masks to every layer; tgt (T, N, E) -> (T, N, E)
    ((N, T, E) with ``batch_first``).
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got "
                            f"{type(decoder_layer).__name__}")
        self.layers = ModuleList([_clone(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal),
                           memory_is_causal=bool(memory_is_causal))
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The whole encoder-decoder Transformer, as PyTorch's ``nn.Transformer``.

    memory = encoder(src);  output = decoder(tgt, memory), where the encoder is
    ``num_encoder_layers`` TransformerEncoderLayers followed by a LayerNorm and the decoder
    ``num_decoder_layers`` TransformerDecoderLayers followed by a LayerNorm.  Weight matrices
    start Xavier-uniform (every parameter with more than one dimension), as in PyTorch.

    Shapes: src (S, N, E), tgt (T, N, E) -> (T, N, E); (N, S, E), (N, T, E) -> (N, T, E)
    with ``batch_first``; unbatched (S, E), (T, E) -> (T, E).  E = ``d_model``.  Masks:
    ``src_mask`` (S, S), ``tgt_mask`` (T, T), ``memory_mask`` (T, S), key padding masks
    (N, S), (N, T), (N, S); True (bool) = may not attend, floats are added (see
    ``generate_square_subsequent_mask``).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        for name, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor):
                raise TypeError(f"Transformer: {name} should be a tensor, got "
                                f"{type(t).__name__}")
        if src.ndim != tgt.ndim or src.ndim not in (2, 3):
            raise RuntimeError(f"Transformer: src and tgt should both be 3-d (batched) or 2-d "
                               f"(unbatched), got shapes {tuple(src.shape)} and "
                               f"{tuple(tgt.shape)}")
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, "
                               f"got src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                               f"(batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model={self.d_model}, got src {tuple(src.shape)} and "
                               f"tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of ``sz``: an (sz, sz) float tensor with -inf above
        the diagonal (position i may not attend to j > i) and 0.0 on and below it."""
        _check_device(device)
        if int(sz) != sz or sz < 0:
            raise ValueError(f"Transformer.generate_square_subsequent_mask: sz should be a "
                             f"non-negative integer, got {sz!r}")
        xp = backend.xp()
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        upper = xp.triu(xp.ones((int(sz), int(sz)), dtype=bool), 1)
        return Tensor(xp.where(upper, -xp.inf, 0.0).astype(dtype))


def _activation(activation, layer):
    """The feed-forward activation: 'relu', 'gelu' or a callable."""
    if isinstance(activation, str):
        named = {"relu": relu, "gelu": gelu}
        if activation not in named:
            raise ValueError(f"{layer}: activation should be 'relu', 'gelu' or a callable, got "
                             f"{activation!r}")
        return named[activation]
    if not callable(activation):
        raise TypeError(f"{layer}: activation should be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


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
