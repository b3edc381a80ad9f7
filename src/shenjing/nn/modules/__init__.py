"""The layers of the PyTorch face, one family per file."""

from .attention import MultiheadAttention
from .activation import (ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                         ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,
                      MaxPool1d, MaxPool2d, MaxPool3d)
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, MultiMarginLoss, NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import (BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                            LayerNorm)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .sparse import Embedding
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)

__all__ = ['BCELoss', 'BCEWithLogitsLoss', 'BatchNorm1d', 'BatchNorm2d', 'GroupNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'CrossEntropyLoss', 'Dropout', 'ELU', 'Embedding', 'Flatten', 'GELU', 'Hardtanh', 'HuberLoss', 'Identity', 'KLDivLoss', 'L1Loss', 'LayerNorm', 'LeakyReLU', 'Linear', 'LogSigmoid', 'LogSoftmax', 'MSELoss', 'Mish', 'Module', 'ModuleDict', 'ModuleList', 'MultiMarginLoss', 'NLLLoss', 'ParameterDict', 'ParameterList', 'ReLU', 'ReLU6', 'SELU', 'Sequential', 'SiLU', 'Sigmoid', 'SmoothL1Loss', 'Softmax', 'Softplus', 'Softsign', 'Tanh', 'Unflatten', 'RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']
__all__ += ['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
            'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d',
            'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d',
            'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d', 'Upsample', 'UpsamplingNearest2d',
            'UpsamplingBilinear2d']
__all__ += ['Hardsigmoid', 'Hardswish']
__all__ += ['MultiheadAttention', 'TransformerEncoderLayer', 'TransformerEncoder']
__all__ += ['TransformerDecoderLayer', 'TransformerDecoder', 'Transformer']

# issue 23: the nn gaps of the PyTorch face
from .activation import CELU, GLU, PReLU, Softmin, Tanhshrink, Threshold  # noqa: E402
from .distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .dropout import (AlphaDropout, Dropout1d, Dropout2d, Dropout3d,  # noqa: E402
                      FeatureAlphaDropout)
from .fold import Fold, Unfold  # noqa: E402
from .linear import Bilinear  # noqa: E402
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,  # noqa: E402
                   MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                   PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss)
from .normalization import BatchNorm3d  # noqa: E402
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,  # noqa: E402
                      ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                      ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle  # noqa: E402
from .sparse import EmbeddingBag  # noqa: E402

__all__ += ['CELU', 'GLU', 'PReLU', 'Softmin', 'Tanhshrink', 'Threshold', 'CosineSimilarity',
            'PairwiseDistance', 'AlphaDropout', 'Dropout1d', 'Dropout2d', 'Dropout3d',
            'FeatureAlphaDropout', 'Fold', 'Unfold', 'Bilinear', 'CosineEmbeddingLoss',
            'GaussianNLLLoss', 'HingeEmbeddingLoss', 'MarginRankingLoss', 'MultiLabelMarginLoss',
            'MultiLabelSoftMarginLoss', 'PoissonNLLLoss', 'SoftMarginLoss', 'TripletMarginLoss',
            'BatchNorm3d', 'CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'ConstantPad1d',
            'ConstantPad2d', 'ConstantPad3d', 'ReflectionPad1d', 'ReflectionPad2d',
            'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d', 'ReplicationPad3d',
            'ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d', 'ChannelShuffle', 'PixelShuffle',
            'PixelUnshuffle', 'EmbeddingBag']
from .loss import CTCLoss  # noqa: E402

__all__ += ['CTCLoss']
