"""``Dropout``: inverted dropout in training, the identity in evaluation."""

from ...ops.dropout import dropout
from .module import Module


class Dropout(Module):
    """Zero each element with probability p in training and scale the rest by 1/(1-p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class _ChannelDropout(Dropout):
    """Zeroes whole channels: one draw per (sample, channel), scaled by 1/(1-p) in training."""
    spatial = 2

    def forward(self, x):
        from ...ops.channel_dropout import channel_dropout
        return channel_dropout(x, self.p, self.training, self.spatial, type(self).__name__)


class Dropout1d(_ChannelDropout):
    """Drops whole channels of (N, C, L) or (C, L) with probability p; same shape out."""
    spatial = 1


class Dropout2d(_ChannelDropout):
    """Drops whole channels (feature maps) of (N, C, H, W) or (C, H, W); same shape out."""
    spatial = 2


class Dropout3d(_ChannelDropout):
    """Drops whole channels of (N, C, D, H, W) or (C, D, H, W); same shape out."""
    spatial = 3


class AlphaDropout(Dropout):
    """SELU's dropout: dropped units go to -lambda alpha and an affine map keeps inputs of
    mean 0 and variance 1 so (``ops.channel_dropout.alpha_dropout``).  Any shape."""

    def forward(self, x):
        from ...ops.channel_dropout import alpha_dropout
        return alpha_dropout(x, self.p, self.training, op="AlphaDropout")


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of (N, C, ...); same shape out."""

    def forward(self, x):
        from ...ops.channel_dropout import feature_alpha_dropout
        return feature_alpha_dropout(x, self.p, self.training, "FeatureAlphaDropout")
