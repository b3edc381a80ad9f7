"""``keras.layers``: the Keras face's layers.

- ``Layer`` (``layer.py``): the base class, a ``Module`` built lazily from its first input.
- preprocessing (``preprocessing.py``): ``TextVectorization``, ``Rescaling``,
  ``Normalization``, ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``,
  ``RandomZoom``.
- core (``core.py``): ``Dense``, ``Activation``, ``Flatten``, ``Dropout``, ``Reshape``.
- normalization (``normalization.py``): ``BatchNormalization``, ``LayerNormalization``.
- convolutional (``convolutional.py``): ``Conv1D``, ``Conv2D``.
- transposed convolutions (``convolutional_transpose.py``): ``Conv1DTranspose``,
  ``Conv2DTranspose``, ``Conv3DTranspose``; depthwise and separable (``depthwise.py``):
  ``DepthwiseConv1D/2D``, ``SeparableConv1D/2D``.
- ``Lambda`` (``lambda_layer.py``), ``TimeDistributed`` (``time_distributed.py``); noise
  (``noise.py``): ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``.
- pooling (``pooling.py``): ``MaxPooling1D/2D``, ``AveragePooling1D/2D``,
  ``GlobalMaxPooling1D/2D``, ``GlobalAveragePooling1D/2D``.
- ``Embedding`` (``embedding.py``); ``Masking`` (``masking.py``: Keras's masks, made by
  ``Embedding(mask_zero=True)`` and ``Masking``, passed on by the layers).
- recurrent (``recurrent.py``): ``SimpleRNN``, ``LSTM``, ``GRU``, ``Bidirectional``.
- merging (``merging.py``): ``Concatenate``, ``Add``, ``Subtract``, ``Multiply``,
  ``Average``, ``Maximum``, ``Minimum``, ``Dot`` and their functions ``concatenate``,
  ``add``, ``subtract``, ``multiply``, ``average``, ``maximum``, ``minimum``, ``dot``.
- attention (``attention.py``): ``MultiHeadAttention``, ``Attention``;
  ``AdditiveAttention`` (``additive_attention.py``).
- activation (``activation.py``): ``ReLU``, ``LeakyReLU``, ``Softmax``, ``ELU``.
- reshaping (``reshaping.py``): ``UpSampling2D``, ``ZeroPadding2D``, ``Permute``,
  ``RepeatVector``.
- ``Input`` / ``InputLayer`` (``input_layer.py``): a model's symbolic input, a
  ``KerasTensor`` (``keras_tensor.py``) to call layers on (the functional API), or the
  input shape of a ``Sequential``.
"""

from .activation import ELU, LeakyReLU, ReLU, Softmax
from .additive_attention import AdditiveAttention
from .attention import Attention, MultiHeadAttention
from .convolutional import Conv1D, Conv2D
from .core import Activation, Dense, Dropout, Flatten, Reshape
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .layer import Layer
from .masking import Masking
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                      average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      MaxPooling1D, MaxPooling2D)
from .reshaping import Permute, RepeatVector, UpSampling2D, ZeroPadding2D
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .convolutional_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from .depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from .lambda_layer import Lambda
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .time_distributed import TimeDistributed
from .preprocessing import (Normalization, RandomFlip, RandomRotation, RandomTranslation,
                            RandomZoom, Rescaling, TextVectorization)

__all__ = ["Layer", "TextVectorization", "Rescaling", "Normalization", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom"]
__all__ += ["Dense", "Activation", "Flatten", "Dropout", "Reshape", "BatchNormalization",
            "LayerNormalization"]
__all__ += ["Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
            "AveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "Embedding", "SimpleRNN", "LSTM",
            "GRU", "Bidirectional", "Input", "InputLayer", "KerasTensor"]
__all__ += ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
            "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum", "dot"]
__all__ += ["MultiHeadAttention", "Attention", "ReLU", "LeakyReLU", "Softmax", "ELU",
            "UpSampling2D", "ZeroPadding2D", "Permute", "RepeatVector"]
__all__ += ["Masking"]
__all__ += ["AdditiveAttention"]
__all__ += ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv1D",
            "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Lambda", "TimeDistributed",
            "GaussianNoise", "GaussianDropout", "AlphaDropout"]
