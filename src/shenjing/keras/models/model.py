"""``Model``: a ``Layer`` that trains, Keras's ``compile`` / ``fit`` / ``evaluate`` /
``predict``.

One training step is the course's loop, written once::

    y_pred = model(x, training=True)
    loss = loss_fn(y, y_pred, sample_weight) + sum(model.losses)   # + regularization, add_loss
    loss.backward()
    optimizer.apply_gradients((p.grad, p) for p in model.trainable_weights)

(``compile`` without a loss trains on ``model.losses`` alone.)  A subclass may write its own
step as Keras 3 does, ``train_step(self, data)`` with ``data = (x, y)``: it computes the
loss (``self.compute_loss``), updates the weights (``self.optimizer.apply``) and the
metrics (``self.metrics``), and returns a dict of their values, which ``fit`` logs
(``test_step(self, data)`` likewise for ``evaluate``).

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

import inspect
import os

import numpy

from ...autograd import no_grad
from ...autograd.tensor import Tensor
from .. import callbacks as callbacks_module
from .. import distribution as distribution_module
from ..layers.layer import Layer, accepts_training
from ..layers.keras_tensor import map_structure
from .compiled import CompiledLoss
from ..utils import PyDataset
from .data import (as_array, as_inputs, batches, class_sample_weights, is_batches,
                   num_samples, split_validation)


def _tensors(value):
    """Arrays as tensors (in a list, tuple or dict too), as a ``train_step`` receives them."""
    if isinstance(value, numpy.ndarray):
        return Tensor(value)
    if isinstance(value, (list, tuple, dict)):
        return map_structure(lambda a: Tensor(a) if isinstance(a, numpy.ndarray) else a, value)
    return value


def _step_data(x, y, sample_weight):
    """One batch as Keras 3 hands it to ``train_step(data)`` / ``test_step(data)`` (its
    ``pack_x_y_sample_weight``): ``x`` alone when there is no ``y`` (``(x,)`` when ``x`` is a
    list of inputs), so that ``fit(x)`` of an autoencoder or a VAE gives the images
    themselves; else ``(x, y)`` or ``(x, y, sample_weight)``."""
    x = _tensors(x)
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, _tensors(y)) + (() if sample_weight is None else (sample_weight,))


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
        self.optimizer = self.loss = self.compiled_loss = self._compiled = None
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
        # without a loss, the model's add_loss terms alone are minimized (Keras's rule)
        self._compiled = self.compiled_loss or CompiledLoss(None, None, metrics,
                                                            f"{self.name}.compile")
        self._distribution = distribution_module.active()  # compiled in strategy.scope()

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
        """compile's loss over the outputs (a list of predictions) plus ``self.losses``
        (regularization and ``add_loss``'s, each summed to a scalar)."""
        self._compiled.resolve(self._output_names(len(y_pred)))
        loss = self._compiled(y, y_pred, sample_weight)
        for penalty in self.losses:
            penalty = penalty if penalty.ndim == 0 else penalty.sum()
            loss = penalty if loss is None else loss + penalty
        if loss is None:
            raise ValueError(f"{self.name}: no loss to compute; give compile(loss=...) or add "
                             f"a loss with add_loss() in call()")
        return loss

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of one batch, as Keras 3's ``compute_loss`` (for a ``train_step``
        of one's own): compile's loss of ``y_pred`` against ``y`` plus ``self.losses``."""
        self._require_compiled("compute_loss", loss=False)
        y_pred = list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]
        return self._total_loss(y, y_pred, sample_weight)

    @property
    def metrics(self):
        """The metrics ``fit`` resets each epoch, in Keras's order: the loss tracker and
        compile's metrics (once compiled), then the ``Metric`` objects held as attributes
        (a ``train_step`` of one's own may override this property with its own list)."""
        from ..metrics import Metric
        compiled = getattr(self, "_compiled", None)
        own = [] if compiled is None else [compiled.tracker] + self.compiled_metrics
        return own + [v for v in vars(self).values() if isinstance(v, Metric)]

    def reset_metrics(self):
        """Reset every metric of ``metrics`` (fit does so at the start of each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

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
        distribution_module.before_backward(self, loss, trainable)  # averages over MPI ranks
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
        self._compiled.reset()

    def _update_metrics(self, loss, y, y_pred, n):
        self._compiled.update(loss, y, y_pred, n)

    def _logs(self, prefix=""):
        return self._compiled.logs(prefix)

    def _custom_step(self, name="train_step"):
        """Whether a subclass wrote Keras 3's ``train_step(self, data)`` (or ``test_step``):
        one argument, ``data = (x, y)`` or ``(x, y, sample_weight)``."""
        step = getattr(type(self), name)
        if step is getattr(Model, name):
            return False
        positional = [p for p in list(inspect.signature(step).parameters.values())[1:]
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return len(positional) == 1

    @staticmethod
    def _step_logs(logs, who):
        """A ``train_step``'s (``test_step``'s) returned dict as floats (nested dicts
        flattened)."""
        if not isinstance(logs, dict):
            raise TypeError(f"{who}: train_step(data) and test_step(data) must return a dict "
                            f"of metric names to values, got {type(logs).__name__}")
        flat = {}
        for key, value in logs.items():
            if isinstance(value, dict):
                flat.update(Model._step_logs(value, who))
            else:
                flat[key] = float(numpy.asarray(value.numpy() if isinstance(value, Tensor)
                                                else value))
        return flat

    @property
    def compiled_metrics(self):
        """The metrics of compile, made for each output once the first batch has run."""
        outputs = getattr(self, "_compiled", None) and self._compiled.outputs
        return [m for output in outputs or [] for m in output.metrics]

    # ------------------------------------------------------------ fit / evaluate / predict

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for epochs ``initial_epoch .. epochs - 1`` over ``x``/``y`` in batches of
        ``batch_size`` (32), shuffled each epoch.  ``x`` is arrays (with ``y``), a
        ``keras.utils.PyDataset``, a ``DataLoader`` or a generator of (x, y[, w]) batches;
        ``steps_per_epoch`` batches make an epoch (a generator needs it to run more than one
        epoch).  ``class_weight`` ({class: weight}) and ``sample_weight`` weight the
        samples' losses.  Validation on ``validation_data`` ((x, y[, w]) arrays or any of
        the batch sources, ``validation_steps`` batches of it) or on the last
        ``validation_split`` of the arrays, after every ``validation_freq``-th epoch
        (``val_`` keys).  Returns the ``History`` (also ``model.history``)."""
        self._require_compiled("fit", loss=False)   # add_loss may give the loss
        if not isinstance(initial_epoch, int) or initial_epoch < 0:
            raise ValueError(f"{self.name}.fit: initial_epoch must be a non-negative integer, "
                             f"got {initial_epoch!r}")
        if not (isinstance(validation_freq, int) and validation_freq >= 1
                or isinstance(validation_freq, (list, tuple))):
            raise ValueError(f"{self.name}.fit: validation_freq must be a positive integer (or "
                             f"a list of epochs), got {validation_freq!r}")
        if validation_split and validation_data is None:
            if isinstance(x, PyDataset) or is_batches(x):
                raise ValueError(f"{self.name}.fit: validation_split needs arrays; x is a "
                                 f"{type(x).__name__}: give validation_data")
            if sample_weight is not None:
                sample_weight = as_array(sample_weight, "fit")
            (x, y, sample_weight), validation_data = split_validation(
                as_inputs(x, "fit"), as_inputs(y, "fit"), sample_weight, validation_split)
        train = batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                        f"{self.name}.fit", class_weight)
        train = distribution_module.shard(self, train)   # this rank's part under a distribution
        validation = None
        if validation_data is not None:
            who = f"{self.name}.fit (validation)"
            if isinstance(validation_data, (tuple, list)):
                if len(validation_data) not in (1, 2, 3):   # (x,): a VAE's, no targets
                    raise ValueError(f"{who}: validation_data must be (x,), (x, y) or (x, y, "
                                     f"sample_weight), got {len(validation_data)} items")
                validation = batches(*validation_data, batch_size=validation_batch_size
                                     or batch_size, steps=validation_steps, who=who)
            else:
                validation = batches(validation_data, steps=validation_steps, who=who)
        verbose = 1 if verbose == "auto" else verbose
        self.history = callbacks_module.History()
        hooks = self._callbacks(callbacks, verbose, epochs, train.steps, self.history)
        self.stop_training = False
        was_training = self.training
        self._initial_epoch = None   # a callback restoring a backup sets it (Keras 3's hook)
        hooks.on_train_begin()
        initial_epoch = self._initial_epoch or initial_epoch
        custom = self._custom_step()    # Keras 3's train_step(data), returning logs
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            if custom:
                self.reset_metrics()
            hooks.on_epoch_begin(epoch)
            self.train()
            steps = 0
            for step, (xb, yb, wb) in enumerate(train):
                hooks.on_train_batch_begin(step)
                if custom:
                    data = _step_data(xb, yb, wb)
                    step_logs = self._step_logs(self.train_step(data), f"{self.name}.fit")
                else:
                    loss, y_pred = self.train_step(xb, yb, wb)
                    self._update_metrics(loss, yb, y_pred, num_samples(xb))
                    step_logs = self._logs()
                steps += 1
                hooks.on_train_batch_end(step, step_logs)
                if self.stop_training:
                    break
            if not steps:    # a used-up generator (Epochs has warned): nothing to log
                break
            logs = dict(step_logs) if custom else self._logs()
            if validation is not None and self._should_validate(epoch, validation_freq):
                val_logs = self._test_loop(validation, hooks)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            hooks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        hooks.on_train_end()
        self.train(was_training)
        return self.history

    @staticmethod
    def _should_validate(epoch, validation_freq):
        """Keras's rule: after every ``validation_freq``-th epoch (counted from 1), or after
        the epochs (from 1) listed in it."""
        if isinstance(validation_freq, int):
            return (epoch + 1) % validation_freq == 0
        return epoch + 1 in validation_freq

    def _callbacks(self, callbacks, verbose, epochs, steps, history=None):
        """The callbacks of one fit / evaluate / predict, with a progress bar when
        ``verbose`` and the ``History`` (fit) last."""
        chain = [callbacks_module.ProgbarLogger()] if verbose else []
        chain += list(callbacks or []) + ([history] if history is not None else [])
        return distribution_module.wrap_callbacks(callbacks_module.CallbackList(
            chain, self, {"epochs": epochs, "steps": steps, "verbose": verbose}), self)

    def _test_loop(self, data, hooks):
        """The loss and metrics over ``data`` (an ``Epochs``) in inference mode (through a
        subclass's Keras 3 ``test_step(data)`` when it wrote one)."""
        self.eval()
        self._reset_metrics()
        custom = self._custom_step("test_step")
        if custom:
            self.reset_metrics()
        hooks.on_test_begin()
        logs = None
        for step, (xb, yb, wb) in enumerate(data):
            hooks.on_test_batch_begin(step)
            if custom:
                batch = _step_data(xb, yb, wb)
                with no_grad():
                    logs = self._step_logs(self.test_step(batch), f"{self.name}.evaluate")
            else:
                loss, y_pred = self.test_step(xb, yb, wb)
                self._update_metrics(loss, yb, y_pred, num_samples(xb))
            hooks.on_test_batch_end(step, dict(logs) if custom else self._logs())
        logs = dict(logs or {}) if custom else self._logs()
        hooks.on_test_end(logs)
        return logs

    def _flatten_logs(self, logs):
        """Keras's order for a list result: the loss, compile's metrics, then the rest
        (each output's loss) by name; one value alone is returned bare."""
        names = ["loss"] + [m.name for m in self.compiled_metrics]
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss (and metrics) on ``x``/``y`` (or any input ``fit`` takes; ``steps``
        batches of it) in inference mode: a float, a list [loss, metric, ...] when there
        are metrics, or a dict with ``return_dict``."""
        self._require_compiled("evaluate", loss=False)   # add_loss may give the loss
        data = batches(x, y, sample_weight, batch_size, steps=steps,
                       who=f"{self.name}.evaluate")
        verbose = 1 if verbose == "auto" else verbose
        hooks = self._callbacks(callbacks, verbose, 1, data.steps)
        was_training = self.training
        logs = self._test_loop(data, hooks)
        self.train(was_training)
        return logs if return_dict else self._flatten_logs(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` (or any input ``fit`` takes; only the x of each
        batch is used) in inference mode: one NumPy array, or a list of arrays for a model
        with several outputs."""
        data = batches(x, batch_size=batch_size, steps=steps, who=f"{self.name}.predict")
        verbose = 1 if verbose == "auto" else verbose
        hooks = self._callbacks(callbacks, verbose, 1, data.steps)
        was_training = self.training
        self.eval()
        outputs = []
        hooks.on_predict_begin()
        with no_grad():
            for step, (xb, _, _) in enumerate(data):
                hooks.on_predict_batch_begin(step)
                outputs.append(self._predict_arrays(xb))
                hooks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        hooks.on_predict_end()
        self.train(was_training)
        if not outputs:
            raise ValueError(f"{self.name}.predict: no input samples")
        if isinstance(outputs[0], list):
            return [numpy.concatenate(parts) for parts in zip(*outputs)]
        return numpy.concatenate(outputs)

    def _predict_arrays(self, x):
        y = self._predict_batch(x, training=False)
        return [t.numpy() for t in y] if isinstance(y, (list, tuple)) else y.numpy()

    def predict_on_batch(self, x):
        """The outputs for one batch ``x`` in inference mode: a NumPy array (a list of them
        for several outputs)."""
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                return self._predict_arrays(as_inputs(x, f"{self.name}.predict_on_batch"))
        finally:
            self.train(was_training)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One update on one batch; returns that batch's loss (and metrics): a float, a
        list [loss, metric, ...], or a dict with ``return_dict`` (Keras 3's forms; the
        metrics are reset first, so they are this batch's alone)."""
        self._require_compiled("train_on_batch", loss=False)   # add_loss may give the loss
        who = f"{self.name}.train_on_batch"
        x, y = as_inputs(x, who), as_inputs(y, who)
        sample_weight = as_array(sample_weight, who)
        if class_weight is not None:
            sample_weight = class_sample_weights(y, class_weight, sample_weight, who)
        self._reset_metrics()
        was_training = self.training
        self.train()
        if self._custom_step():      # Keras 3's train_step(data), returning the logs
            self.reset_metrics()
            data = (_tensors(x), _tensors(y)) + (() if sample_weight is None
                                                 else (sample_weight,))
            logs = self._step_logs(self.train_step(data), who)
            self.train(was_training)
            return logs if return_dict else self._flatten_logs(logs)
        loss, y_pred = self.train_step(x, y, sample_weight)
        self.train(was_training)
        self._update_metrics(loss, y, y_pred, num_samples(x))
        logs = self._logs()
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) of one batch in inference mode, in ``train_on_batch``'s
        forms."""
        self._require_compiled("test_on_batch", loss=False)   # add_loss may give the loss
        who = f"{self.name}.test_on_batch"
        x, y = as_inputs(x, who), as_inputs(y, who)
        data = [(x, y, as_array(sample_weight, who))]
        was_training = self.training
        logs = self._test_loop(data, self._callbacks(None, 0, 1, 1))
        self.train(was_training)
        return logs if return_dict else self._flatten_logs(logs)

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

    def export(self, filepath, format="onnx", input_signature=None, verbose=None):
        """The model as an ONNX file (opset 17, symbolic batch axis), for ONNX Runtime and
        other engines; ``input_signature``: example arrays when the input shapes are not
        known.  Needs the ``onnx`` extra (``shenjing.onnx``, loaded here on first use)."""
        from ...onnx.keras_export import export_keras
        return export_keras(self, filepath, format, input_signature, verbose)

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
        the total, trainable and non-trainable counts (and their memory), through
        ``print_fn`` (``print``) one line at a time."""
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
        total_bytes = _bytes(self.parameters())
        trainable_bytes = _bytes(self.trainable_weights)
        emit(f"Total params: {total:,} ({_readable(total_bytes)})")
        emit(f"Trainable params: {trainable:,} ({_readable(trainable_bytes)})")
        emit(f"Non-trainable params: {total - trainable:,} "
             f"({_readable(total_bytes - trainable_bytes)})")
        emit("_" * width)


def _bytes(weights):
    """The memory of ``weights`` in bytes, each counted once."""
    return sum(int(numpy.prod(p.shape)) * p.data.dtype.itemsize
               for p in {id(p): p for p in weights}.values())


def _readable(size):
    """Bytes as Keras's summary writes them: ``3.33 KB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"
