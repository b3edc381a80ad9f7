"""``Embedding``: a lookup table of vectors, one row per token id."""

from ... import backend, ops
from .. import init
from ..parameter import Parameter
from .module import Module


class Embedding(Module):
    """Maps integer ids of any shape to vectors: ids.shape -> ids.shape + (embedding_dim,).

    The table starts as N(0, 1), as PyTorch's; the row at ``padding_idx`` starts at zero
    and gets no gradient.  With ``max_norm``, every forward first rescales, in place, the
    looked-up rows whose ``norm_type``-norm exceeds it: w_i <- w_i * max_norm / (||w_i|| + 1e-7)
    (so the weight changes during forward, as in PyTorch).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, dtype=None):
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: scale_grad_by_freq and sparse are not supported")
        if max_norm is not None and not max_norm > 0:
            raise ValueError(f"Embedding: max_norm must be a positive number, got {max_norm!r}")
        self.max_norm, self.norm_type = max_norm, norm_type
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is outside "
                                 f"[-{num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = (num_embeddings, embedding_dim,
                                                                     padding_idx)
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        if _weight is None:
            self.weight = Parameter(backend.xp().zeros((num_embeddings, embedding_dim), dtype))
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)
        self.weight.requires_grad_(not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0):
        """An embedding whose table is ``embeddings`` (V, D), frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expects a 2-d table, got shape "
                             f"{tuple(embeddings.shape)}")
        return cls(*embeddings.shape, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, _weight=embeddings.detach(), _freeze=freeze)

    def forward(self, ids):
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be an integer tensor, got {ids.dtype}; "
                            f"convert with ids.long()")
        return ops.embedding(ids, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        if self.max_norm is not None:
            pad += f", max_norm={self.max_norm}"
            if self.norm_type != 2:
                pad += f", norm_type={self.norm_type}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class EmbeddingBag(Module):
    """Sums, averages or takes the max of the embeddings of each bag of ids without making
    the per-id tensor (``ops.embedding_bag``): (B, L) ids, or (n,) ids with ``offsets`` (B,)
    -> (B, embedding_dim).  ``mode`` 'sum', 'mean' (default) or 'max'; the table starts as
    N(0, 1), as PyTorch's; ids equal to ``padding_idx`` are left out of their bag."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, dtype=None):
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("EmbeddingBag: scale_grad_by_freq and sparse are not "
                                      "supported")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} is outside "
                                 f"[-{num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.mode = num_embeddings, embedding_dim, mode
        self.max_norm, self.norm_type, self.padding_idx = max_norm, norm_type, padding_idx
        self.include_last_offset = include_last_offset
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        if _weight is None:
            self.weight = Parameter(backend.xp().zeros((num_embeddings, embedding_dim), dtype))
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):  # noqa: A002
        from ...ops.embedding_bag import embedding_bag
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.mode, per_sample_weights, self.include_last_offset,
                             self.padding_idx)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{pad}"
