"""``MultiheadAttention``: PyTorch's multi-head attention layer, its parameter names and all."""

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.attention import multi_head_attention_forward
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module


class MultiheadAttention(Module):
    """Multi-head attention: each of ``num_heads`` heads attends with its own slice of the
    projections, and the heads' outputs are concatenated and projected back.

    head_h = softmax(Q_h K_h^T / sqrt(embed_dim / num_heads) + mask) V_h,
    output = concat(head_1 .. head_H) W_o^T + b_o,  with Q = query W_q^T + b_q (and so on).

    Shapes: query (L, N, E), key (S, N, kdim), value (S, N, vdim) -> (L, N, E), or
    (N, L, E) ... with ``batch_first=True``, or unbatched (L, E), (S, kdim), (S, vdim).
    ``forward`` returns ``(attn_output, attn_weights)``: the weights are (N, L, S) averaged
    over heads, (N, num_heads, L, S) with ``average_attn_weights=False``, None with
    ``need_weights=False``.  Masks as PyTorch's: ``key_padding_mask`` (N, S) and
    ``attn_mask`` (L, S) or (N*num_heads, L, S), True (bool) = may NOT attend, floats added.

    Parameters (names as PyTorch's, so that state dicts load either way): ``in_proj_weight``
    (3E, E) and ``in_proj_bias`` (3E,), or ``q_proj_weight`` (E, E), ``k_proj_weight``
    (E, kdim), ``v_proj_weight`` (E, vdim) when kdim or vdim differ from E; ``out_proj``
    (a Linear E -> E); ``bias_k``, ``bias_v`` (1, 1, E) with ``add_bias_kv``.  Projections
    start Xavier-uniform with zero biases, as in PyTorch.

    One difference: a query whose keys are all masked gets zero weights and a zero output
    (PyTorch's ``need_weights=True`` path gives NaN there; its SDPA path gives zeros too).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be positive, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} "
                             f"({embed_dim} % {num_heads} = {embed_dim % num_heads})")
        _check_device(device)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        zeros = backend.xp().zeros
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(zeros((3 * embed_dim, embed_dim), dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(zeros((embed_dim, embed_dim), dtype))
            self.k_proj_weight = Parameter(zeros((embed_dim, self.kdim), dtype))
            self.v_proj_weight = Parameter(zeros((embed_dim, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * embed_dim, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(zeros((1, 1, embed_dim), dtype))
            self.bias_v = Parameter(zeros((1, 1, embed_dim), dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"expected {name} to be a tensor, got {type(t).__name__}")
        weight = self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight
        if query.dtype != weight.dtype or key.dtype != weight.dtype or value.dtype != weight.dtype:
            raise TypeError(f"query, key and value must have the weights' dtype {weight.dtype}, "
                            f"got {query.dtype}, {key.dtype} and {value.dtype}; convert the "
                            f"inputs or the module (module.to(dtype))")
        return multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal, batch_first=self.batch_first, _op="")

    def extra_repr(self):
        extra = "" if self._qkv_same_embed_dim else f", kdim={self.kdim}, vdim={self.vdim}"
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
                f"{extra}, batch_first={self.batch_first}")


def _check_device(device):
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"device={device!r}: shenjing modules live on the CPU in this process "
                           f"(select a GPU with shenjing.backend.use('cupy'))")
