"""``keras.ops``: Keras 3's backend-neutral op namespace, on shenjing's engine.

Custom layers and losses written as the Keras 3 guides write them run unchanged::

    from shenjing import keras
    from shenjing.keras import ops

    class Linear(keras.layers.Layer):
        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

Every function takes tensors, NumPy arrays or Python numbers and returns shenjing tensors
(differentiable where the op is); each is a thin adapter, with Keras's argument names,
defaults and return conventions, over an op of ``shenjing.ops``.  Families:

- ``core``: ``convert_to_tensor``, ``convert_to_numpy``, ``cast``, ``shape``,
  ``stop_gradient``, ``slice``, ``cond``, ``fori_loop``, ``while_loop``;
- ``creation``: ``ones``, ``zeros``, ``full``, ``eye``, ``arange``, ``linspace``,
  ``*_like``, ``tri``, ``tril``, ``triu``, ``one_hot``;
- ``math``: arithmetic, elementwise functions, comparisons and reductions;
- ``manipulation``: reshaping, joining, splitting, padding, indexing, diagonals, ``cumsum``;
- ``ordering``: ``sort``, ``argsort``, ``top_k``, ``quantile``, ``median``, counting;
- ``linalg``: ``matmul``, ``dot``, ``tensordot``, ``einsum``, ``norm``, ...;
- ``nn``: activations, cross-entropies, ``dot_product_attention``, ``moments``,
  ``batch_normalization``;
- ``convolution``: ``conv``, ``depthwise_conv``, ``separable_conv``, ``conv_transpose``,
  ``max_pool``, ``average_pool``.

An error names the function as Keras does (``keras.ops.matmul: x1 of shape (2, 3) and
x2 of shape (4, 5) do not fit ...``).
"""

from .convolution import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .ordering import *  # noqa: F401,F403
from .manipulation import *  # noqa: F401,F403
from . import convolution, core, creation, linalg, manipulation, math, nn, ordering

__all__ = sorted(set(convolution.__all__ + core.__all__ + creation.__all__ + linalg.__all__ +
                     manipulation.__all__ + math.__all__ + nn.__all__ + ordering.__all__))
