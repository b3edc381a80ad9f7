"""The Keras programs of the course notes (../shared/seeds), with only the imports changed,
run on real digits: a custom layer, callbacks, a CNN, regularization, transfer learning."""

import numpy
import pytest

import shenjing as tf                      # for the notes' tf.matmul
from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import layers


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images.astype(numpy.float32) / 255
    return (x[:3000], labels[:3000].astype(numpy.int64)), (x[3000:4000],
                                                          labels[3000:4000].astype(numpy.int64))


def test_custom_dense_layer(digits):
    (x_train, y_train), (x_val, y_val) = digits

    class CustomDense(layers.Layer):
        def __init__(self, units=32, activation=None):
            super(CustomDense, self).__init__()
            self.units = units
            self.activation = keras.activations.get(activation)

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer='random_normal', trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer='zeros', trainable=True)

        def call(self, inputs):
            x = tf.matmul(inputs, self.w) + self.b
            if self.activation is not None:
                x = self.activation(x)
            return x

    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Flatten(), CustomDense(64, activation='relu'),
                              CustomDense(10, activation='softmax')])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=3, verbose=0)
    assert model.evaluate(x_val, y_val, verbose=0)[1] > 0.85


def test_callbacks_list(digits, tmp_path, monkeypatch, capsys):
    (x_train, y_train), (x_val, y_val) = digits
    monkeypatch.chdir(tmp_path)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(64, activation='relu'),
                              layers.Dense(10, activation='softmax')])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    callbacks = [
        keras.callbacks.EarlyStopping(monitor='val_loss', patience=5, min_delta=0.001,
                                      verbose=1),
        keras.callbacks.ModelCheckpoint(filepath='best_model.h5', monitor='val_loss',
                                        save_best_only=True, verbose=1),
        keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.1, patience=3,
                                          min_lr=0.00001, verbose=1),
    ]
    history = model.fit(x_train, y_train, epochs=4, validation_data=(x_val, y_val),
                        callbacks=callbacks)
    assert (tmp_path / "best_model.h5").is_file()
    best = keras.models.load_model("best_model.h5")
    assert best.evaluate(x_val, y_val, verbose=0)[0] == pytest.approx(
        min(history.history["val_loss"]), rel=1e-5)
    assert "saving model to best_model.h5" in capsys.readouterr().out


def test_cnn_image_classifier(digits):
    (x_train, y_train), (x_val, y_val) = digits
    train_images, test_images = x_train[..., None], x_val[..., None]
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation='relu'),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation='relu'),
        layers.Flatten(),
        layers.Dense(64, activation='relu'),
        layers.Dense(10, activation='softmax')
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(train_images, y_train, epochs=2,
                        validation_data=(test_images, y_val), verbose=0)
    assert history.history['val_accuracy'][-1] > 0.85


def test_regularization_forms(digits):
    (x_train, y_train), (x_val, y_val) = digits
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        layers.Flatten(),
        layers.Dense(64, activation='relu', kernel_regularizer=keras.regularizers.l2(0.01)),
        layers.Dropout(0.5),
        layers.Dense(64),
        layers.BatchNormalization(),
        layers.Activation('relu'),
        layers.Dense(10, activation='softmax')
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x_train, y_train, epochs=3, verbose=0)
    (penalty,) = model.losses
    kernel = model.layers[1].kernel.numpy()
    assert float(penalty.item()) == pytest.approx(0.01 * (kernel ** 2).sum(), rel=1e-4)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert model.evaluate(x_val, y_val, verbose=0)[1] > 0.8


def test_transfer_learning_with_frozen_layers(digits, tmp_path):
    (x_train, y_train), (x_val, y_val) = digits
    keras.utils.set_random_seed(4)
    model_A = keras.Sequential([layers.Flatten(input_shape=[28, 28]),
                                layers.Dense(100, activation="relu"),
                                layers.Dense(10, activation="softmax")])
    model_A.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model_A.fit(x_train, y_train, epochs=2, verbose=0)
    model_A.save(tmp_path / "my_model_A")
    # task B: is it a 6?
    X_train_B, y_train_B = x_train, (y_train == 6).astype("float32")
    X_valid_B, y_valid_B = x_val, (y_val == 6).astype("float32")

    model_A = keras.models.load_model(tmp_path / "my_model_A")
    model_B_on_A = keras.Sequential(model_A.layers[:-1])
    model_B_on_A.add(keras.layers.Dense(1, activation="sigmoid"))
    for layer in model_B_on_A.layers[:-1]:
        layer.trainable = False
    frozen = model_B_on_A.layers[1].kernel.numpy().copy()
    optimizer = keras.optimizers.SGD(learning_rate=0.001)
    model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model_B_on_A.fit(X_train_B, y_train_B, epochs=4, verbose=0,
                               validation_data=(X_valid_B, y_valid_B))
    numpy.testing.assert_array_equal(model_B_on_A.layers[1].kernel.numpy(), frozen)
    for layer in model_B_on_A.layers[:-1]:
        layer.trainable = True
    optimizer = keras.optimizers.SGD(learning_rate=0.001)
    model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model_B_on_A.fit(X_train_B, y_train_B, epochs=4, verbose=0,
                               validation_data=(X_valid_B, y_valid_B))
    assert not numpy.array_equal(model_B_on_A.layers[1].kernel.numpy(), frozen)
    assert history.history["loss"][-1] < history.history["loss"][0]
    majority = 1 - y_valid_B.mean()                  # always answering "not a 6"
    assert history.history["val_accuracy"][-1] > majority


