"""keras.utils.plot_model / model_to_dot (keras/plot.py): the dot source of Sequential,
functional and nested models, a real PNG rendered by Graphviz, and the errors when pydot or
the ``dot`` program is missing.  The rendering tests skip when pydot or ``dot`` is absent."""

import shutil
import sys

import numpy
import pytest

from shenjing import keras
from shenjing.keras import layers

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def needs_pydot():
    return pytest.importorskip("pydot")


def needs_graphviz():
    needs_pydot()
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")


def small_cnn():
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, name="conv"),
                             layers.Flatten(name="flat"),
                             layers.Dense(3, activation="softmax", name="probs")])


def two_branches():
    inputs = keras.Input((6,), name="features")
    left = layers.Dense(4, activation="relu", name="left")(inputs)
    right = layers.Dense(2, name="right")(inputs)
    merged = layers.Concatenate(name="merged")([left, right])
    return keras.Model(inputs, layers.Dense(1, name="score")(merged))


def edges(dot):
    """(source label name, target label name) pairs, by the layers' node ids."""
    names = {node.get_name(): node.get("label") for node in dot.get_nodes()}
    out = []
    for edge in dot.get_edges():
        pair = []
        for end in (edge.get_source(), edge.get_destination()):
            label = names[str(end)]
            pair.append(label.split("<b>")[1].split("</b>")[0])
        out.append(tuple(pair))
    return sorted(out)


def test_sequential_is_a_chain_with_names_and_shapes():
    needs_pydot()
    model = small_cnn()
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    source = dot.to_string()
    for name in ("conv", "flat", "probs", "(Conv2D)", "(Dense)"):
        assert name in source
    assert "Output shape: <b>(None, 6, 6, 4)</b>" in source
    assert "Input shape: <b>(None, 144)</b>" in source
    first = model.input_spec.node.layer.name                 # the InputLayer of keras.Input
    assert edges(dot) == sorted([(first, "conv"), ("conv", "flat"), ("flat", "probs")])


def test_functional_graph_has_the_model_edges():
    needs_pydot()
    dot = keras.utils.model_to_dot(two_branches(), show_shapes=True,
                                   show_layer_activations=True, show_trainable=True)
    assert edges(dot) == sorted([("features", "left"), ("features", "right"), ("left", "merged"),
                                 ("right", "merged"), ("merged", "score")])
    source = dot.to_string()
    assert "Output shape: <b>(None, 6)</b>" in source             # concatenated 4 + 2
    assert "Activation: <b>relu</b>" in source and "Trainable" in source
    plain = keras.utils.model_to_dot(two_branches(), show_layer_names=False).to_string()
    assert "<b>Dense</b>" in plain and "left" not in plain


def test_expand_nested_draws_a_cluster():
    needs_pydot()
    inner = keras.Sequential([layers.Dense(3, name="inner_a"), layers.Dense(2, name="inner_b")],
                             name="block")
    inputs = keras.Input((4,), name="x")
    model = keras.Model(inputs, layers.Dense(1, name="head")(inner(inputs)))
    flat = keras.utils.model_to_dot(model).to_string()
    assert "block" in flat and "inner_a" not in flat
    nested = keras.utils.model_to_dot(model, expand_nested=True)
    source = nested.to_string()
    assert "cluster_" in source and "inner_a" in source and "inner_b" in source
    assert source.count("->") == 3                    # x -> inner_a, (inside) a -> b, b -> head
    assert len(nested.get_edges()) == 2 and len(nested.get_subgraphs()) == 1


def test_plot_model_renders_a_png(tmp_path):
    needs_graphviz()
    path = tmp_path / "model.png"
    keras.utils.plot_model(two_branches(), to_file=path, show_shapes=True)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    width, height = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    assert width > 100 and height > 300                    # five boxes, top to bottom
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.png"]   # no temporary left
    keras.utils.plot_model(small_cnn(), to_file=tmp_path / "cnn.svg", rankdir="LR")
    svg = (tmp_path / "cnn.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "probs" in svg


def test_missing_pydot_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)       # import pydot now fails
    with pytest.raises(ImportError, match=r"needs pydot: pip install 'shenjing\[plot-model\]'"):
        keras.utils.plot_model(small_cnn())
    with pytest.raises(ImportError, match="plot-model"):
        keras.utils.model_to_dot(small_cnn())


def test_missing_dot_program_is_a_clear_error(monkeypatch, tmp_path):
    needs_pydot()
    monkeypatch.setenv("PATH", str(tmp_path))             # no `dot` on the PATH
    with pytest.raises(OSError, match=r"needs Graphviz's `dot` program.*install graphviz"):
        keras.utils.plot_model(small_cnn(), to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_unbuilt_model_is_refused():
    model = keras.Sequential([layers.Dense(2)], name="later")
    with pytest.raises(ValueError, match=r"plot_model: the model 'later' has not been built"):
        keras.utils.plot_model(model)
    model(numpy.zeros((1, 3), numpy.float32))
    assert model.built
