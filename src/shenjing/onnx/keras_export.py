"""``keras_model.export(path)``: a Keras-face model to ONNX from its own input shapes.

A Keras model knows its inputs (``keras.Input`` shapes, or the shape it was built for), so
unlike ``export`` it needs no example: one is made of that shape, batch 1 (values do not
matter to the graph; integer inputs, such as an Embedding's ids, are ones).  The inputs
are named as the model's (``input_names`` of a functional model, ``input`` for a
Sequential), the batch axis is symbolic.
"""

import numpy

from .exporter import export


def _example(shape, dtype, who):
    shape = tuple(shape)
    if any(n is None for n in shape[1:]):
        raise ValueError(f"{who}.export: the input shape {shape} has an unknown size past the "
                         f"batch axis; give input_signature=[an example array]")
    dtype = numpy.dtype(dtype)
    if dtype.kind in "iub":
        return numpy.ones((1,) + shape[1:], dtype)
    return numpy.random.default_rng(0).standard_normal((1,) + shape[1:]).astype(dtype)


def example_inputs(model):
    """``(arrays, names)``: one example batch per input of a Keras ``model``."""
    who = model.name
    if getattr(model, "inputs", None):                    # a functional model
        arrays = [_example(t.shape, t.dtype, who) for t in model.inputs]
        return arrays, list(model.input_names)
    spec = getattr(model, "input_spec", None)
    shape = spec.shape if spec is not None else getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError(f"{who}.export: the model has no known input shape; build it (call it "
                         f"once, or start it with keras.Input) or give input_signature")
    return [_example(shape, spec.dtype if spec is not None else "float32", who)], ["input"]


def export_keras(model, filepath, format="onnx", input_signature=None, verbose=None):
    """Write Keras-face ``model`` as ONNX at ``filepath`` (see ``Model.export``)."""
    if format != "onnx":
        raise ValueError(f"{model.name}.export: format must be 'onnx' (the one format this "
                         f"library writes), got {format!r}")
    arrays, names = example_inputs(model) if input_signature is None else (
        [numpy.asarray(getattr(a, "array", a)) for a in input_signature], None)
    proto = export(model, tuple(arrays), filepath, input_names=names)
    if verbose:
        print(f"Saved {model.name} as ONNX (opset {proto.opset_import[0].version}) to {filepath}")
    return proto
