"""``shenjing.onnx``: export a model to ONNX, to run it anywhere (ONNX Runtime, ...).

    shenjing.onnx.export(model, example_input, "model.onnx")     # PyTorch face or Keras face
    keras_model.export("model.onnx")                             # Keras's own spelling

- ``exporter.py``: ``export`` / ``build_model``: run the model once, recording its layer
  calls (``trace.py``), and let each layer's builder write its ONNX nodes (``graph.py``).
- builders, one file per layer family, registered by class (``registry.py``):
  ``activation.py``, ``core.py``, ``conv.py``, ``conv_special.py`` (transposed, depthwise,
  separable), ``normalization.py``, ``recurrent.py``, ``attention.py``, ``merging.py``,
  ``preprocessing.py`` (Rescaling, Normalization);
  ``functions.py`` for the ops a ``forward`` applies between layers.
- ``keras_export.py``: ``keras.Model.export(path)``, the example made from the model's inputs.

Needs the ``onnx`` extra (``pip install 'shenjing[onnx]'``, with ``onnxruntime`` to check
the file); ``import shenjing.onnx`` works without it, ``export`` names the extra.
"""

# the builder modules register themselves on import
from . import (activation, attention, conv, conv_special, core, merging,  # noqa: F401
               normalization, preprocessing, recurrent)
from .exporter import build_model, export
from .graph import OPSET
from .registry import Unsupported

__all__ = ["export", "build_model", "Unsupported", "OPSET"]
