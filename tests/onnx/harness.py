"""One check for every export test: export a model on a small batch, run the file in ONNX
Runtime on a batch of another size, and compare with the model's own outputs."""

import numpy as np
import pytest

import shenjing
from shenjing import keras
from shenjing.autograd import no_grad


def _outputs(value):
    if isinstance(value, (list, tuple)):
        return [a for v in value if v is not None for a in _outputs(v)]
    return [np.asarray(value.array if hasattr(value, "array") else value)]


def check_export(model, example, run_on=None, tmp_path=None, atol=1e-5, rtol=1e-4, **kwargs):
    """Export ``model`` on ``example`` (an array or a tuple), run the file on ``run_on``
    (default: ``example``) in ONNX Runtime and assert it matches shenjing; returns the
    ONNX outputs."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    path = tmp_path / "model.onnx"
    shenjing.onnx.export(model, example, path, **kwargs)
    run_on = example if run_on is None else run_on
    inputs = run_on if isinstance(run_on, tuple) else (run_on,)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: np.asarray(a) for i, a in zip(session.get_inputs(), inputs)}
    got = session.run(None, feed)
    model.eval()
    with no_grad():
        tensors = [shenjing.tensor(a) for a in inputs]
        if isinstance(model, keras.Model):          # as predict: one list, training=False
            expected = _outputs(model(tensors if len(tensors) > 1 else tensors[0],
                                      training=False))
        else:
            expected = _outputs(model(*tensors))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, atol=atol, rtol=rtol)
    return got
