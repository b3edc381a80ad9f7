"""The course's Keras Tuner program (the Hyperband tutorial), with only its imports changed,
on a slice of real MNIST."""


def test_course_hyperband_program_runs_unchanged(tmp_path, monkeypatch, mnist):
    monkeypatch.chdir(tmp_path)
    # ---- the course's imports, changed: `import keras_tuner as kt`, `from tensorflow import keras`
    import shenjing.tune as kt
    from shenjing import keras
    tf = type("tf", (), {"keras": keras})   # the program says tf.keras.callbacks.EarlyStopping

    x_train, y_train, x_test, y_test = mnist
    # a slice of the data keeps the test fast; the program below is the course's, unchanged
    img_train, label_train = x_train[:150], y_train[:150]
    img_test, label_test = x_test[:500], y_test[:500]

    def model_builder(hp):
        model = keras.Sequential()
        model.add(keras.layers.Flatten(input_shape=(28, 28)))

        # Tune the number of units in the first Dense layer
        # Choose an optimal value between 32-512
        hp_units = hp.Int('units', min_value=32, max_value=512, step=32)
        model.add(keras.layers.Dense(units=hp_units, activation='relu'))
        model.add(keras.layers.Dense(10))

        # Tune the learning rate for the optimizer
        # Choose an optimal value from 0.01, 0.001, or 0.0001
        hp_learning_rate = hp.Choice('learning_rate', values=[1e-2, 1e-3, 1e-4])

        model.compile(optimizer=keras.optimizers.Adam(learning_rate=hp_learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=['accuracy'])

        return model

    tuner = kt.Hyperband(model_builder,
                         objective='val_accuracy',
                         max_epochs=10,
                         factor=3,
                         directory='my_dir',
                         project_name='intro_to_kt')

    stop_early = tf.keras.callbacks.EarlyStopping(monitor='val_loss', patience=5)

    tuner.search(img_train, label_train, epochs=50, validation_split=0.2,
                 callbacks=[stop_early])

    # Get the optimal hyperparameters
    best_hps = tuner.get_best_hyperparameters(num_trials=1)[0]

    print(f"""
    The hyperparameter search is complete. The optimal number of units in the first densely-connected
    layer is {best_hps.get('units')} and the optimal learning rate for the optimizer
    is {best_hps.get('learning_rate')}.
    """)

    # Build the model with the optimal hyperparameters and train it on the data for 50 epochs
    model = tuner.hypermodel.build(best_hps)
    history = model.fit(img_train, label_train, epochs=5, validation_split=0.2)

    val_acc_per_epoch = history.history['val_accuracy']
    best_epoch = val_acc_per_epoch.index(max(val_acc_per_epoch)) + 1
    print('Best epoch: %d' % (best_epoch,))

    hypermodel = tuner.hypermodel.build(best_hps)

    # Retrain the model
    hypermodel.fit(img_train, label_train, epochs=best_epoch, validation_split=0.2)

    eval_result = hypermodel.evaluate(img_test, label_test)
    print("[test loss, test accuracy]:", eval_result)
    # ---- end of the course's program

    assert best_hps.get('units') in range(32, 513, 32)
    assert best_hps.get('learning_rate') in (1e-2, 1e-3, 1e-4)
    trials = tuner.oracle.trials()
    assert len(trials) == 12 + 4 + 2 + 6 + 2 + 4   # Hyperband's schedule for R=10, eta=3
    assert eval_result[1] > 0.4                     # trained on 120 digits: far above chance (0.1)
    assert (tmp_path / "my_dir" / "intro_to_kt" / "tuner.db").exists()
