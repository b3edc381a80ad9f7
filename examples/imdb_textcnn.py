"""IMDB sentiment from the raw review texts with a 1-D convolutional network (Keras face).

    python examples/imdb_textcnn.py [--epochs 3 --batch-size 64 --data DIR --out DIR]
    shenjing run imdb_textcnn

The text pipeline of the course: a ``Tokenizer`` learns the 10,000 most frequent words of
the training reviews and turns each review into word indices; ``pad_sequences`` cuts or
zero-pads them to 400 words.  The network embeds each word as a 64-vector, slides 128
filters over windows of 5 words (n-gram detectors), keeps each filter's strongest response
anywhere in the review (global max pooling), and classifies with Dense(64)-Dense(1,
sigmoid) under binary cross-entropy, Adam, dropout 0.5.  Reaches about 88-89% test accuracy.
"""

import sys

import numpy as np

from shenjing import keras
from shenjing.datasets import imdb
from shenjing.keras import layers
from shenjing.keras.preprocessing.sequence import pad_sequences
from shenjing.keras.preprocessing.text import Tokenizer

VOCABULARY, MAXLEN = 10000, 400


def encode(session):
    """The reviews as (N, 400) int32 word indices, labels (N,) 0/1; the vocabulary is
    learnt on the training texts only."""
    (texts_train, y_train), (texts_test, y_test) = imdb.load_texts(path=session.data)
    texts_train, y_train = session.take(texts_train, y_train)
    texts_test, y_test = session.take(texts_test, y_test)
    clean = lambda texts: [t.replace("<br />", " ") for t in texts]  # noqa: E731 (HTML breaks)
    tokenizer = Tokenizer(num_words=VOCABULARY)
    tokenizer.fit_on_texts(clean(texts_train))
    x_train = pad_sequences(tokenizer.texts_to_sequences(clean(texts_train)), maxlen=MAXLEN)
    x_test = pad_sequences(tokenizer.texts_to_sequences(clean(texts_test)), maxlen=MAXLEN)
    return (x_train, y_train.astype(np.float32)), (x_test, y_test.astype(np.float32))


def build_model():
    """(N, 400) word indices -> (N, 1) probability that the review is positive."""
    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        layers.Embedding(VOCABULARY, 64),
        layers.Dropout(0.5),
        layers.Conv1D(128, 5, activation="relu"),
        layers.GlobalMaxPooling1D(),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train(session):
    """Tokenize, train, evaluate; returns the test accuracy and loss."""
    (x_train, y_train), (x_test, y_test) = encode(session)
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
    sys.exit(script_main("imdb_textcnn", train))
