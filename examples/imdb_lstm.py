"""IMDB sentiment with two stacked LSTMs (Keras face).

    python examples/imdb_lstm.py [--epochs 3 --batch-size 64 --data DIR --out DIR]
    shenjing run imdb_lstm

Reviews come as Keras's word-index sequences (``imdb.load_data(num_words=10000)``), cut or
padded to their last 200 words.  Embedding(10000, 32) -> LSTM(32, return_sequences=True)
-> LSTM(32) -> Dense(32, relu) -> Dropout(0.5) -> Dense(1, sigmoid).  The first LSTM hands
its whole sequence of hidden states to the second, which reads it and keeps only its last
state.  Each LSTM step mixes input and memory through gates:

    i, f, o = sigmoid(W x + U h + b) (three gates),  g = tanh(W_g x + U_g h + b_g)
    c = f * c + i * g,  h = o * tanh(c)

the additive update of the cell c is what lets gradients flow back over long reviews.
Adam, binary cross-entropy.  Reaches about 85-87% test accuracy.
"""

import sys

import numpy as np

from shenjing import keras
from shenjing.keras import layers
from shenjing.keras.preprocessing.sequence import pad_sequences

VOCABULARY, MAXLEN = 10000, 200


def build_model():
    """(N, 200) word indices -> (N, 1) probability that the review is positive."""
    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        layers.Embedding(VOCABULARY, 32),
        layers.LSTM(32, return_sequences=True),
        layers.LSTM(32),
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train(session):
    """Train the stacked LSTM; returns the test accuracy and loss."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(
        path=session.data, num_words=VOCABULARY)
    x_train, y_train = session.take(x_train, y_train)
    x_test, y_test = session.take(x_test, y_test)
    x_train, x_test = pad_sequences(x_train, maxlen=MAXLEN), pad_sequences(x_test, maxlen=MAXLEN)
    y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)

    keras.utils.set_random_seed(session.seed)
    model = build_model()
    model.fit(x_train, y_train, epochs=session.epochs, batch_size=session.batch_size,
              validation_data=(x_test, y_test), verbose=0,
              callbacks=session.keras_callbacks("model.keras"))
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

    session.plot_keras_history()
    return {"test_accuracy": float(test_accuracy), "test_loss": float(test_loss)}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("imdb_lstm", train))
