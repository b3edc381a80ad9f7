"""Files: ``save``/``load`` (one safetensors file per object, never a pickle) and the
atomic writes every file of the library goes through; the import of weights trained in
PyTorch (``load_torch_weights``: a safetensors state_dict) and in Keras 3
(``load_keras_weights``: a ``.weights.h5`` or ``.keras`` file)."""

from .atomic import atomic_open, atomic_path
from .checkpoint import load, save
from .import_keras import load_keras_weights
from .import_torch import load_torch_weights

__all__ = ["atomic_open", "atomic_path", "load", "save"]
__all__ += ["load_torch_weights", "load_keras_weights"]
