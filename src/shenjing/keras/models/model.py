"""``Model``: a ``Layer`` that trains, Keras's ``compile`` / ``fit`` / ``evaluate`` /
``predict``.

One training step is the course's loop, written once::

    y_pred = model(x, training=True)
    loss = loss_fn(y, y_pred, sample_weight) + sum(model.losses)   # + regularization
    loss.backward()
    optimizer.apply_gradients((p.grad, p) for p in model.trainable_weights)

``fit`` runs it over shuffled batches for some epochs, keeps a running mean of the loss
and of every metric (weighted by batch size, as Keras's logs), evaluates on validation
data after each epoch (``val_`` keys), and calls callbacks; it returns the ``History``.

Three ways to make one, as in Keras: ``Sequential``; the functional form
``keras.Model(inputs, outputs)`` on KerasTensors of ``keras.Input`` (a ``Functional``,
``functional.py``: several inputs, several outputs, shared layers, nested models); or a
subclass (layers assigned in ``__init__``, the computation in ``call``).  ``x`` may hold
several inputs: a list of arrays (the same number of samples each) or a dict by ``Input``
name.  A model with several outputs predicts a list of arrays and trains with a loss for
each (``compiled.py``).
"""

import os

import numpy

from ...autograd import no_grad
from ...autograd.tensor import Tensor
from .. import callbacks as callbacks_module
from ..layers.layer import Layer, accepts_training
from ..layers.keras_tensor import map_structure
from .compiled import CompiledLoss
from .data import as_array, as_inputs, batches, num_samples, split_validation


def call_layer(layer, x, training):
    """``layer(x, training=training)`` if its call takes ``training``, else ``layer(x)``."""
    return layer(x, training=training) if accepts_training(layer) else layer(x)


