"""``Model.summary()``: the layer table and the parameter counts, against Keras 3's for
the same Sequential and functional models."""

import re

import numpy
import pytest

from tests.keras.oracle import keras3


def conv_net(k):
    L = k.layers
    return k.Sequential([k.Input(shape=(8, 8, 3)), L.Conv2D(4, 3, activation="relu"),
                         L.BatchNormalization(), L.Flatten(), L.Dense(5)])


def recurrent_net(k):
    L = k.layers
    return k.Sequential([k.Input(shape=(7,), dtype="int32"), L.Embedding(50, 6),
                         L.LSTM(5, return_sequences=True), L.GRU(4), L.Dense(2)])


def bidirectional_net(k):
    L = k.layers
    return k.Sequential([k.Input(shape=(7, 3)), L.Bidirectional(L.SimpleRNN(5,
                                                                 return_sequences=True)),
                         L.Bidirectional(L.GRU(3)), L.LayerNormalization(), L.Dense(1)])


def attention_net(k):
    L = k.layers
    tokens = k.Input(shape=(6, 8))
    h = L.MultiHeadAttention(num_heads=2, key_dim=4)(tokens, tokens)
    h = L.LayerNormalization()(L.Add()([tokens, h]))
    h = L.BatchNormalization()(L.Dense(12, activation="relu")(h))
    return k.Model(tokens, L.Dense(3)(h))


def counts(model):
    trainable = sum(int(numpy.prod(w.shape)) for w in model.trainable_weights)
    return model.count_params(), trainable


def table(model):
    """Our summary's lines, and each layer row's (name, param count)."""
    lines = []
    model.summary(print_fn=lines.append)
    rows = [re.match(r"(\S+) \((\w+)\)\s+(\(.*?\))\s+([\d,]+)$", line) for line in lines]
    return lines, [(m.group(1), m.group(2), m.group(3), int(m.group(4).replace(",", "")))
                   for m in rows if m]


@pytest.mark.parametrize("make", [conv_net, recurrent_net, bidirectional_net, attention_net])
def test_parameter_counts_equal_keras(make):
    keras = keras3()
    from shenjing import keras as ours
    theirs, mine = make(keras), make(ours)
    total, trainable = counts(theirs)
    assert counts(mine) == (total, trainable)
    lines, rows = table(mine)
    text = "\n".join(lines)
    assert f"Total params: {total:,} (" in text
    assert f"Trainable params: {trainable:,} (" in text
    assert f"Non-trainable params: {total - trainable:,} (" in text
    # the table: Keras's rows (a functional model's InputLayer too), shapes and counts
    expected = [(type(layer).__name__, layer.count_params()) for layer in theirs.layers]
    assert [(kind, count) for _, kind, _, count in rows] == expected
    assert [shape for _, _, shape, _ in rows] == [str(tuple(layer.output.shape))
                                                  for layer in theirs.layers]


def test_memory_and_print_fn():
    from shenjing import keras as ours
    model = conv_net(ours)
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == f'Model: "{model.name}"'
    assert "Total params: 853 (3.33 KB)" in lines           # float32: 4 bytes a weight
    assert "Non-trainable params: 8 (32.00 B)" in lines     # the moving mean and variance
    with pytest.raises(ValueError, match="has not been built"):
        ours.Sequential([ours.layers.Dense(2)]).summary(print_fn=lines.append)
