"""The Keras face: ``from shenjing import keras`` for code written against ``tf.keras``.

- ``keras.Sequential`` and ``keras.Model``: functional (``keras.Model(inputs, outputs)``
  on the KerasTensors of ``keras.Input``: several inputs and outputs, shared layers,
  nested models) or subclassed (layers in ``__init__``, the computation in ``call``), with
  ``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``summary`` / ``save``;
  ``keras.models.load_model``;
- ``keras.layers``: the base ``Layer`` (``build``/``call``/``add_weight``), the core,
  convolutional, pooling, normalization, recurrent, embedding, merging (``Concatenate``,
  ``Add``, ...) and preprocessing layers;
- ``keras.losses``, ``keras.metrics``, ``keras.optimizers`` (with ``schedules``),
  ``keras.callbacks``, ``keras.activations``, ``keras.initializers``,
  ``keras.regularizers``;
- ``keras.datasets``, ``keras.preprocessing.text`` / ``.sequence``, ``keras.utils``;
- ``keras.ops`` and ``keras.random``: Keras 3's backend-neutral ops, for custom layers.

The face adapts, the engine computes: layers call shenjing's ops (a ``Dense`` and an
``nn.Linear`` run the same fused linear op), optimizers shenjing's update functions, and
the data helpers ``shenjing.text``, ``shenjing.image`` and ``shenjing.datasets``.
(Not yet: masking, saving an optimizer's state.)
"""

from . import (activations, callbacks, datasets, initializers, layers, losses, metrics, models,
               optimizers, preprocessing, regularizers, utils)
from .layers import Input, KerasTensor, Layer
from .models import Model, Sequential
from . import ops, random  # noqa: E402 - keras.ops and keras.random (Keras 3)
from . import distribution  # noqa: E402 - keras.distribution: data-parallel fit on MPI
from . import saving  # noqa: E402 - keras.saving: load_model, register_keras_serializable

__all__ = ["Sequential", "Model", "Input", "KerasTensor", "Layer", "layers", "models", "losses",
           "metrics", "optimizers", "callbacks", "activations", "initializers", "regularizers",
           "datasets", "preprocessing", "utils", "ops", "random", "distribution", "saving"]
