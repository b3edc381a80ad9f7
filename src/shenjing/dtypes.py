"""dtype names as PyTorch spells them (``shenjing.float32``, ``shenjing.long``, ...).

They are plain ``numpy.dtype`` objects, so ``x.dtype == shenjing.float32`` and
``x.numpy().dtype == shenjing.float32`` both hold.
"""

import numpy

float16 = half = numpy.dtype("float16")
float32 = float = numpy.dtype("float32")  # noqa: A001 - torch.float
float64 = double = numpy.dtype("float64")
int8 = numpy.dtype("int8")
uint8 = numpy.dtype("uint8")
int16 = short = numpy.dtype("int16")
int32 = int = numpy.dtype("int32")  # noqa: A001 - torch.int
int64 = long = numpy.dtype("int64")
bool = numpy.dtype("bool")  # noqa: A001 - torch.bool

__all__ = ["float16", "half", "float32", "float", "float64", "double", "int8", "uint8",
           "int16", "short", "int32", "int", "int64", "long", "bool"]