class Model(Layer):
    """A trainable stack of layers: ``compile``, then ``fit``, ``evaluate``, ``predict``.

    ``Model(inputs, outputs, name=None)`` makes a ``Functional`` model (Keras's functional
    API); ``Model()`` with no graph is the base of subclassed models."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional   # (it subclasses Model: imported late)
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                f"{type(self).__name__}: a subclass of keras.Model cannot pass inputs and "
                f"outputs to Model.__init__ yet; build keras.Model(inputs, outputs) directly, "
                f"or define the computation in call()")
        super().__init__(**kwargs)
        self.optimizer = self.loss = self.compiled_loss = None
        self.stop_training = False
        self.history = None

    # ------------------------------------------------------------ compile

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs):
        """Choose the optimizer, the loss and the metrics (names or objects, as Keras).

        ``metrics=["accuracy"]`` picks the accuracy that fits the loss (sparse
        categorical, categorical or binary).  ``run_eagerly``, ``steps_per_execution`` and
        ``jit_compile`` are accepted and ignored: shenjing always runs eagerly.
        """
        from .. import losses, optimizers
        kwargs.pop("auto_scale_loss", None)
        if kwargs:
            raise TypeError(f"{self.name}.compile: unexpected keyword arguments {sorted(kwargs)}")
        if weighted_metrics is not None:
            raise NotImplementedError(f"{self.name}.compile: weighted_metrics is not supported "
                                      f"yet")
        self.optimizer = optimizers.get(optimizer)
        several = isinstance(loss, (list, tuple, dict))
        self.loss = loss if loss is None or several else losses.get(loss)
        self.compiled_loss = None if loss is None else CompiledLoss(
            self.loss, loss_weights, metrics, f"{self.name}.compile")

    def _require_compiled(self, who, loss=True):
        if self.optimizer is None:
            raise RuntimeError(f"{self.name}.{who}: call compile() first")
        if loss and self.compiled_loss is None:
            raise ValueError(f"{self.name}.{who}: no loss; give compile(loss=...)")

    # ------------------------------------------------------------ one batch

    def _predict_batch(self, x, training):
        if isinstance(x, numpy.ndarray):
            x = Tensor(x)
        elif isinstance(x, (list, tuple, dict)):     # several inputs
            x = map_structure(lambda a: Tensor(a) if isinstance(a, numpy.ndarray) else a, x)
        return call_layer(self, x, training)

    def _output_names(self, count):
        """The outputs' names: their layers' names (a functional model), else output_1, ..."""
        outputs = getattr(self, "outputs", None) or []
        names = [t.node.layer.name for t in outputs if getattr(t, "node", None) is not None]
        if len(names) != count or len(set(names)) != count:
            names = [f"output_{i + 1}" for i in range(count)]
        return names

    def _total_loss(self, y, y_pred, sample_weight):
        """compile's loss over the outputs (a list of predictions) plus regularization."""
        self.compiled_loss.resolve(self._output_names(len(y_pred)))
        loss = self.compiled_loss(y, y_pred, sample_weight)
        for penalty in self.losses:
            loss = loss + penalty
        return loss

    def _outputs(self, x, training):
        y_pred = self._predict_batch(x, training)
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def train_step(self, x, y, sample_weight=None):
        """One update on one batch; returns (loss value, the outputs' predictions as
        arrays, in a list)."""
        y_pred = self._outputs(x, training=True)
        loss = self._total_loss(y, y_pred, sample_weight)
        trainable = self.trainable_weights
        for p in trainable:
            p.grad = None
        loss.backward()
        self.optimizer.apply_gradients([(p.grad, p) for p in trainable])
        return float(loss.item()), [p.detach().numpy() for p in y_pred]

    def test_step(self, x, y, sample_weight=None):
        """The loss (regularization included) and predictions of one batch, no update."""
        with no_grad():
            y_pred = self._outputs(x, training=False)
            loss = self._total_loss(y, y_pred, sample_weight)
        return float(loss.item()), [p.numpy() for p in y_pred]

    def _reset_metrics(self):
        self.compiled_loss.reset()

    def _update_metrics(self, loss, y, y_pred, n):
        self.compiled_loss.update(loss, y, y_pred, n)

    def _logs(self, prefix=""):
        return self.compiled_loss.logs(prefix)

    @property
    def compiled_metrics(self):
        """The metrics of compile, made for each output once the first batch has run."""
        outputs = getattr(self, "compiled_loss", None) and self.compiled_loss.outputs
        return [m for output in outputs or [] for m in output.metrics]

    # ------------------------------------------------------------ fit / evaluate / predict

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over ``x``/``y`` (arrays, or an iterable of (x, y)
        batches) in batches of ``batch_size`` (32), shuffled each epoch.  Validation on
        ``validation_data`` = (x, y) or the last ``validation_split`` of the data.
        Returns the ``History`` (also ``model.history``)."""
        self._require_compiled("fit")
        if validation_split and validation_data is None:
            if sample_weight is not None:
                sample_weight = as_array(sample_weight, "fit")
            (x, y, sample_weight), validation_data = split_validation(
                as_inputs(x, "fit"), as_inputs(y, "fit"), sample_weight, validation_split)
        if class_weight is not None:
            sample_weight = self._class_sample_weights(y, class_weight, sample_weight)
        train = batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, "fit")
        validation = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)):
                if len(validation_data) not in (2, 3):
                    raise ValueError(f"{self.name}.fit: validation_data must be (x, y) or "
                                     f"(x, y, sample_weight), got {len(validation_data)} items")
                validation = batches(*validation_data, batch_size=validation_batch_size
                                     or batch_size, who="fit (validation)")
            else:
                validation = batches(validation_data, steps=validation_steps,
                                     who="fit (validation)")
        verbose = 1 if verbose == "auto" else verbose
        self.history = callbacks_module.History()
        chain = [callbacks_module.ProgbarLogger()] if verbose else []
        chain += list(callbacks or []) + [self.history]
        steps = getattr(train, "steps", None) or steps_per_epoch
        hooks = callbacks_module.CallbackList(
            chain, self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        was_training = self.training
        hooks.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            self.train()
            self._reset_metrics()
            hooks.on_epoch_begin(epoch)
            for step, (xb, yb, wb) in enumerate(train):
                hooks.on_train_batch_begin(step)
                loss, y_pred = self.train_step(xb, yb, wb)
                self._update_metrics(loss, yb, y_pred, num_samples(xb))
                hooks.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            logs = self._logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                logs.update(self._evaluate(validation, prefix="val_"))
            hooks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        hooks.on_train_end()
        self.train(was_training)
        return self.history

    def _evaluate(self, data, prefix=""):
        self.eval()
        self._reset_metrics()
        for xb, yb, wb in data:
            loss, y_pred = self.test_step(xb, yb, wb)
            self._update_metrics(loss, yb, y_pred, num_samples(xb))
        logs = self._logs(prefix)
        self.train()
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss (and metrics) on ``x``/``y`` in inference mode: a float, a list [loss,
        metric, ...] when there are metrics, or a dict with ``return_dict``."""
        self._require_compiled("evaluate")
        was_training = self.training
        logs = self._evaluate(batches(x, y, sample_weight, batch_size, steps=steps,
                                      who="evaluate"))
        self.train(was_training)
        if verbose and verbose != "auto":
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` in inference mode: one NumPy array, or a list of
        arrays for a model with several outputs."""
        was_training = self.training
        self.eval()
        outputs = []
        with no_grad():
            for xb, _, _ in batches(x, batch_size=batch_size, steps=steps, who="predict"):
                y = self._predict_batch(xb, training=False)
                outputs.append([t.numpy() for t in y] if isinstance(y, (list, tuple))
                               else y.numpy())
        self.train(was_training)
        if not outputs:
            raise ValueError(f"{self.name}.predict: no input samples")
        if isinstance(outputs[0], list):
            return [numpy.concatenate(parts) for parts in zip(*outputs)]
        return numpy.concatenate(outputs)

    def predict_on_batch(self, x):
        """The outputs for one batch, in inference mode, as a NumPy array."""
        return self.predict(x, batch_size=max(num_samples(as_inputs(x, "predict_on_batch")), 1))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None):
        """One update on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = self._class_sample_weights(y, class_weight, sample_weight)
        x, y = as_inputs(x, "train_on_batch"), as_inputs(y, "train_on_batch")
        sample_weight = as_array(sample_weight, "train_on_batch")
        self._reset_metrics()
        loss, y_pred = self.train_step(x, y, sample_weight)
        self._update_metrics(loss, y, y_pred, num_samples(x))
        values = list(self._logs().values())
        return values[0] if len(values) == 1 else values

    def test_on_batch(self, x, y=None, sample_weight=None):
        """The loss (and metrics) of one batch in inference mode."""
        return self.evaluate(x, y, batch_size=max(num_samples(as_inputs(x, "test_on_batch")), 1),
                             sample_weight=sample_weight, verbose=0)

    def _class_sample_weights(self, y, class_weight, sample_weight):
        """Keras's ``class_weight``: each sample weighted by its class's weight."""
        if isinstance(y, (list, tuple, dict)) and not numpy.isscalar(next(iter(y), 0)):
            raise NotImplementedError(f"{self.name}.fit: class_weight with several outputs' "
                                      f"targets is not supported; give sample_weight")
        labels = as_array(y, "fit")
        if labels is None:
            raise ValueError(f"{self.name}.fit: class_weight needs array targets y")
        if labels.ndim > 1 and labels.shape[-1] > 1:
            labels = labels.argmax(-1)                  # one-hot targets
        labels = labels.reshape(len(labels), -1)[:, 0].astype(numpy.int64)
        missing = sorted(set(numpy.unique(labels).tolist()) - set(class_weight))
        if missing:
            raise ValueError(f"{self.name}.fit: class_weight has no weight for classes "
                             f"{missing}")
        weights = numpy.array([class_weight[c] for c in labels.tolist()], numpy.float32)
        return weights if sample_weight is None else weights * as_array(sample_weight, "fit")

    # ------------------------------------------------------------ files

    def save(self, filepath, overwrite=True, **kwargs):
        """Architecture, weights and compile arguments in one ``.keras`` zip (``saving.py``)."""
        from ..saving import save_model
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{self.name}.save: {filepath} exists and overwrite=False")
        save_model(self, filepath)

    def save_weights(self, filepath, overwrite=True):
        """The weights alone, as a safetensors file."""
        from ..saving import save_weights
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{self.name}.save_weights: {filepath} exists and "
                                  f"overwrite=False")
        save_weights(self, filepath)

    def load_weights(self, filepath):
        """Load weights from ``save_weights``'s file or a ``.keras`` file."""
        from ..saving import load_weights
        load_weights(self, filepath)

    # ------------------------------------------------------------ description

    def get_layer(self, name=None, index=None):
        """The sub-layer called ``name``, or number ``index`` in ``layers``."""
        layers = getattr(self, "layers", None) or list(self._modules.values())
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"{self.name}.get_layer: index {index} is out of range for "
                                 f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(f"{self.name}.get_layer: no layer named {name!r}; the layers are "
                         f"{[getattr(layer, 'name', '?') for layer in layers]}")

    def count_params(self):
        """The number of scalars in all weights."""
        return sum(int(numpy.prod(p.shape)) for p in self.parameters())

    def _output_shapes(self):
        """Each direct sub-layer's output shape (batch axis None), from one batch of zeros
        of the input shape the model was built for; {} when that shape is unknown."""
        input_shape = getattr(self, "_build_input_shape", None)
        if not isinstance(input_shape, tuple):
            return {}
        shapes = {}
        handles = [module.register_forward_hook(
            lambda m, args, out, key=key: shapes.__setitem__(key, getattr(out, "shape", None)))
            for key, module in self._modules.items()]
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                call_layer(self, Tensor(numpy.zeros((1,) + input_shape[1:], numpy.float32)),
                           False)
        finally:
            for handle in handles:
                handle.remove()
            self.train(was_training)
        return {k: None if v is None else (None,) + tuple(v[1:]) for k, v in shapes.items()}

    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        """Print a table of the layers: name (type), output shape, number of weights; then
        the total, trainable and non-trainable counts."""
        if not self.built:
            raise ValueError(f"{self.name}: this model has not been built yet; call it on a "
                             f"batch, or give the input shape (keras.Input or input_shape=)")
        emit = print_fn or print
        shapes = self._output_shapes()
        rows = [(f"{key} ({type(module).__name__})", str(shapes.get(key, "?")),
                 sum(int(numpy.prod(p.shape)) for p in module.parameters()))
                for key, module in self._modules.items()]
        # columns widen for long names and shapes (a functional model's) instead of running on
        first = max([29] + [len(name) + 2 for name, _, _ in rows])
        second = max([26] + [len(shape) + 2 for _, shape, _ in rows])
        width = line_length or max(65, first + second + 10)
        emit(f'Model: "{self.name}"')
        emit("_" * width)
        emit(f"{'Layer (type)':<{first}}{'Output Shape':<{second}}Param #")
        emit("=" * width)
        for name, shape, count in rows:
            emit(f"{name:<{first}}{shape:<{second}}{count:,}")
        emit("=" * width)
        trainable = sum(int(numpy.prod(p.shape)) for p in self.trainable_weights)
        total = self.count_params()
        emit(f"Total params: {total:,}")
        emit(f"Trainable params: {trainable:,}")
        emit(f"Non-trainable params: {total - trainable:,}")
        emit("_" * width)