def test_imdb_sentiment_text_cnn():
    from shenjing.keras.layers import Conv1D, Dense, Embedding, GlobalMaxPooling1D
    from shenjing.keras.models import Sequential
    from shenjing.keras.preprocessing.sequence import pad_sequences
    from shenjing.keras.preprocessing.text import Tokenizer
    np = numpy
    reviews, sentiment = load_sample("imdb")          # 2,000 real reviews, balanced
    texts, labels = list(reviews), list(sentiment)
    max_words, maxlen, embedding_dim = 10000, 200, 64
    filters, kernel_size, hidden_dim, epochs, batch_size = 64, 5, 32, 3, 32
    keras.utils.set_random_seed(5)
    # the course's preprocessing, model and training, as written in its notes
    tokenizer = Tokenizer(num_words=max_words)
    tokenizer.fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(texts)
    word_index = tokenizer.word_index
    data = pad_sequences(sequences, maxlen=maxlen)
    labels = np.asarray(labels)
    X_train, y_train, X_val, y_val = data[:1600], labels[:1600], data[1600:], labels[1600:]
    model = Sequential()
    model.add(Embedding(max_words, embedding_dim, input_length=maxlen))
    model.add(Conv1D(filters, kernel_size, activation='relu'))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(hidden_dim, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(X_val, y_val), verbose=0)
    assert len(word_index) > max_words                # a real vocabulary, cut to max_words
    assert history.history['accuracy'][-1] > 0.9      # it fits the training reviews
    assert history.history['val_accuracy'][-1] > 0.65  # unseen ones above chance (0.5 +- 0.025)


def test_alphago_residual_blocks_in_a_policy_value_network(digits):
    from shenjing.keras.layers import (Activation, Add, BatchNormalization, Conv2D, Dense,
                                       Flatten, Input)

    # the course's blocks, as written in its notes
    def residual_block(input_tensor, filters, kernel_size):
        x = Conv2D(filters, kernel_size, padding='same')(input_tensor)
        x = BatchNormalization()(x)
        x = Activation('relu')(x)
        x = Conv2D(filters, kernel_size, padding='same')(x)
        x = BatchNormalization()(x)
        x = Add()([x, input_tensor])
        x = Activation('relu')(x)
        return x

    def convolutional_block(input_tensor, filters, kernel_size):
        x = Conv2D(filters, kernel_size, padding='same')(input_tensor)
        x = BatchNormalization()(x)
        x = Activation('relu')(x)
        return x

    # a policy over 10 "moves" (the digit) and a value in [-1, 1] (the ink, rescaled),
    # trained on 14x14 average-pooled digits: two heads on one residual trunk
    (x_train, y_train), (x_val, y_val) = digits
    def board(x):
        return x.reshape(len(x), 14, 2, 14, 2).mean(axis=(2, 4))[..., None]
    def value(x):
        ink = x.mean(axis=(1, 2))
        return (2 * (ink - ink.min()) / (ink.max() - ink.min()) - 1)[:, None]
    keras.utils.set_random_seed(6)
    planes = Input(shape=(14, 14, 1))
    trunk = residual_block(convolutional_block(planes, 16, 3), 16, 3)
    policy = Dense(10, activation='softmax', name='policy')(Flatten()(trunk))
    value_head = Dense(1, activation='tanh', name='value')(Flatten()(trunk))
    model = keras.Model(planes, [policy, value_head])
    model.compile(optimizer='adam', loss=['categorical_crossentropy', 'mse'],
                  metrics=[['accuracy'], []])
    history = model.fit(board(x_train), [keras.utils.to_categorical(y_train, 10),
                                         value(x_train)], epochs=3, batch_size=64, verbose=0,
                        validation_data=(board(x_val), [keras.utils.to_categorical(y_val, 10),
                                                        value(x_val)]))
    assert history.history['policy_accuracy'][-1] > 0.9
    # after 141 steps BatchNormalization's moving statistics (momentum 0.99) still lag the
    # batches', so inference trails training, as it does in Keras; well above chance (0.1)
    assert history.history['val_policy_accuracy'][-1] > 0.5
    assert history.history['val_value_loss'][-1] < history.history['val_value_loss'][0]


def test_imdb_sentiment_lstm():
    from shenjing.keras.preprocessing.sequence import pad_sequences
    from shenjing.keras.preprocessing.text import Tokenizer
    reviews, labels = load_sample("imdb")
    tokenizer = Tokenizer(num_words=10000)
    tokenizer.fit_on_texts(list(reviews))
    train_data = pad_sequences(tokenizer.texts_to_sequences(list(reviews)), maxlen=50)
    train_labels = labels.astype("float32")
    keras.utils.set_random_seed(7)
    # the course's RNN text classifier, as written in its notes (3 epochs instead of 10)
    model = keras.Sequential([
        layers.Embedding(input_dim=10000, output_dim=64),
        layers.LSTM(64, return_sequences=True),
        layers.LSTM(32),
        layers.Dense(64, activation='relu'),
        layers.Dropout(0.5),
        layers.Dense(1, activation='sigmoid')
    ])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    history = model.fit(train_data, train_labels, epochs=3, batch_size=32,
                        validation_split=0.2, verbose=0)
    assert history.history['accuracy'][-1] > 0.85
    assert history.history['val_accuracy'][-1] > 0.62   # 400 unseen reviews: 0.5 +- 0.025
